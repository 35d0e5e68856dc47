//! Issue 18, "nothing lost, nothing twice": faults injected between the functions and the
//! emulator (the local gate, `rpps_local::gate::Fault`), and what the outbox and its sweeper
//! make of them, checked against the register.

use reqwest::StatusCode;
use rpps_e2e::{TestApp, aws_endpoint, fresh_options, spawn_app};
use rpps_local::gate::{Fault, FaultKind};
use serde_json::{Value, json};

use crate::support::{
    Browser, aide_email, aide_submits, allocated, allocated_with_email, emails_to, eventually,
};

/// The sweeper, as its schedule runs it `minutes` from now.
async fn sweep(app: &TestApp, minutes: i64) -> Value {
    let response = reqwest::Client::new()
        .post(app.url(&format!("/_local/sweep?minutes={minutes}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// An aide's request submitted and validated by the manager of establishment A; its id and
/// number.
async fn validated(app: &TestApp) -> (String, String) {
    let (_, _, rpps, id) = allocated(app).await;
    (id, rpps)
}

/// Sweeps until no event is left undone, each sweep as an hour after the one before (past any
/// backoff); the last report.
async fn sweep_until_done(app: &TestApp) -> Value {
    let mut report = Value::Null;
    for hour in 1..=100 {
        report = sweep(app, 60 * hour).await;
        if report["undone"] == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    report
}

/// Waits until the stream follower has spent its retries on `calls` refused sends.
async fn until_refused(app: &TestApp, calls: usize) {
    for _ in 0..300 {
        if app.gate.faulted("ses:SendEmail") >= calls {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(app.gate.faulted("ses:SendEmail") >= calls);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
}

/// SES refuses every email for longer than the stream retries (10 minutes, here as long as it
/// takes the local stream follower to spend its 5 retries); back, the sweeper delivers the
/// number email, once; the directory entry was never held up.
#[tokio::test]
async fn ses_refusing_for_ten_minutes_then_back_every_email_is_sent_exactly_once() {
    let app = spawn_app(fresh_options(aws_endpoint())).await.unwrap();
    // The account's sending paused (SES's own refusal, not retried by the SDK).
    app.gate.inject(Fault::refuse(
        "ses:SendEmail",
        400,
        "SendingPausedException",
    ));
    let (_, rpps) = validated(&app).await;

    // The submission's and the validation's emails are refused: each one tried by the first
    // delivery and its 5 retries, then given up by the stream.
    for _ in 0..300 {
        if app.gate.faulted("ses:SendEmail") >= 2 * 6 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        app.gate.faulted("ses:SendEmail") >= 12,
        "{}",
        app.gate.faulted("ses:SendEmail")
    );
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let stalled = app.gate.faulted("ses:SendEmail");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(
        app.gate.faulted("ses:SendEmail"),
        stalled,
        "the stream gave up"
    );
    assert!(emails_to(&app, &aide_email(&app), 0).await.is_empty());
    // The directory does not wait for the mailer.
    let entry = app
        .store()
        .directory_entry(&rpps_domain::RppsNumber::parse(&rpps).unwrap())
        .await
        .unwrap();
    assert!(entry.is_some(), "published despite SES");

    // SES is back. A sweep too soon re-drives nothing; 10 minutes on, the undone events are
    // delivered again, and the number email goes out once.
    app.gate.clear_faults();
    let early = sweep(&app, 0).await;
    assert_eq!(early["redriven"], 0, "{early}");
    let late = sweep(&app, 10).await;
    assert_eq!(late["redriven"], late["undone"], "{late}");
    assert!(late["redriven"].as_u64().unwrap() >= 2, "{late}");
    let emails = emails_to(&app, &aide_email(&app), 1).await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert!(emails[0].to_string().contains(&rpps));

    // Nothing left undone, and nothing sent twice by further sweeps.
    let mut done = Value::Null;
    for _ in 0..100 {
        done = sweep(&app, 120).await;
        if done["undone"] == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(done["undone"], 0, "{done}");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(emails_to(&app, &aide_email(&app), 1).await.len(), 1);
}

/// The mailer stopped (killed, timed out) after reserving the number email and before sending
/// it: its reservation blocks every retry of the stream until its lease runs out, and the stream
/// gives up; the sweeper then delivers it, once.
#[tokio::test]
async fn the_mailer_killed_after_reserving_the_email_is_sent_once_by_the_sweeper() {
    let app = spawn_app(fresh_options(aws_endpoint())).await.unwrap();
    app.gate.inject(Fault::refuse(
        "ses:SendEmail",
        400,
        "SendingPausedException",
    ));
    let (id, rpps) = validated(&app).await;
    until_refused(&app, 2 * 6).await;
    // What the killed run left: the number email's delivery reserved 10 minutes ago, never
    // sent, never released.
    let store = app.store();
    let later = time::OffsetDateTime::now_utc() + time::Duration::minutes(10);
    let allocated = store
        .undone_events(later, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.kind == "rpps.allocated")
        .expect("the number email's event is undone");
    let claimed = store
        .claim_delivery(
            rpps_mailer::CONSUMER,
            &allocated.id,
            time::OffsetDateTime::now_utc() - time::Duration::minutes(10),
            rpps_mailer::LEASE,
        )
        .await
        .unwrap();
    assert!(matches!(claimed, rpps_store::DeliveryClaim::Acquired(_)));
    app.gate.clear_faults();

    let late = sweep(&app, 10).await;
    assert!(late["redriven"].as_u64().unwrap() >= 2, "{late}");
    let emails = emails_to(&app, &aide_email(&app), 1).await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert!(emails[0].to_string().contains(&rpps));
    let done = sweep_until_done(&app).await;
    assert_eq!(done["undone"], 0, "{done}");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(emails_to(&app, &aide_email(&app), 1).await.len(), 1);
    assert_eq!(
        emails_to(&app, &format!("/gestion/demandes/{id}"), 1)
            .await
            .len(),
        1,
        "the managers' email, once"
    );
}

/// SES took the email but its answer was lost (the connection cut after the request went out,
/// as a timeout or a crash after sending would): neither the SDK nor the stream nor the sweeper
/// sends it again; the delivery is settled as unknown (`mail.outcome_unknown`, alarmed).
#[tokio::test]
async fn an_email_whose_answer_was_lost_is_never_sent_twice() {
    let mut options = fresh_options(aws_endpoint());
    options.mailer_lease = Some(time::Duration::seconds(1));
    let app = spawn_app(options).await.unwrap();
    app.gate.inject(Fault {
        action: "ses:SendEmail".into(),
        function: Some("rpps-mailer".into()),
        kind: FaultKind::LoseAnswer,
        times: Some(1),
    });
    // The first email is the managers' (the submission), the second the aide's number.
    let (id, rpps) = validated(&app).await;
    until_refused(&app, 1).await;
    let emails = emails_to(&app, &aide_email(&app), 1).await;
    assert!(emails[0].to_string().contains(&rpps));
    let done = sweep_until_done(&app).await;
    assert_eq!(done["undone"], 0, "{done}");
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let to_managers = emails_to(&app, &format!("/gestion/demandes/{id}"), 1).await;
    assert_eq!(
        to_managers.len(),
        1,
        "taken by SES once, never again: {to_managers:?}"
    );
    assert_eq!(emails_to(&app, &aide_email(&app), 1).await.len(), 1);
}

/// DynamoDB throttles the directory publisher's writes for longer than the stream retries: the
/// professional is numbered and emailed meanwhile, and once DynamoDB is back the sweeper
/// publishes the entry.
#[tokio::test]
async fn dynamodb_throttling_the_publisher_then_back_the_entry_is_published() {
    let app = spawn_app(fresh_options(aws_endpoint())).await.unwrap();
    app.gate.inject(Fault {
        action: "dynamodb:PutItem".into(),
        function: Some("rpps-publisher".into()),
        kind: FaultKind::Refuse {
            status: 400,
            code: "ThrottlingException".into(),
        },
        times: None,
    });
    let (_, rpps) = validated(&app).await;
    let number = rpps_domain::RppsNumber::parse(&rpps).unwrap();
    // The first delivery and its 5 retries, each tried twice by the SDK (a throttle is retried).
    for _ in 0..300 {
        if app.gate.faulted("dynamodb:PutItem") >= 12 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(app.gate.faulted("dynamodb:PutItem") >= 12);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        app.store()
            .directory_entry(&number)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(emails_to(&app, &aide_email(&app), 1).await.len(), 1);

    app.gate.clear_faults();
    let late = sweep(&app, 10).await;
    assert!(late["redriven"].as_u64().unwrap() >= 1, "{late}");
    let mut entry = None;
    for _ in 0..100 {
        entry = app.store().directory_entry(&number).await.unwrap();
        if entry.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let entry = entry.expect("published after the sweep");
    assert_eq!(entry.active_sites().count(), 1);
    let done = sweep_until_done(&app).await;
    assert_eq!(done["undone"], 0, "{done}");
    assert_eq!(emails_to(&app, &aide_email(&app), 1).await.len(), 1);
}

/// A stream batch delivered twice and out of order (the number after the site change, each
/// twice): the publisher's answer reports no failure and the entry is the one the register
/// gives, whatever the order.
#[tokio::test]
async fn a_batch_delivered_twice_and_out_of_order_leaves_the_registers_entry() {
    use rpps_contract::events::{Event, PracticeSiteChanged, RppsAllocated};
    let app = spawn_app(fresh_options(aws_endpoint())).await.unwrap();
    let (id, rpps) = validated(&app).await;
    let number = rpps_domain::RppsNumber::parse(&rpps).unwrap();
    let mut published = None;
    for _ in 0..100 {
        published = app.store().directory_entry(&number).await.unwrap();
        if published.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let published = published.expect("published by the stream");
    let now = time::OffsetDateTime::now_utc();
    let events = [
        rpps_store::new_event(
            format!("PRO#{rpps}"),
            now,
            Event::PracticeSiteChanged(PracticeSiteChanged {
                rpps: rpps.clone(),
                finess: rpps_devidp::FINESS_A.into(),
            }),
        ),
        rpps_store::new_event(
            format!("REQ#{id}"),
            now,
            Event::RppsAllocated(RppsAllocated {
                request_id: id.clone(),
                rpps: rpps.clone(),
                validated_at: rpps_domain::paris::rfc3339(now),
            }),
        ),
    ];
    let record = |sequence: usize, event: &rpps_contract::events::OutboxEvent| {
        let tagged = serde_json::to_value(&event.event).unwrap();
        json!({ "eventName": "INSERT", "dynamodb": { "SequenceNumber": sequence.to_string(), "NewImage": {
            "PK": { "S": format!("OUTBOX#{}", event.id) }, "SK": { "S": "EVENT" },
            "id": { "S": event.id }, "kind": { "S": event.event.kind() },
            "subject": { "S": event.subject }, "at": { "S": event.at },
            "payload": { "S": tagged["payload"].to_string() } } } })
    };
    let batch = json!({ "Records": [
        record(1, &events[1]), record(2, &events[0]), record(3, &events[1]), record(4, &events[0]),
    ]});
    // As the Lambda runs it, under its role (through the gate).
    let state =
        rpps_publisher::state_from_sdk(&app.options.config(), &app.gate.sdk_for("rpps-publisher"));
    let answer = rpps_publisher::handle_batch(&state, &batch, None).await;
    assert_eq!(answer, json!({ "batchItemFailures": [] }));
    let rebuilt = app.store().directory_entry(&number).await.unwrap().unwrap();
    assert_eq!(
        (rebuilt.family_name, rebuilt.sites, rebuilt.published_at),
        (
            published.family_name,
            published.sites,
            published.published_at
        )
    );
}

/// The validation's transaction commits but its answer is lost (the connection cut: the SDK
/// sends it again, and the second try finds the request already validated): the manager gets
/// the number, the register holds one professional, one validation, one number email.
#[tokio::test]
async fn a_validation_whose_answer_was_lost_is_recorded_once() {
    let app = spawn_app(fresh_options(aws_endpoint())).await.unwrap();
    let (_aide, id) =
        aide_submits(&app, rpps_devidp::FC_AIDE_SANS_RPPS, rpps_devidp::FINESS_A).await;
    let manager = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_MANAGER_A,
    )
    .await;
    app.gate.inject(Fault {
        action: "dynamodb:TransactWriteItems".into(),
        function: Some("rpps-registrations".into()),
        kind: FaultKind::LoseAnswer,
        times: Some(1),
    });
    let (status, validated) = manager
        .post(
            &format!("/api/manager/registrations/{id}/validate"),
            json!({ "basis": "certification", "conditions_checked": true }),
        )
        .await;
    assert_eq!(app.gate.faulted("dynamodb:TransactWriteItems"), 1);
    assert_eq!(status, StatusCode::OK, "{validated}");
    let rpps = validated["rpps"].as_str().unwrap().to_owned();
    let stored = app.store().registration(&id).await.unwrap().unwrap();
    assert_eq!(
        stored.request.status().rpps().map(|r| r.to_string()),
        Some(rpps.clone()),
        "the number answered is the one recorded"
    );
    let audit = app
        .store()
        .audit_trail(&rpps_store::keys::registration(&id))
        .await
        .unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "registration.validate")
            .count(),
        1
    );
    let emails = emails_to(&app, &aide_email(&app), 1).await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    let done = sweep_until_done(&app).await;
    assert_eq!(done["undone"], 0, "{done}");
    assert_eq!(emails_to(&app, &aide_email(&app), 1).await.len(), 1);
}

/// The timeline step `step` of request `id` as its manager reads it, once it is there.
async fn manager_step(manager: &Browser<'_>, id: &str, step: &str) -> Option<Value> {
    eventually(|| async {
        let (status, view) = manager
            .get(&format!("/api/manager/registrations/{id}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{view}");
        view["timeline"]
            .as_array()
            .and_then(|steps| steps.iter().find(|s| s["step"] == step).cloned())
    })
    .await
}

/// The steps of request `id`'s timeline as its manager reads it, in order.
async fn timeline(manager: &Browser<'_>, id: &str) -> Vec<String> {
    let (status, view) = manager
        .get(&format!("/api/manager/registrations/{id}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["step"].as_str().map(str::to_owned))
        .collect()
}

/// The email SES refuses for good (`MessageRejected`): not tried again, neither by the stream
/// nor by the sweeper; the manager reads « e-mail non remis » (refused) on the request, with the
/// number; the directory entry is published all the same.
#[tokio::test]
async fn an_email_ses_refuses_for_good_is_not_retried_and_shown_to_the_manager() {
    let app = spawn_app(fresh_options(aws_endpoint())).await.unwrap();
    app.gate
        .inject(Fault::refuse("ses:SendEmail", 400, "MessageRejected"));
    let (_, manager, rpps, id) = allocated(&app).await;
    let step = manager_step(&manager, &id, "number_undelivered")
        .await
        .expect("the manager sees the email not delivered");
    assert_eq!(step["reason"], "refused", "{step}");
    // Each email (the managers', the number) tried once, never again.
    let done = sweep_until_done(&app).await;
    assert_eq!(done["undone"], 0, "{done}");
    assert_eq!(done["redriven"], 0, "{done}");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(app.gate.faulted("ses:SendEmail"), 2);
    app.gate.clear_faults();
    sweep(&app, 240).await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert!(app.gate.sent_emails().is_empty());
    let (_, view) = manager
        .get(&format!("/api/manager/registrations/{id}"))
        .await;
    assert_eq!(view["status"]["rpps"], rpps.as_str(), "{view}");
    assert!(
        !view["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["step"] == "number_sent"),
        "{view}"
    );
    assert!(
        app.store()
            .directory_entry(&rpps_domain::RppsNumber::parse(&rpps).unwrap())
            .await
            .unwrap()
            .is_some()
    );
}

/// SES takes the number email and the recipient's server bounces it (SES's mailbox simulator
/// address, whose bounce event the local gate publishes as SES does through EventBridge): the
/// manager reads « e-mail non remis » (bounced) after « envoyé »; the email is not sent again.
#[tokio::test]
async fn a_bounced_number_email_is_shown_to_the_manager_as_not_delivered() {
    let app = spawn_app(fresh_options(aws_endpoint())).await.unwrap();
    let (aide, manager, _, id) =
        allocated_with_email(&app, rpps_local::gate::BOUNCE_SIMULATOR).await;
    let step = manager_step(&manager, &id, "number_undelivered")
        .await
        .expect("the manager sees the bounce");
    assert_eq!(step["reason"], "bounced", "{step}");
    let steps = timeline(&manager, &id).await;
    let sent = steps.iter().position(|s| s == "number_sent").unwrap();
    let bounced = steps
        .iter()
        .position(|s| s == "number_undelivered")
        .unwrap();
    assert!(sent < bounced, "{steps:?}");
    // The aide reads it too, on their own request.
    let (_, own) = aide.get("/api/registrations/mine").await;
    assert!(own.to_string().contains("number_undelivered"), "{own}");
    // Sent once; the bounce is not a reason to send again.
    let done = sweep_until_done(&app).await;
    assert_eq!(done["undone"], 0, "{done}");
    assert_eq!(
        emails_to(&app, rpps_local::gate::BOUNCE_SIMULATOR, 1)
            .await
            .len(),
        1
    );
}

/// SES unavailable for longer than half an hour after the validation: the attempt then shows
/// the number email as delayed on the request; back, the sweeper sends it, and the timeline
/// reads delayed, then sent (the mailer's clock is the attempt's: here 40 minutes on).
#[tokio::test]
async fn a_number_email_held_up_for_half_an_hour_shows_delayed_then_sent() {
    let app = spawn_app(fresh_options(aws_endpoint())).await.unwrap();
    app.gate.inject(Fault::refuse(
        "ses:SendEmail",
        400,
        "SendingPausedException",
    ));
    let (_, manager, rpps, id) = allocated(&app).await;
    until_refused(&app, 2 * 6).await;
    let (_, view) = manager
        .get(&format!("/api/manager/registrations/{id}"))
        .await;
    assert!(
        !view.to_string().contains("number_delayed"),
        "not yet half an hour: {view}"
    );
    // An attempt 40 minutes on, SES still refusing.
    let later = time::OffsetDateTime::now_utc() + time::Duration::minutes(40);
    let store = app.store();
    let allocated = store
        .undone_events(later, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.kind == "rpps.allocated")
        .expect("the number email's event is undone");
    let config = app.options.config();
    let mut mailer = rpps_mailer::state_from_sdk(
        &config,
        &app.gate.sdk_for("rpps-mailer"),
        &app.options.public_origin,
    );
    mailer.mailer = mailer.mailer.accepting_unverified_identity();
    let written = rpps_domain::paris::rfc3339(allocated.written_at);
    let event = rpps_contract::events::OutboxEvent {
        id: allocated.id.clone(),
        subject: format!("REQ#{id}"),
        at: written.clone(),
        event: rpps_contract::events::Event::RppsAllocated(rpps_contract::events::RppsAllocated {
            request_id: id.clone(),
            rpps: rpps.clone(),
            validated_at: written,
        }),
    };
    rpps_mailer::consume(&mailer, &event, later)
        .await
        .expect_err("SES still refuses");
    let delayed = manager_step(&manager, &id, "number_delayed")
        .await
        .expect("the manager sees the delay");
    assert!(delayed["at"].is_string());
    // SES back: the sweeper sends it, once.
    app.gate.clear_faults();
    let done = sweep_until_done(&app).await;
    assert_eq!(done["undone"], 0, "{done}");
    let emails = emails_to(&app, &aide_email(&app), 1).await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert!(emails[0].to_string().contains(&rpps));
    let steps = timeline(&manager, &id).await;
    let delayed = steps.iter().position(|s| s == "number_delayed").unwrap();
    let sent = steps.iter().position(|s| s == "number_sent").unwrap();
    assert!(delayed < sent, "{steps:?}");
    assert!(
        !steps.iter().any(|s| s == "number_undelivered"),
        "{steps:?}"
    );
}
