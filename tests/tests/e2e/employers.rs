//! Employers at scale (issue 19): the staff export, the establishments by name, bulk
//! validation (one declaration, each request its own number, failures per request, the queue
//! of an establishment page by page).

use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE};
use rpps_devidp::{FINESS_A, FINESS_B, PSC_MANAGER_A, PSC_MANAGER_A_B};
use rpps_e2e::{aws_endpoint, fresh_options, spawn_app};
use serde_json::{Value, json};

use crate::support::{Browser, allocated, client};

/// A name of letters only for the `i`-th person of a batch (`Lotab`, `Lotac`…).
fn batch_name(i: usize) -> String {
    let letters: String = [i / 26 % 26, i % 26]
        .iter()
        .map(|k| char::from(b'a' + *k as u8))
        .collect();
    format!("Lot{letters}")
}

/// A manager registers an aide of `finess` (employer draft, completed, sent): the request id.
pub async fn employer_submits(
    manager: &Browser<'_>,
    finess: &str,
    family_name: &str,
    birth_date: &str,
) -> String {
    let (status, draft) = manager
        .post(
            "/api/manager/registrations",
            json!({ "establishment": finess, "family_name": family_name, "given_names": "Léa",
                    "birth_date": birth_date, "birth_commune": "75115" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let id = draft["id"].as_str().unwrap().to_owned();
    let (status, saved) = manager
        .patch(
            &format!("/api/registrations/{id}"),
            json!({ "email": format!("{}@example.org", family_name.to_lowercase()),
                    "start_date": "2026-09-01", "eligibility": "professional_experience",
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

/// A GET whose answer is text (a CSV file), with its headers.
async fn get_text(
    browser: &Browser<'_>,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = client()
        .get(browser.app.url(path))
        .header(COOKIE, &browser.cookie)
        .send()
        .await
        .unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, response.text().await.unwrap())
}

#[tokio::test]
async fn issue_19_the_staff_export_and_the_establishments_by_name() {
    let app = spawn_app(fresh_options(aws_endpoint()))
        .await
        .expect("the local application starts");
    let (aide, manager, rpps, _) = allocated(&app).await;

    let (status, headers, csv) = get_text(&manager, "/api/manager/staff/export").await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert_eq!(headers[CONTENT_TYPE], "text/csv; charset=utf-8");
    let disposition = headers[CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"personnel-rpps-"),
        "{disposition}"
    );
    assert!(csv.starts_with('\u{feff}'), "a byte-order mark for Excel");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(
        lines[0],
        "Nom;Prénoms;Numéro RPPS;Profession;FINESS;Établissement;Début d'exercice;Départ;Dans l'annuaire"
    );
    let aide_line: Vec<&str> = lines[1].split(';').collect();
    assert_eq!(aide_line[0], "N'Diaye", "{lines:?}");
    assert_eq!(aide_line[2], rpps);
    assert_eq!(aide_line[3], "Aide à domicile qualifiée");
    assert_eq!(aide_line[4], FINESS_A);
    assert!(!aide_line[5].is_empty(), "the establishment's name");
    assert_eq!(aide_line[6], "01/09/2026");
    assert_eq!((aide_line[7], aide_line[8]), ("", "oui"));
    assert_eq!(
        lines.len(),
        3,
        "one site, then the last line's end: {lines:?}"
    );
    // A departure shows in the next export.
    let departure = format!("/api/manager/staff/{rpps}/sites/{FINESS_A}/departure");
    let (status, _) = manager
        .put(&departure, json!({ "date": "2099-12-31" }))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, csv) = get_text(&manager, "/api/manager/staff/export").await;
    assert!(csv.contains(";31/12/2099;oui\r\n"), "{csv}");
    // Anyone but a manager: refused.
    let (status, _, _) = get_text(&aide, "/api/manager/staff/export").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The establishments by name, in the session's order (FINESS beside them).
    let both = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        PSC_MANAGER_A_B,
    )
    .await;
    let (status, mine) = both.get("/api/manager/establishments").await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let list = mine["establishments"].as_array().unwrap();
    let finess: Vec<&str> = list.iter().map(|e| e["finess"].as_str().unwrap()).collect();
    let (_, session) = both.get("/api/session").await;
    assert_eq!(
        json!(finess),
        session["establishments"],
        "the session's order"
    );
    assert_eq!(finess.len(), 2);
    for e in list {
        assert!(e["name"].as_str().is_some_and(|n| !n.is_empty()), "{mine}");
    }
    // The export of a manager of two establishments has both's staff.
    let (_, _, csv) = get_text(&both, "/api/manager/staff/export").await;
    assert!(csv.contains(&format!(";{rpps};")), "{csv}");
}

/// The request's number, or its error code.
fn outcome(result: &Value) -> (&str, &str) {
    match &result["validated"] {
        Value::Null => ("error", result["error"]["code"].as_str().unwrap_or("?")),
        v => ("validated", v["rpps"].as_str().unwrap_or("?")),
    }
}

#[tokio::test]
async fn issue_19_bulk_validation_gives_each_request_its_number_and_reports_each_failure() {
    let app = spawn_app(fresh_options(aws_endpoint()))
        .await
        .expect("the local application starts");
    let manager = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        PSC_MANAGER_A,
    )
    .await;
    // 53 aides (more than a page of 50), spread over birth years as a real team is.
    let mut ids = Vec::new();
    for i in 0..53 {
        let birth = format!("{}-03-{:02}", 1970 + i % 30, 1 + i % 28);
        ids.push(employer_submits(&manager, FINESS_A, &batch_name(i), &birth).await);
    }
    // Two writings a person must judge (FAQ-R3): « Martin » and « Martins », born the same day
    // at the same place, are probable matches of each other: neither is validated in bulk.
    let martin = employer_submits(&manager, FINESS_A, "Martin", "1991-05-06").await;
    let martins = employer_submits(&manager, FINESS_A, "Martins", "1991-05-06").await;

    let validations = "/api/manager/registrations/validations";
    // The declaration is made once, and is required.
    let (status, refused) = manager
        .post(
            validations,
            json!({ "ids": [ids[0]], "conditions_checked": false }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert!(refused["error"]["fields"]["conditions_checked"].is_object());
    let (status, refused) = manager
        .post(
            validations,
            json!({ "ids": vec![ids[0].clone(); 51], "conditions_checked": true }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["error"]["code"], "registration.bulk_too_many");

    // By ids: each gets its own number; an unknown id and a probable match are reported.
    let (status, first) = manager
        .post(
            validations,
            json!({ "ids": [ids[0], ids[1], "inconnue", martin, ids[2]],
                    "basis": "certification", "conditions_checked": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let results = first["results"].as_array().unwrap();
    let got: Vec<(&str, &str)> = results.iter().map(outcome).collect();
    assert_eq!(got[2], ("error", "registration.not_found"), "{first}");
    assert_eq!(got[3], ("error", "registration.probable_match"), "{first}");
    let mut numbers: Vec<String> = [got[0], got[1], got[4]]
        .iter()
        .map(|g| g.1.to_owned())
        .collect();
    assert!(
        [got[0], got[1], got[4]].iter().all(|g| g.0 == "validated"),
        "{first}"
    );
    assert_eq!(results[3]["name"], "Léa Martin");
    assert!(results[3]["error"]["message"].as_str().unwrap().len() > 20);

    // By establishment, page by page, until the queue has only what needs a person's look.
    let mut after: Option<String> = None;
    let mut pages = 0;
    let mut failed = Vec::new();
    loop {
        let mut body = json!({ "establishment": FINESS_A, "conditions_checked": true });
        if let Some(after) = &after {
            body["after"] = json!(after);
        }
        let (status, page) = manager.post(validations, body).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        pages += 1;
        assert!(pages <= 3, "the pages end: {page}");
        for result in page["results"].as_array().unwrap() {
            match outcome(result) {
                ("validated", rpps) => numbers.push(rpps.to_owned()),
                (_, code) => failed.push((
                    result["request_id"].as_str().unwrap().to_owned(),
                    code.to_owned(),
                )),
            }
        }
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 2, "55 waiting: a page of 50, then the rest");
    failed.sort();
    let mut expected = vec![
        (martin.clone(), "registration.probable_match".to_owned()),
        (martins.clone(), "registration.probable_match".to_owned()),
    ];
    expected.sort();
    assert_eq!(failed, expected);
    // Every aide numbered once, every number different.
    assert_eq!(numbers.len(), 53);
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 53, "53 different numbers");
    // What stays in the queue: the two to look at.
    let (_, queue) = manager.get("/api/manager/registrations").await;
    let mut waiting: Vec<&str> = queue["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    waiting.sort();
    let mut two = [martin.as_str(), martins.as_str()];
    two.sort();
    assert_eq!(waiting, two);
    // The declaration is audited per request: the basis asked (certification) for those by
    // ids, each request's own (professional experience) for those by establishment.
    for (id, basis) in [
        (&ids[0], "certification"),
        (&ids[3], "professional_experience"),
    ] {
        let trail = app.store().audit_trail(&format!("REQ#{id}")).await.unwrap();
        let validation = trail
            .iter()
            .find(|e| e.action == "registration.validate")
            .expect("audited");
        let after = validation.after.clone().unwrap_or_default();
        assert!(after.contains(basis), "{after}");
        assert!(after.contains("\"conditions_checked\":true"), "{after}");
    }
    // Another establishment's queue: refused as a whole.
    let (status, _) = manager
        .post(
            validations,
            json!({ "establishment": FINESS_B, "conditions_checked": true }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
