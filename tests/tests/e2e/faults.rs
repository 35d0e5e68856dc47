//! Issue 18, "nothing lost, nothing twice": faults injected between the functions and the
//! emulator (the local gate, `rpps_local::gate::Fault`), and what the outbox and its sweeper
//! make of them, checked against the register.

use reqwest::StatusCode;
use rpps_e2e::{TestApp, aws_endpoint, fresh_options, spawn_app};
use rpps_local::gate::Fault;
use serde_json::{Value, json};

use crate::support::{Browser, aide_email, aide_submits, emails_to};

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

/// An aide's request submitted and validated by the manager of establishment A; its number.
async fn validated(app: &TestApp) -> String {
    let (_aide, id) =
        aide_submits(app, rpps_devidp::FC_AIDE_SANS_RPPS, rpps_devidp::FINESS_A).await;
    let manager = Browser::sign_in(
        app,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_MANAGER_A,
    )
    .await;
    let (status, validated) = manager
        .post(
            &format!("/api/manager/registrations/{id}/validate"),
            json!({ "basis": "certification", "conditions_checked": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{validated}");
    validated["rpps"].as_str().unwrap().to_owned()
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
    let rpps = validated(&app).await;

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
