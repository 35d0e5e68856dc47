//! The registration story over HTTP (FAQ-R1, R2, R3, R5, R11): an aide signs in with the
//! development FranceConnect and submits; the manager signs in with the development PSC and
//! validates (or rejects); the aide sees the RPPS number.

use crate::support::{Browser, aide_email, aide_submits, client, emails_to};
use reqwest::StatusCode;
use rpps_e2e::{TestApp, aws_endpoint, fresh_options, spawn_app};
use serde_json::json;

async fn app() -> TestApp {
    spawn_app(fresh_options(aws_endpoint()))
        .await
        .expect("the local application starts")
}

#[tokio::test]
async fn faq_r2_r3_r5_an_aide_submits_the_manager_validates_the_aide_sees_the_number() {
    let app = app().await;
    let (aide, id) =
        aide_submits(&app, rpps_devidp::FC_AIDE_SANS_RPPS, rpps_devidp::FINESS_A).await;

    // FAQ-R11: the managers of establishment A who have an address are told, with the link to
    // the request (found by its id: tests share one moto and these managers' mailboxes).
    let told = emails_to(&app, &format!("/gestion/demandes/{id}"), 1).await;
    assert_eq!(told.len(), 1, "one email to the managers: {told:?}");
    let told = told[0].to_string();
    for address in [
        "elise.marchand@etablissement-a.localhost",
        "loic.lefloch@etablissements-a-b.localhost",
    ] {
        assert!(told.contains(address), "{address} in {told}");
    }
    assert!(
        told.contains("N&#39;Diaye") || told.contains("N'Diaye"),
        "{told}"
    );

    let manager = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_MANAGER_A,
    )
    .await;
    let (status, queue) = manager.get("/api/manager/registrations").await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = queue["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    let (status, detail) = manager
        .get(&format!("/api/manager/registrations/{id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["civil_status"]["family_name"], "N'Diaye");

    // FAQ-R2: no validation without the declaration.
    let (status, refused) = manager
        .post(
            &format!("/api/manager/registrations/{id}/validate"),
            json!({ "basis": "certification", "conditions_checked": false }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["error"]["code"], "registration.missing_attestation");

    let (status, validated) = manager
        .post(
            &format!("/api/manager/registrations/{id}/validate"),
            json!({ "basis": "certification", "conditions_checked": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{validated}");
    let rpps = validated["rpps"].as_str().unwrap().to_owned();
    assert_eq!(rpps.len(), 11);
    assert!(rpps.starts_with('1'));
    // Validating twice gives the same number.
    let (_, again) = manager
        .post(
            &format!("/api/manager/registrations/{id}/validate"),
            json!({ "basis": "certification", "conditions_checked": true }),
        )
        .await;
    assert_eq!(again["rpps"], rpps.as_str());
    assert_eq!(again["newly_validated"], false);

    let (status, mine) = aide.get("/api/registrations/mine").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["status"]["state"], "validated");
    assert_eq!(mine["status"]["rpps"], rpps.as_str());
    let steps: Vec<&str> = mine["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    // The mailer and the publisher may already have recorded their steps (the stream is fast):
    // between the validation and the e-CPS date, only theirs.
    assert_eq!(
        steps[..3],
        ["created", "submitted", "validated"],
        "{steps:?}"
    );
    assert_eq!(steps.last(), Some(&"ecps_activable"), "{steps:?}");
    assert!(
        steps[3..steps.len() - 1]
            .iter()
            .all(|s| ["number_sent", "published"].contains(s)),
        "{steps:?}"
    );
    let (_, queue) = manager.get("/api/manager/registrations").await;
    assert_eq!(queue["results"], json!([]));

    // FAQ-R3, R5: the email with the number and the e-CPS date, sent once despite the second
    // validation call.
    let emails = emails_to(&app, &aide_email(&app), 1).await;
    assert_eq!(emails.len(), 1, "one email: {emails:?}");
    let email = emails[0].to_string();
    assert!(email.contains(&rpps), "{email}");
    assert!(email.contains("e-CPS"), "{email}");

    // Item 7: the timeline shows the number sent (recorded by the mailer just after SES took it)
    // and the directory publication (recorded by the publisher), each once the consumer did it.
    let mut steps = Vec::new();
    for _ in 0..100 {
        let (_, mine) = aide.get("/api/registrations/mine").await;
        steps = mine["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["step"].as_str().unwrap().to_owned())
            .collect();
        if steps.iter().any(|s| s == "number_sent") && steps.iter().any(|s| s == "published") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        steps,
        [
            "created",
            "submitted",
            "validated",
            "number_sent",
            "published",
            "ecps_activable"
        ]
    );
}

#[tokio::test]
async fn a_rejection_reaches_the_aide_with_its_reason() {
    let app = app().await;
    let (aide, id) = aide_submits(
        &app,
        rpps_devidp::FC_AIDE_NEE_A_L_ETRANGER,
        rpps_devidp::FINESS_A,
    )
    .await;
    let manager = Browser::sign_in(&app, "/api/auth/psc/login", rpps_devidp::PSC_MANAGER_A_B).await;
    let (status, empty) = manager
        .post(
            &format!("/api/manager/registrations/{id}/reject"),
            json!({ "reason": "  " }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{empty}");
    assert!(empty["error"]["fields"]["reason"]["message"].is_string());
    let (status, rejected) = manager
        .post(
            &format!("/api/manager/registrations/{id}/reject"),
            json!({ "reason": "Le titre présenté n'est pas dans la liste du décret." }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rejected}");
    let (_, mine) = aide.get("/api/registrations/mine").await;
    assert_eq!(mine["status"]["state"], "rejected");
    assert_eq!(
        mine["status"]["reason"],
        "Le titre présenté n'est pas dans la liste du décret."
    );
    let emails = emails_to(&app, &aide_email(&app), 1).await;
    assert!(
        emails[0].to_string().contains("pas dans la liste du d"),
        "{emails:?}"
    );
    // A decided request cannot be decided again.
    let (status, _) = manager
        .post(
            &format!("/api/manager/registrations/{id}/validate"),
            json!({ "basis": "certification", "conditions_checked": true }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn bad_input_is_answered_field_by_field_and_the_draft_survives() {
    let app = app().await;
    let aide = Browser::sign_in(
        &app,
        "/api/auth/franceconnect/login",
        rpps_devidp::FC_AIDE_SANS_RPPS,
    )
    .await;
    let (_, draft) = aide.post("/api/registrations", json!({})).await;
    let id = draft["id"].as_str().unwrap();
    // A second request while one is open: refused.
    let (status, twice) = aide.post("/api/registrations", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(twice["error"]["code"], "registration.already_open");
    let (_, _) = aide
        .patch(
            &format!("/api/registrations/{id}"),
            json!({ "email": "aide@example.org" }),
        )
        .await;
    let (status, errors) = aide
        .patch(
            &format!("/api/registrations/{id}"),
            json!({ "email": "not-an-email", "mobile": "01 23 45 67 89", "establishment": "010000025", "start_date": "31/12/2026", "eligibility": "astrology" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields = errors["error"]["fields"].as_object().unwrap();
    let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "eligibility",
            "email",
            "establishment",
            "mobile",
            "start_date"
        ]
    );
    assert!(
        fields
            .values()
            .all(|f| f["message"].as_str().is_some_and(|m| !m.is_empty()))
    );
    // Nothing was lost: the earlier email is still there.
    let (_, mine) = aide.get("/api/registrations/mine").await;
    assert_eq!(mine["contact"]["email"], "aide@example.org");
    // Submitting an incomplete request says what is missing.
    let (status, incomplete) = aide
        .post(&format!("/api/registrations/{id}/submit"), json!({}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let missing: Vec<&str> = incomplete["error"]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        missing,
        [
            "establishment",
            "start_date",
            "eligibility",
            "accuracy_confirmation"
        ]
    );
    // Unknown id: 404; without a session: 401; a manager on the applicant routes: 403.
    assert_eq!(
        aide.get("/api/manager/registrations").await.0,
        StatusCode::FORBIDDEN
    );
    let (status, _) = aide
        .patch("/api/registrations/unknown", json!({ "email": "a@b.fr" }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let anonymous = client()
        .get(app.url("/api/registrations/mine"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_manager_can_never_act_on_another_establishments_request() {
    let app = app().await;
    // The request is for establishment B; the manager of A only may not see or decide it.
    let (_aide, id) =
        aide_submits(&app, rpps_devidp::FC_AIDE_SANS_RPPS, rpps_devidp::FINESS_B).await;
    let manager_a = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_MANAGER_A,
    )
    .await;
    let (status, body) = manager_a
        .get(&format!("/api/manager/registrations/{id}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "registration.not_your_establishment");
    let (status, _) = manager_a
        .post(
            &format!("/api/manager/registrations/{id}/validate"),
            json!({ "basis": "certification", "conditions_checked": true }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = manager_a
        .post(
            &format!("/api/manager/registrations/{id}/reject"),
            json!({ "reason": "Non." }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, queue) = manager_a.get("/api/manager/registrations").await;
    assert_eq!(queue["results"], json!([]));
    // The manager of A and B does see it.
    let both = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_MANAGER_A_B,
    )
    .await;
    assert_eq!(
        both.get(&format!("/api/manager/registrations/{id}"))
            .await
            .0,
        StatusCode::OK
    );
    // A professional is no manager at all.
    let card = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=professionnel",
        rpps_devidp::PSC_PRO_ECPS,
    )
    .await;
    let (status, body) = card
        .post(
            &format!("/api/manager/registrations/{id}/validate"),
            json!({ "basis": "certification", "conditions_checked": true }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn faq_r1_a_manager_registers_an_aide_and_validates_the_request() {
    let app = app().await;
    let manager = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_MANAGER_A,
    )
    .await;
    // FAQ-R17: a postal code is not an INSEE code; every field error comes back at once.
    let (status, errors) = manager
        .post(
            "/api/manager/registrations",
            json!({ "establishment": rpps_devidp::FINESS_A, "family_name": "Lefèvre-D'Aubigné", "given_names": "Zoé",
                    "birth_date": "2031-01-01", "birth_commune": "75015" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{errors}");
    let fields = errors["error"]["fields"].as_object().unwrap();
    let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(names, ["birth_commune", "birth_date"]);
    // Not the manager's establishment: 403.
    let (status, _) = manager
        .post(
            "/api/manager/registrations",
            json!({ "establishment": rpps_devidp::FINESS_B, "family_name": "Lefèvre", "given_names": "Zoé",
                    "birth_date": "1995-03-08", "birth_commune": "75115" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, draft) = manager
        .post(
            "/api/manager/registrations",
            json!({ "establishment": rpps_devidp::FINESS_A, "family_name": "Lefèvre-D'Aubigné", "given_names": "Zoé",
                    "birth_date": "1995-03-08", "birth_commune": "75115" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["origin"], "employer");
    let id = draft["id"].as_str().unwrap().to_owned();
    let (status, saved) = manager
        .patch(
            &format!("/api/registrations/{id}"),
            json!({ "email": "zoe@example.org", "start_date": "2026-10-01", "eligibility": "professional_experience", "accuracy_confirmed": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (status, sent) = manager
        .post(&format!("/api/registrations/{id}/submit"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let (status, validated) = manager
        .post(
            &format!("/api/manager/registrations/{id}/validate"),
            json!({ "basis": "professional_experience", "conditions_checked": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{validated}");
    assert_eq!(validated["rpps"].as_str().unwrap().len(), 11);
    // The same person cannot be registered twice.
    let (status, twice) = manager
        .post(
            "/api/manager/registrations",
            json!({ "establishment": rpps_devidp::FINESS_A, "family_name": "LEFEVRE-D'AUBIGNE", "given_names": "zoé",
                    "birth_date": "1995-03-08", "birth_commune": "75115" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{twice}");
    // The manager of the establishment she was numbered at is told her number (FAQ-R12).
    assert_eq!(twice["error"]["code"], "registration.already_numbered");
    assert!(
        twice["error"]["message"]
            .as_str()
            .unwrap()
            .contains(validated["rpps"].as_str().unwrap()),
        "{twice}"
    );
}

/// Issue #4, round trips: a validation with allocation through the registration function's own
/// handler, its DynamoDB calls counted by the benchmarks' interceptor. The visibility check's
/// read of the request is the validation's read (one `GetItem REQ#`, not two), then the one
/// look at who may be the same person (issue 14: one `Query` of the identity partition, whose
/// lock the transaction moves on), the counter and the one transaction; validating again costs
/// the two reads and nothing else.
#[tokio::test]
async fn validation_with_allocation_reads_the_request_once_and_writes_one_transaction() {
    use rpps_e2e::roundtrips::RoundTrips;
    use tower::ServiceExt;

    let app = app().await;
    let (_aide, id) =
        aide_submits(&app, rpps_devidp::FC_AIDE_SANS_RPPS, rpps_devidp::FINESS_A).await;
    let manager = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_MANAGER_A,
    )
    .await;

    // The function's router on the application's tables, its DynamoDB client counted.
    let counter = RoundTrips::default();
    let sdk = rpps_runtime::aws::for_local_endpoint(&app.options.aws_endpoint);
    let client = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk)
            .interceptor(counter.clone())
            .build(),
    );
    let config = app.options.config();
    let router = rpps_registrations::router(rpps_registrations::RegistrationsState {
        store: rpps_store::Store::new(client, rpps_store::Tables::from_config(&config)),
        public_origin: app.base.clone(),
        numbers: rpps_domain::SequenceRange::FULL,
    });
    let validate = || {
        axum::http::Request::post(format!("/api/manager/registrations/{id}/validate"))
            .header("cookie", &manager.cookie)
            .header("origin", &app.base)
            .header("x-csrf-token", &manager.csrf)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(
                json!({ "basis": "certification", "conditions_checked": true }).to_string(),
            ))
            .unwrap()
    };
    let calls = |tally: rpps_e2e::roundtrips::Tally| -> Vec<(String, u64)> {
        tally.executions.into_iter().collect()
    };

    // The manager's rights are re-read at most once a minute (issue 15): as if that minute had
    // passed since the sign-in's read, the first validation pays for it.
    let manager_id = rpps_devidp::psc_identity(rpps_devidp::PSC_MANAGER_A)
        .unwrap()
        .national_id;
    rpps_session::rights::forget(&app.store(), manager_id);
    let response = router.clone().oneshot(validate()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let tally = counter.take();
    assert_eq!(
        tally.transactions.values().collect::<Vec<_>>(),
        [
            "Put REQ#, Put PRO#/PROFILE, Put IDENT#, Delete OPENREQ#, Put AUDIT#, Put OUTBOX#, \
             Put FCSUB#, Put IDLOCK#, Put PRO#/SITE#"
        ]
    );
    assert_eq!(
        calls(tally),
        [
            ("GetItem registry REQ#".to_owned(), 1),
            ("GetItem sessions SESSION#".to_owned(), 1),
            ("Query GSI1 MGR#".to_owned(), 1),
            ("Query GSI3 IDCAND#".to_owned(), 1),
            ("TransactWriteItems (9 items)".to_owned(), 1),
            ("UpdateItem COUNTER#".to_owned(), 1),
        ]
    );

    let response = router.oneshot(validate()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        calls(counter.take()),
        [
            ("GetItem registry REQ#".to_owned(), 1),
            ("GetItem sessions SESSION#".to_owned(), 1),
        ]
    );
}

/// Issue 15, FAQ-R9: a manager whose designation the operator revokes loses the rights within a
/// minute, whatever their session says: the manager of A and B revoked for B no longer sees nor
/// decides B's request; revoked for A too, every manager route answers 403 `manager.revoked`,
/// the session shows nobody signed in, and signing out still works. Nothing changed meanwhile.
#[tokio::test]
async fn a_revoked_manager_loses_the_rights_within_a_minute() {
    let app = app().await;
    let store = app.store();
    let (aide, id) =
        aide_submits(&app, rpps_devidp::FC_AIDE_SANS_RPPS, rpps_devidp::FINESS_B).await;
    let manager = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_MANAGER_A_B,
    )
    .await;
    let national_id = rpps_devidp::psc_identity(rpps_devidp::PSC_MANAGER_A_B)
        .unwrap()
        .national_id;
    let (status, _) = manager
        .get(&format!("/api/manager/registrations/{id}"))
        .await;
    assert_eq!(status, StatusCode::OK);

    let finess = |code: &str| rpps_domain::Finess::parse(code).unwrap();
    store
        .revoke_manager(&finess(rpps_devidp::FINESS_B), national_id, "operator:test")
        .await
        .unwrap();
    // A minute later (the longest a read of the designations answers for).
    rpps_session::rights::forget(&store, national_id);
    let (status, body) = manager
        .get(&format!("/api/manager/registrations/{id}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "registration.not_your_establishment");
    let (status, _) = manager
        .post(
            &format!("/api/manager/registrations/{id}/validate"),
            json!({ "basis": "certification", "conditions_checked": true }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, me) = manager.get("/api/session").await;
    assert_eq!(me["establishments"], json!([rpps_devidp::FINESS_A]), "{me}");

    store
        .revoke_manager(&finess(rpps_devidp::FINESS_A), national_id, "operator:test")
        .await
        .unwrap();
    rpps_session::rights::forget(&store, national_id);
    for (status, body) in [
        manager.get("/api/manager/registrations").await,
        manager.get("/api/manager/staff").await,
        manager
            .post(
                &format!("/api/manager/registrations/{id}/reject"),
                json!({ "reason": "Non." }),
            )
            .await,
    ] {
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"]["code"], "manager.revoked", "{body}");
    }
    let (_, me) = manager.get("/api/session").await;
    assert_eq!(me["authenticated"], false, "{me}");
    // Nothing was decided.
    let (_, mine) = aide.get("/api/registrations/mine").await;
    assert_eq!(mine["status"]["state"], "submitted", "{mine}");
    let (status, _) = manager.post("/api/auth/logout", json!({})).await;
    assert_eq!(status, StatusCode::OK);
}
