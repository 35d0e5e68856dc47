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
    // The same id twice is validated once (issue 19 review: a second number would be a gap).
    let (status, twice) = manager
        .post(
            validations,
            json!({ "ids": [ids[4], ids[4]], "conditions_checked": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{twice}");
    assert_eq!(twice["results"].as_array().unwrap().len(), 1, "{twice}");
    // Only what the manager saw: a request submitted after the list was read is not validated
    // with the declaration made for the others (`until`: the last one listed).
    let seen = employer_submits(&manager, FINESS_A, "Lotvu", "1990-06-07").await;
    let (_, listed) = manager.get("/api/manager/registrations").await;
    let last_seen = listed["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == seen.as_str())
        .and_then(|r| r["queue_position"].as_str())
        .expect("a submitted request has its queue position")
        .to_owned();
    let later = employer_submits(&manager, FINESS_A, "Lotapres", "1990-06-08").await;
    let (status, bounded) = manager
        .post(
            validations,
            json!({ "establishment": FINESS_A, "until": last_seen, "conditions_checked": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{bounded}");
    let validated: Vec<&str> = bounded["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["validated"].is_object())
        .map(|r| r["request_id"].as_str().unwrap())
        .collect();
    assert_eq!(validated, [seen.as_str()], "{bounded}");
    assert_eq!(bounded["next"], Value::Null);
    let (_, still) = manager
        .get(&format!("/api/manager/registrations/{later}"))
        .await;
    assert_eq!(still["status"]["state"], "submitted");
    // Another establishment's queue: refused as a whole.
    let (status, _) = manager
        .post(
            validations,
            json!({ "establishment": FINESS_B, "conditions_checked": true }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// `text` as Excel writes a « CSV (séparateur : point-virgule) » on a French Windows: in
/// Windows-1252 (every character here is in it).
fn windows_1252(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '€' => 0x80,
            '’' => 0x92,
            'Œ' => 0x8C,
            'œ' => 0x9C,
            c if (c as u32) < 0x100 => c as u32 as u8,
            c => panic!("{c} is not in this test's Windows-1252"),
        })
        .collect()
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The line `number` of an import, and its cells' error codes by field.
fn line(import: &Value, number: u64) -> (&Value, Vec<(String, String)>) {
    let line = import["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["line"] == number)
        .unwrap_or_else(|| panic!("line {number}: {import}"));
    let errors = line["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["error"].is_object())
        .map(|c| {
            (
                c["field"].as_str().unwrap().to_owned(),
                c["error"]["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (line, errors)
}

#[tokio::test]
async fn issue_19_an_import_is_read_checked_and_corrected_before_anything_is_created() {
    let app = spawn_app(fresh_options(aws_endpoint()))
        .await
        .expect("the local application starts");
    // Marie-Hélène N'Diaye already has her number (FAQ-R3): her line is known, not created.
    let (_, manager, rpps, _) = allocated(&app).await;
    let (_, queue_before) = manager.get("/api/manager/registrations").await;

    let (status, headers, template) = get_text(&manager, "/api/manager/imports/template").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("modele-import-rpps.csv")
    );
    assert!(template.starts_with("\u{feff}Nom de naissance;Prénoms;Date de naissance;"));

    // A file as a French Excel writes it, with what people type.
    let file = [
        "NOM;Prénom(s);Date de naissance;Lieu de naissance;Département;Pays;Courriel;Téléphone portable;Date d'entrée;Éligibilité;Matricule",
        "Lefèvre;Zoé;08/03/1995;Saint-Étienne;42;;zoe.lefevre@example.org;06 12 34 56 78;01/12/2026;diplôme;A12",
        "Cœurderoy;Jean-Noël;31/02/1990;75115;;;jn@example.org;;01/12/2026;expérience;A13",
        "N'DIAYE;Marie-Hélène Josée;12/04/1985;69383;;;mh@example.org;;01/12/2026;diplôme;A14",
        "\"=HYPERLINK(\"\"http://x.example\"\";\"\"clic\"\")\";Eve;01/01/1990;75115;;;eve@example.org;;01/12/2026;diplôme;A15",
        "Martin;Léa;12/04/1990;Saint-Denis;;;lea@example.org;;01/12/2026;diplôme;A16",
        "Benali;Yasmine;03/07/1988;;;Maroc;yb@example.org;;01/12/2026;expérience;A17",
        "LEFEVRE;Zoé;08/03/1995;42218;;;zoe2@example.org;;01/12/2026;diplôme;A18",
    ]
    .join("\r\n");
    let (status, import) = manager
        .post(
            "/api/manager/imports",
            json!({ "filename": "équipe.csv", "content": base64(&windows_1252(&file)) }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{import}");
    assert_eq!(import["status"], "preview");
    assert_eq!(import["read_as"], "Windows-1252 (ANSI), séparateur « ; »");
    assert_eq!(import["ignored_columns"], json!(["Matricule"]));
    assert_eq!(import["establishment"], FINESS_A, "the manager's only one");
    let (zoe, errors) = line(&import, 2);
    assert_eq!(
        (zoe["state"].as_str(), errors.len()),
        (Some("ready"), 0),
        "{zoe}"
    );
    let (_, errors) = line(&import, 3);
    assert_eq!(
        errors,
        [("birth_date".to_owned(), "birth_date.impossible".to_owned())]
    );
    let (known, _) = line(&import, 4);
    assert_eq!(known["state"], "known");
    assert!(
        known["message"].as_str().unwrap().contains(&rpps),
        "her number, to her employer: {known}"
    );
    let (_, errors) = line(&import, 5);
    assert_eq!(
        errors,
        [("family_name".to_owned(), "import.formula".to_owned())]
    );
    let (_, errors) = line(&import, 6);
    assert_eq!(
        errors,
        [(
            "birth_commune".to_owned(),
            "birth_commune.ambiguous".to_owned()
        )]
    );
    assert_eq!(line(&import, 7).0["state"], "ready");
    let (repeat, _) = line(&import, 8);
    assert_eq!(repeat["state"], "invalid");
    assert_eq!(repeat["repeat_of"], 2, "{repeat}");
    assert_eq!(
        import["counts"],
        json!({ "total": 7, "ready": 2, "invalid": 4, "known": 1, "dropped": 0, "created": 0, "failed": 0 })
    );

    // Corrections in place: the département for Saint-Denis, the date; the repeat dropped.
    let id = import["id"].as_str().unwrap();
    let (status, corrected) = manager
        .patch(
            &format!("/api/manager/imports/{id}/lines/6"),
            json!({ "cells": { "birth_departement": "93" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{corrected}");
    assert_eq!(line(&corrected, 6).0["state"], "ready");
    let (_, corrected) = manager
        .patch(
            &format!("/api/manager/imports/{id}/lines/3"),
            json!({ "cells": { "birth_date": "28/02/1990" } }),
        )
        .await;
    assert_eq!(line(&corrected, 3).0["state"], "ready");
    let (_, corrected) = manager
        .patch(
            &format!("/api/manager/imports/{id}/lines/8"),
            json!({ "dropped": true }),
        )
        .await;
    assert_eq!(line(&corrected, 8).0["state"], "dropped");
    // A correction that makes a repeat: line 7 becomes Zoé Lefèvre too.
    let (_, corrected) = manager
        .patch(
            &format!("/api/manager/imports/{id}/lines/7"),
            json!({ "cells": { "family_name": "Lefèvre", "given_names": "Zoé", "birth_date": "08/03/1995",
                               "birth_commune": "42218", "birth_country": "" } }),
        )
        .await;
    assert_eq!(line(&corrected, 7).0["repeat_of"], 2, "{corrected}");
    let (status, refused) = manager
        .patch(
            &format!("/api/manager/imports/{id}/lines/7"),
            json!({ "cells": { "salaire": "1" } }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    // Read back as saved, and as a CSV of outcomes.
    let (_, again) = manager.get(&format!("/api/manager/imports/{id}")).await;
    assert_eq!(again["counts"], corrected["counts"]);
    assert_eq!(
        again["counts"],
        json!({ "total": 7, "ready": 3, "invalid": 2, "known": 1, "dropped": 1, "created": 0, "failed": 0 })
    );
    let (_, _, result) = get_text(&manager, &format!("/api/manager/imports/{id}/result")).await;
    let result: Vec<&str> = result
        .trim_start_matches('\u{feff}')
        .split("\r\n")
        .collect();
    assert_eq!(result[0], "Ligne;Nom;Prénoms;Résultat;Message;Demande");
    assert!(result[1].starts_with("2;Lefèvre;Zoé;prête;"), "{result:?}");
    assert!(
        result[4].starts_with("5;'=HYPERLINK(") || result[4].starts_with("5;\"'=HYPERLINK("),
        "the formula written as text: {result:?}"
    );
    // Nothing was created: the queue is as it was.
    let (_, queue_after) = manager.get("/api/manager/registrations").await;
    assert_eq!(queue_before, queue_after);
    // Another manager, even of A: no such import.
    let both = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        PSC_MANAGER_A_B,
    )
    .await;
    let (status, _) = both.get(&format!("/api/manager/imports/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn issue_19_files_that_are_not_a_team_s_csv_get_one_clear_error_and_nothing_kept() {
    let app = spawn_app(fresh_options(aws_endpoint()))
        .await
        .expect("the local application starts");
    let manager = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        PSC_MANAGER_A,
    )
    .await;
    let header =
        "Nom;Prénoms;Date de naissance;Commune de naissance;E-mail;Date de début;Éligibilité\r\n";
    let mut lines = String::from(header);
    for i in 0..100_000 {
        lines.push_str(&format!(
            "Nom{i};Léa;01/01/1990;75115;a@example.org;01/12/2026;diplôme\r\n"
        ));
    }
    let big = vec![b'a'; 10 * 1024 * 1024];
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "classeur.xlsx",
            b"PK\x03\x04\x14\0\x06\0".to_vec(),
            StatusCode::BAD_REQUEST,
            "import.workbook",
        ),
        (
            "unicode.txt",
            b"\xFF\xFEN\0o\0m\0".to_vec(),
            StatusCode::BAD_REQUEST,
            "import.utf16",
        ),
        (
            "image.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            StatusCode::BAD_REQUEST,
            "import.binary",
        ),
        (
            "vide.csv",
            Vec::new(),
            StatusCode::BAD_REQUEST,
            "import.empty",
        ),
        (
            "colonnes.csv",
            b"Nom;Prenom\r\nA;B\r\n".to_vec(),
            StatusCode::BAD_REQUEST,
            "import.missing_columns",
        ),
        (
            "entete.csv",
            header.as_bytes().to_vec(),
            StatusCode::BAD_REQUEST,
            "import.no_lines",
        ),
        (
            "lignes.csv",
            lines.as_bytes()[..lines.len().min(1_900_000)].to_vec(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "import.too_many_lines",
        ),
        (
            "gros.csv",
            big,
            StatusCode::PAYLOAD_TOO_LARGE,
            "import.too_large",
        ),
    ];
    for (name, bytes, status, code) in cases {
        let (got, refused) = manager
            .post(
                "/api/manager/imports",
                json!({ "filename": name, "content": base64(&bytes) }),
            )
            .await;
        assert_eq!(
            (got, refused["error"]["code"].as_str()),
            (status, Some(code)),
            "{name}: {refused}"
        );
        assert!(
            refused["error"]["message"].as_str().unwrap().len() > 30,
            "{name}: {refused}"
        );
    }
    // Nothing was kept: no import partition in the table.
    let store = app.store();
    let scan = store
        .client()
        .scan()
        .table_name(&store.tables().registry)
        .filter_expression("begins_with(PK, :p)")
        .expression_attribute_values(
            ":p",
            aws_sdk_dynamodb::types::AttributeValue::S("IMPORT#".into()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(scan.count(), 0);
}

/// A team of `n` aides as an employer's spreadsheet has them: names with accents and
/// apostrophes, births in Paris, Lyon, Marseille and towns given by name; every 30th line with
/// an impossible birth date (to correct).
fn team_file(n: usize) -> String {
    const FAMILY: [&str; 10] = [
        "Martin",
        "Lefèvre",
        "N'Diaye",
        "Dubois",
        "Cœurderoy",
        "Garcia",
        "Benali",
        "Petit",
        "Moreau",
        "Da Silva",
    ];
    const GIVEN: [&str; 8] = [
        "Marie",
        "Fatima",
        "Léa",
        "Chloé",
        "Aïcha",
        "Jean-Pierre",
        "Zoé",
        "Nathalie",
    ];
    const PLACES: [(&str, &str); 5] = [
        ("75115", ""),
        ("69383", ""),
        ("Saint-Étienne", "42"),
        ("13208", ""),
        ("Nantes", "44"),
    ];
    let mut text = String::from(
        "Nom de naissance;Prénoms;Date de naissance;Commune de naissance;Département de naissance;E-mail;Mobile;Date de début;Éligibilité\r\n",
    );
    for i in 0..n {
        let family = format!(
            "{}{}",
            FAMILY[i % 10],
            batch_name(i).trim_start_matches("Lot")
        );
        let (commune, departement) = PLACES[i % 5];
        let birth = if i % 30 == 29 {
            format!("31/02/{}", 1960 + i % 40)
        } else {
            format!(
                "{:02}/{:02}/{}",
                1 + i % 28,
                1 + (i / 28) % 12,
                1960 + i % 40
            )
        };
        let eligibility = if i % 3 == 0 {
            "expérience"
        } else {
            "diplôme"
        };
        text.push_str(&format!(
            "{family};{};{birth};{commune};{departement};aide{i}@example.org;06 12 34 {:02} {:02};01/12/2026;{eligibility}\r\n",
            GIVEN[i % 8],
            i % 100,
            i / 100
        ));
    }
    text
}

#[tokio::test]
async fn issue_19_a_300_line_file_goes_to_300_numbers_in_one_sitting_and_twice_creates_nothing() {
    let app = spawn_app(fresh_options(aws_endpoint()))
        .await
        .expect("the local application starts");
    let manager = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        PSC_MANAGER_A,
    )
    .await;
    let file = team_file(300);
    let upload = json!({ "filename": "equipe-300.csv", "content": base64(file.as_bytes()) });
    let (status, import) = manager.post("/api/manager/imports", upload.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{import}");
    assert_eq!(import["counts"]["ready"], 290, "{}", import["counts"]);
    assert_eq!(import["counts"]["invalid"], 10);
    let id = import["id"].as_str().unwrap().to_owned();
    // The ten impossible dates corrected in place (ten different days).
    let invalid: Vec<u64> = import["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["state"] == "invalid")
        .map(|l| l["line"].as_u64().unwrap())
        .collect();
    for (k, number) in invalid.into_iter().enumerate() {
        {
            let (status, corrected) = manager
                .patch(
                    &format!("/api/manager/imports/{id}/lines/{number}"),
                    json!({ "cells": { "birth_date": format!("{:02}/03/1985", k + 1) } }),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{corrected}");
        }
    }
    let (_, import) = manager.get(&format!("/api/manager/imports/{id}")).await;
    assert_eq!(import["counts"]["ready"], 300, "{}", import["counts"]);
    // Nothing created before the confirmation.
    let (_, queue) = manager.get("/api/manager/registrations").await;
    assert_eq!(queue["results"], json!([]));

    // Confirmed: a first step at once, then the page's steps until done.
    let (status, running) = manager
        .post(&format!("/api/manager/imports/{id}/confirm"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{running}");
    assert_eq!(running["status"], "running");
    assert_eq!(running["counts"]["created"], 25, "{}", running["counts"]);
    // A retry of the confirmation (a lost answer) creates nothing more.
    let (_, again) = manager
        .post(&format!("/api/manager/imports/{id}/confirm"), json!({}))
        .await;
    assert!(again["counts"]["created"].as_u64().unwrap() <= 50);
    let mut steps = 0;
    let done = loop {
        let (status, step) = manager
            .post(&format!("/api/manager/imports/{id}/run"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{step}");
        steps += 1;
        assert!(steps <= 20, "the steps end: {}", step["counts"]);
        if step["status"] == "done" {
            break step;
        }
    };
    assert_eq!(done["counts"]["created"], 300, "{}", done["counts"]);
    let ids: std::collections::BTreeSet<&str> = done["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["request_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 300, "one request per line");
    // The outcome file names each request.
    let (_, _, result) = get_text(&manager, &format!("/api/manager/imports/{id}/result")).await;
    assert_eq!(result.matches(";demande créée;").count(), 300, "{result}");

    // Every request validated with one declaration, page by page: 300 numbers.
    let mut numbers = std::collections::BTreeSet::new();
    let mut after: Option<String> = None;
    loop {
        let mut body = json!({ "establishment": FINESS_A, "conditions_checked": true });
        if let Some(after) = &after {
            body["after"] = json!(after);
        }
        let (status, page) = manager
            .post("/api/manager/registrations/validations", body)
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for result in page["results"].as_array().unwrap() {
            assert_eq!(outcome(result).0, "validated", "{result}");
            numbers.insert(outcome(result).1.to_owned());
        }
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(numbers.len(), 300, "300 different numbers");

    // The same file again: every person is known, nothing to create.
    let (status, twice) = manager.post("/api/manager/imports", upload).await;
    assert_eq!(status, StatusCode::CREATED, "{twice}");
    assert_eq!(twice["counts"]["known"], 290, "{}", twice["counts"]);
    assert_eq!(twice["counts"]["ready"], 0);
    let (status, refused) = manager
        .post(
            &format!(
                "/api/manager/imports/{}/confirm",
                twice["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["code"], "import.nothing_ready");
}

#[tokio::test]
async fn issue_19_an_import_left_running_by_a_closed_page_is_finished_by_the_sweep() {
    let app = spawn_app(fresh_options(aws_endpoint()))
        .await
        .expect("the local application starts");
    let manager = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        PSC_MANAGER_A,
    )
    .await;
    let (_, import) = manager
        .post(
            "/api/manager/imports",
            json!({ "filename": "equipe.csv", "content": base64(team_file(40).as_bytes()) }),
        )
        .await;
    let id = import["id"].as_str().unwrap().to_owned();
    let (_, running) = manager
        .post(&format!("/api/manager/imports/{id}/confirm"), json!({}))
        .await;
    assert_eq!(running["status"], "running");
    assert_eq!(running["counts"]["created"], 25);
    // An older import the sweep cannot read (its job's summary damaged) holds no other back.
    let store = app.store();
    let damaged = "0193a5b0-0000-7000-8000-0000000bad01";
    let item = |k: &str, v: &str| {
        (
            k.to_owned(),
            aws_sdk_dynamodb::types::AttributeValue::S(v.to_owned()),
        )
    };
    store
        .client()
        .put_item()
        .table_name(&store.tables().registry)
        .set_item(Some(
            [
                item("PK", &format!("IMPORT#{damaged}")),
                item("SK", "JOB"),
                item("GSI2PK", "IMPORTRUN"),
                item("GSI2SK", &format!("2026-01-01T00:00:00+01:00#{damaged}")),
                item("owner", rpps_devidp::PSC_MANAGER_A),
                item("status", "running"),
                item("created_at", "2026-01-01T00:00:00+01:00"),
                item("summary", "{ damaged"),
            ]
            .into_iter()
            .chain([(
                "version".to_owned(),
                aws_sdk_dynamodb::types::AttributeValue::N("3".into()),
            )])
            .collect(),
        ))
        .send()
        .await
        .unwrap();
    // The page is closed: the scheduled sweep (locally `POST /_local/sweep`) goes on.
    let swept = client()
        .post(app.url("/_local/sweep"))
        .send()
        .await
        .unwrap();
    assert_eq!(swept.status(), StatusCode::OK);
    let report: Value = swept.json().await.unwrap();
    assert_eq!(report["import_lines"], 14, "{report}");
    let (_, done) = manager.get(&format!("/api/manager/imports/{id}")).await;
    assert_eq!(done["status"], "done");
    assert_eq!(done["counts"]["created"], 39, "{}", done["counts"]);
    assert_eq!(done["counts"]["invalid"], 1);
    let (_, queue) = manager.get("/api/manager/registrations").await;
    assert_eq!(queue["results"].as_array().unwrap().len(), 39);
}
