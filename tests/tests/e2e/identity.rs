//! One person, one number, over HTTP (FAQ-R3, R12; issue 14): the scenario of the issue — a
//! manager registers `NDiaye`, validates her (R1); she signs in with FranceConnect, which calls
//! her `N'Diaye` — ends on FAQ-R12's page with R1, not with a second number; an applicant whose
//! employer started their request follows it; a manager elsewhere learns nothing; a probable
//! match needs the manager's declaration.

use crate::support::{Browser, client};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use rpps_e2e::{TestApp, aws_endpoint, fresh_options, spawn_app};
use serde_json::{Value, json};

async fn app() -> TestApp {
    spawn_app(fresh_options(aws_endpoint()))
        .await
        .expect("the local application starts")
}

/// The development FranceConnect's aide (`N'Diaye`, « Marie-Hélène Josée », 12/04/1985, Lyon
/// 3e), as her manager types her: without the apostrophe, in capitals.
fn typed_ndiaye(family: &str) -> Value {
    json!({ "establishment": rpps_devidp::FINESS_A, "family_name": family,
            "given_names": "Marie-Hélène Josée", "birth_date": "12/04/1985", "birth_commune": "69383" })
}

/// A manager registers, completes and sends a request; its id.
async fn employer_submits(manager: &Browser<'_>, civil: Value, email: &str) -> String {
    let (status, draft) = manager.post("/api/manager/registrations", civil).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let id = draft["id"].as_str().unwrap().to_owned();
    let (status, saved) = manager
        .patch(
            &format!("/api/registrations/{id}"),
            json!({ "email": email, "start_date": "2026-11-02", "eligibility": "certification",
                    "accuracy_confirmed": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (status, sent) = manager
        .post(&format!("/api/registrations/{id}/submit"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    id
}

fn validate_body(not_the_same_person: bool) -> Value {
    json!({ "basis": "certification", "conditions_checked": true,
            "not_the_same_person": not_the_same_person })
}

/// A FranceConnect sign-in followed to where it lands: (the callback's redirect, the page there,
/// the cookies it set).
async fn franceconnect(app: &TestApp, identity: &str) -> (String, String) {
    let http = client();
    let start = http
        .get(app.url("/api/auth/franceconnect/login"))
        .send()
        .await
        .unwrap();
    let authorize = start.headers()[LOCATION].to_str().unwrap().to_owned();
    let back = http
        .get(format!("{authorize}&login_hint={identity}"))
        .send()
        .await
        .unwrap();
    let callback = back.headers()[LOCATION].to_str().unwrap().to_owned();
    let done = http
        .get(callback)
        .header(COOKIE, crate::support::login_cookie(&start))
        .send()
        .await
        .unwrap();
    let landing = done.headers()[LOCATION].to_str().unwrap().to_owned();
    let cookies: Vec<String> = done
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .collect();
    let page = http
        .get(app.url(&landing))
        .header(COOKIE, cookies.join("; "))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (landing, page)
}

#[tokio::test]
async fn faq_r12_the_issue_s_scenario_ends_with_one_number() {
    let app = app().await;
    let manager = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_MANAGER_A,
    )
    .await;
    let id = employer_submits(&manager, typed_ndiaye("NDIAYE"), "mh.ndiaye@example.org").await;
    let (status, validated) = manager
        .post(
            &format!("/api/manager/registrations/{id}/validate"),
            validate_body(false),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{validated}");
    let r1 = validated["rpps"].as_str().unwrap().to_owned();

    // She signs in with FranceConnect, which writes N'Diaye: FAQ-R12's page, with R1.
    let (landing, page) = franceconnect(&app, rpps_devidp::FC_AIDE_SANS_RPPS).await;
    assert_eq!(landing, "/api/auth/problem?reason=already_rpps");
    assert!(page.contains(&format!(">{r1}</strong>")), "{page}");
    assert!(page.contains("e-CPS"), "{page}");

    // Her manager cannot start a second request for her either, written another way.
    let (status, again) = manager
        .post("/api/manager/registrations", typed_ndiaye("N'Diaye"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(again["error"]["code"], "registration.already_numbered");
    assert!(again["error"]["message"].as_str().unwrap().contains(&r1));
}

#[tokio::test]
async fn faq_r1_an_applicant_whose_employer_started_the_request_follows_it() {
    let app = app().await;
    let manager = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_MANAGER_A,
    )
    .await;
    let id = employer_submits(&manager, typed_ndiaye("NDiaye"), "mh@example.org").await;

    let aide = Browser::sign_in(
        &app,
        "/api/auth/franceconnect/login",
        rpps_devidp::FC_AIDE_SANS_RPPS,
    )
    .await;
    let (status, mine) = aide.get("/api/registrations/mine").await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["id"], id.as_str());
    assert_eq!(mine["origin"], "employer");
    assert_eq!(mine["status"]["state"], "submitted");
    // No second request of her own.
    let (status, own) = aide.post("/api/registrations", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{own}");
    assert_eq!(own["error"]["code"], "registration.already_open");
    assert_eq!(own["error"]["see"], "/demande");
    // She follows it, read-only: she cannot change the employer's request.
    let (status, _) = aide
        .patch(
            &format!("/api/registrations/{id}"),
            json!({ "email": "x@example.org" }),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
}

#[tokio::test]
async fn faq_r12_a_manager_elsewhere_learns_nothing_of_other_establishments() {
    let app = app().await;
    // A card holder made manager of establishment B only.
    let store = app.store();
    store
        .designate_manager(
            &rpps_domain::Finess::parse(rpps_devidp::FINESS_B).unwrap(),
            "3750012346/123456",
            None,
            "operator:test",
        )
        .await
        .unwrap();
    let manager_a = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_MANAGER_A,
    )
    .await;
    let manager_b = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_CARTE_NON_GESTIONNAIRE,
    )
    .await;
    let at_b = |family: &str| {
        let mut civil = typed_ndiaye(family);
        civil["establishment"] = json!(rpps_devidp::FINESS_B);
        civil
    };
    // An open request at A: A is told where to follow it, B only that the person is known.
    let id = employer_submits(&manager_a, typed_ndiaye("NDiaye"), "a@example.org").await;
    let (status, same_place) = manager_a
        .post("/api/manager/registrations", typed_ndiaye("N DIAYE"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{same_place}");
    assert_eq!(same_place["error"]["code"], "registration.already_open");
    assert_eq!(
        same_place["error"]["see"],
        format!("/gestion/demandes/{id}")
    );
    let (status, open_elsewhere) = manager_b
        .post("/api/manager/registrations", at_b("N'Diaye"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{open_elsewhere}");
    assert_eq!(open_elsewhere["error"]["code"], "registration.person_known");
    assert!(
        open_elsewhere["error"].get("see").is_none(),
        "{open_elsewhere}"
    );
    // Numbered at A: B is told exactly the same, nothing of the number or the establishment.
    let (status, _) = manager_a
        .post(
            &format!("/api/manager/registrations/{id}/validate"),
            validate_body(false),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, numbered_elsewhere) = manager_b
        .post("/api/manager/registrations", at_b("N'Diaye"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(numbered_elsewhere["error"], open_elsewhere["error"]);
}

#[tokio::test]
async fn faq_r3_a_probable_match_is_shown_and_needs_the_declaration() {
    let app = app().await;
    let manager = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_MANAGER_A,
    )
    .await;
    let first = employer_submits(&manager, typed_ndiaye("NDiaye"), "first@example.org").await;
    let (status, _) = manager
        .post(
            &format!("/api/manager/registrations/{first}/validate"),
            validate_body(false),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // One letter apart: maybe her, maybe a cousin.
    let second = employer_submits(&manager, typed_ndiaye("NDiayes"), "second@example.org").await;
    let (_, detail) = manager
        .get(&format!("/api/manager/registrations/{second}"))
        .await;
    let matches = detail["identity_matches"].as_array().unwrap();
    assert_eq!(matches.len(), 1, "{detail}");
    assert_eq!(matches[0]["verdict"], "probable");
    assert_eq!(matches[0]["record"]["kind"], "professional");
    let family = &matches[0]["comparison"][0];
    assert_eq!(
        (family["this"].as_str(), family["other"].as_str()),
        (Some("NDiayes"), Some("NDiaye"))
    );
    assert!(
        family["note"].as_str().unwrap().contains("une lettre"),
        "{family}"
    );
    // The other record's birth date is not shown, only how it compares.
    assert_eq!(matches[0]["comparison"][2]["other"], "Identique");

    let (status, refused) = manager
        .post(
            &format!("/api/manager/registrations/{second}/validate"),
            validate_body(false),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["code"], "registration.probable_match");
    let (status, validated) = manager
        .post(
            &format!("/api/manager/registrations/{second}/validate"),
            validate_body(true),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{validated}");
    // The declaration is audited with the validation.
    let trail = app
        .store()
        .audit_trail(&format!("REQ#{second}"))
        .await
        .unwrap();
    let validation = trail
        .iter()
        .find(|e| e.action == "registration.validate")
        .expect("audited");
    assert!(
        serde_json::to_string(&validation.after)
            .unwrap()
            .contains(&first),
        "{:?}",
        validation.after
    );
}
