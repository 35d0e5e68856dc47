//! The directory story over HTTP (FAQ-R4, R5, R6, R7): allocation → the professional appears in
//! the public directory within seconds → found by name, number, commune and département → the
//! PDF card downloads → the manager records a departure → the scheduled purge removes the site →
//! the page says the card is no longer valid, and the manager gets the purge's summary.

use crate::support::{Browser, allocated, emails_to, eventually, local_purge};
use reqwest::StatusCode;
use rpps_e2e::{TestApp, aws_endpoint, fresh_options, spawn_app};
use serde_json::{Value, json};

async fn app() -> TestApp {
    spawn_app(fresh_options(aws_endpoint()))
        .await
        .expect("the local application starts")
}

async fn public_get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let response = reqwest::get(app.url(path)).await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn faq_r4_r6_r7_published_searched_carded_then_purged_after_the_departure() {
    let app = app().await;
    let (aide, manager, rpps, _id) = allocated(&app).await;

    // FAQ-R4: published by the stream consumer within seconds.
    let page = eventually(|| async {
        let (status, page) = public_get(&app, &format!("/api/directory/{rpps}")).await;
        (status == StatusCode::OK).then_some(page)
    })
    .await
    .expect("the professional is published");
    assert_eq!(page["rpps"], rpps.as_str());
    assert_eq!(page["family_name"], "N'Diaye");
    assert_eq!(page["valid_today"], true);
    assert_eq!(page["profession"]["label"], "Aide à domicile qualifiée");
    let site = &page["sites"][0];
    assert_eq!(site["finess"], rpps_devidp::FINESS_A);
    assert_eq!(site["active"], true);
    assert_eq!(site["commune_code"], "75115");
    assert!(page["ecps_activable_from"].is_string(), "FAQ-R5: {page}");
    // Public data only: nothing of the birth, the email or the mobile.
    let text = page.to_string();
    for private in ["birth", "email", "mobile", "@example.org", "+336"] {
        assert!(!text.contains(private), "{private} in {text}");
    }
    // The request's timeline shows the publication.
    let steps = eventually(|| async {
        let (_, mine) = aide.get("/api/registrations/mine").await;
        let steps: Vec<String> = mine["timeline"]
            .as_array()?
            .iter()
            .filter_map(|s| s["step"].as_str().map(str::to_owned))
            .collect();
        steps.iter().any(|s| s == "published").then_some(steps)
    })
    .await
    .expect("the published step");
    assert!(steps.contains(&"validated".to_owned()), "{steps:?}");

    // Search: by name (prefix, accents and case ignored), number, commune, département.
    for query in [
        "name=n%27di".to_owned(),
        "name=N%27DIAYE".to_owned(),
        format!("rpps={rpps}"),
        "commune=75115".to_owned(),
        "departement=75".to_owned(),
    ] {
        let (status, found) = public_get(&app, &format!("/api/directory?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {found}");
        let numbers: Vec<&str> = found["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["rpps"].as_str().unwrap())
            .collect();
        assert_eq!(numbers, [rpps.as_str()], "{query}");
        assert_eq!(
            found["results"][0]["active_sites"][0]["finess"],
            rpps_devidp::FINESS_A
        );
    }
    let (_, elsewhere) = public_get(&app, "/api/directory?commune=69383").await;
    assert_eq!(elsewhere["results"], json!([]));
    // Bad input: a 400 that explains.
    let (status, wrong) = public_get(&app, "/api/directory?rpps=10000000019").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(wrong.to_string().contains("Luhn"), "{wrong}");
    let (status, _) = public_get(&app, "/api/directory/12345").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let unknown = rpps_domain::RppsNumber::from_sequence(987_654_321).unwrap();
    let (status, _) = public_get(&app, &format!("/api/directory/{unknown}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = public_get(&app, "/api/directory?name=a").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = public_get(&app, "/api/directory?cursor=bogus&name=nd").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Issue 15: a crafted cursor of the search's own partition whose start key no page holds
    // (no sort key; a sort key outside the name's range) is a 400 that says so, not a 500.
    for key in [
        json!({ "PK": format!("DIR#{rpps}"), "SK": "DIR", "GSI1PK": "DIRNAME#nd" }),
        json!({ "PK": format!("DIR#{rpps}"), "SK": "DIR", "GSI1PK": "DIRNAME#nd", "GSI1SK": "zzz" }),
    ] {
        use base64::Engine;
        let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.to_string());
        let (status, refused) =
            public_get(&app, &format!("/api/directory?name=ndiaye&cursor={cursor}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{key}: {refused}");
        assert_eq!(refused["error"]["code"], "directory.cursor", "{refused}");
    }

    // FAQ-R7: the card, a small PDF.
    let card = reqwest::get(app.url(&format!("/api/directory/{rpps}/card.pdf")))
        .await
        .unwrap();
    assert_eq!(card.status(), StatusCode::OK);
    assert_eq!(card.headers()["content-type"], "application/pdf");
    let pdf = card.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() < 100_000, "{} bytes", pdf.len());
    // Read back: the public data in its text, and the QR code opening the verification page.
    let document = lopdf::Document::load_mem(&pdf).expect("the PDF parses");
    let text = document.extract_text(&[1]).expect("text extracts");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "N'Diaye",
        "Professionnel qualifié de l'aide à domicile",
        "750012346",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    assert!(!text.contains("@example.org"), "no private data: {text}");
    let qr: Vec<String> = document
        .objects
        .values()
        .filter_map(|object| match object {
            lopdf::Object::Stream(stream)
                if stream
                    .dict
                    .get(b"Subtype")
                    .and_then(lopdf::Object::as_name)
                    .ok()
                    == Some(b"Image".as_slice()) =>
            {
                let size = |key: &[u8]| stream.dict.get(key).and_then(lopdf::Object::as_i64).ok();
                let (w, h) = (size(b"Width")? as usize, size(b"Height")? as usize);
                let pixels = stream.decompressed_content().ok()?;
                (pixels.len() == w * h).then(|| {
                    rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x])
                        .detect_grids()
                        .into_iter()
                        .filter_map(|grid| grid.decode().ok().map(|(_, content)| content))
                        .collect::<Vec<_>>()
                })
            }
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(qr.len(), 1, "{qr:?}");
    // Issue 20: the address, then the signed statement as digits after `#`, verified as the
    // page does offline, with the keys' document the site serves to anyone (no session).
    let (address, digits) = qr[0].split_once('#').expect("a signed statement");
    assert_eq!(address, page["verification_url"].as_str().unwrap());
    assert!(address.ends_with(&format!("/verifier/{rpps}")), "{qr:?}");
    let served = reqwest::get(app.url(rpps_cards::KEYS_PATH)).await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "application/json");
    assert_eq!(served.headers()["cache-control"], "public, max-age=300");
    let keys: rpps_contract::card::CardKeys = served.json().await.expect("the keys' document");
    // The local stack's file key, public half only, as the key that signs new cards.
    let key = rpps_cardsign::FileKey::load(&rpps_e2e::card_key_file()).expect("the local key");
    assert_eq!(keys.keys, vec![key.public().jwk("active")]);
    assert_eq!(keys.revoked, Vec::<String>::new());
    let message = rpps_contract::card::from_digits(digits).expect("digits");
    let today = rpps_domain::paris::date_in_paris(time::OffsetDateTime::now_utc()).to_string();
    let ok = rpps_cardsign::verify(&message, &keys, &today).expect("authentic");
    assert_eq!(ok.claims.rpps, rpps.as_str());
    assert_eq!(ok.claims.family_name, page["family_name"].as_str().unwrap());
    assert_eq!(ok.claims.finess, "750012346");
    assert_eq!(ok.claims.issued_on, today);
    assert_eq!(ok.kid, keys.keys[0].kid);
    // The same document refuses the card once its key is revoked (a page that fetched it again).
    let mut revoked = keys.clone();
    revoked.revoked.push(ok.kid.clone());
    assert_eq!(
        rpps_cardsign::verify(&message, &revoked, &today),
        Err(rpps_cardsign::Refusal::RevokedKey)
    );

    // FAQ-R6: the manager sees the aide among the staff, and records the departure.
    let (status, staff) = manager.get("/api/manager/staff").await;
    assert_eq!(status, StatusCode::OK, "{staff}");
    let member = &staff["establishments"][0]["staff"][0];
    assert_eq!(member["rpps"], rpps.as_str());
    assert_eq!(member["active_today"], true);
    let departure = format!(
        "/api/manager/staff/{rpps}/sites/{}/departure",
        rpps_devidp::FINESS_A
    );
    let (status, refused) = manager
        .put(&departure, json!({ "date": "2020-01-01" }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["error"]["code"], "site.departure_in_past");
    assert!(
        refused["error"]["fields"]["date"]["message"].is_string(),
        "{refused}"
    );
    // Recorded ahead, then cancelled before the date.
    let (status, ahead) = manager
        .put(&departure, json!({ "date": "2099-12-31" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{ahead}");
    assert_eq!(ahead["departure_on"], "2099-12-31");
    let (status, cancelled) = manager.delete(&departure).await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["departure_on"], Value::Null);
    // Another establishment's site, or an aide: refused.
    let (status, _) = manager
        .put(
            &format!(
                "/api/manager/staff/{rpps}/sites/{}/departure",
                rpps_devidp::FINESS_B
            ),
            json!({ "date": "2099-12-31" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = aide.get("/api/manager/staff").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let today = rpps_domain::paris::date_in_paris(time::OffsetDateTime::now_utc());
    let (status, left) = manager
        .put(&departure, json!({ "date": today.to_string() }))
        .await;
    assert_eq!(status, StatusCode::OK, "{left}");
    // Today is still a working day there: the purge of today leaves it (read nothing due).
    let (status, report) = local_purge(&app, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["purged"], json!([]), "{report}");

    // Tomorrow's run purges it: one site read, one purged; a second run does nothing.
    let purge = rpps_purge::PurgeState { store: app.store() };
    let tomorrow = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    // (The runner's trigger, as the night after: `?today=`.)
    let night = today.next_day().unwrap();
    let (_, report) = local_purge(&app, Some(night)).await;
    assert_eq!(report["read"], 1, "{report}");
    assert_eq!(report["purged"][0]["rpps"], rpps.as_str(), "{report}");
    let again = rpps_purge::run(&purge, tomorrow).await.unwrap();
    assert_eq!(
        (again.departures.read, again.departures.purged.len()),
        (0, 0),
        "{again:?}"
    );

    // The directory follows: findable by number, no active site, the card no longer valid.
    let page = eventually(|| async {
        let (_, page) = public_get(&app, &format!("/api/directory/{rpps}")).await;
        (page["valid_today"] == false).then_some(page)
    })
    .await
    .expect("the purge reaches the directory");
    assert_eq!(page["sites"][0]["active"], false);
    assert_eq!(page["sites"][0]["ended_on"], today.to_string());
    let (_, by_number) = public_get(&app, &format!("/api/directory?rpps={rpps}")).await;
    assert_eq!(by_number["results"][0]["active_sites"], json!([]));
    let (_, by_name) = public_get(&app, "/api/directory?name=n%27diaye").await;
    assert_eq!(by_name["results"], json!([]));
    let (_, by_commune) = public_get(&app, "/api/directory?commune=75115").await;
    assert_eq!(by_commune["results"], json!([]));
    // The staff list keeps the person, no longer published.
    let (_, staff) = manager.get("/api/manager/staff").await;
    assert_eq!(staff["establishments"][0]["staff"][0]["published"], false);
    // The managers of A are told what the purge did.
    // (Found by this app's own link: tests share moto, and each test's first number is the same.)
    let summary = emails_to(&app, &format!("{}/gestion/personnel", app.base), 1).await;
    assert_eq!(summary.len(), 1, "the purge summary: {summary:?}");
    let summary = summary[0].to_string();
    assert!(
        summary.contains(&format!("RPPS {rpps}), départ le")),
        "{summary}"
    );
    assert!(
        summary.contains("elise.marchand@etablissement-a.localhost"),
        "{summary}"
    );
}

#[tokio::test]
async fn faq_r13_r14_contact_data_updated_by_the_professional_and_by_the_manager() {
    let app = app().await;
    let (aide, manager, rpps, _id) = allocated(&app).await;
    // The manager fixes the aide's mobile: field errors first, all at once.
    let path = format!("/api/manager/staff/{rpps}/contact");
    let (status, wrong) = manager
        .patch(
            &path,
            json!({ "email": "nope", "mobile": "01 23 45 67 89" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{wrong}");
    assert!(wrong["error"]["fields"]["email"].is_object(), "{wrong}");
    assert!(wrong["error"]["fields"]["mobile"].is_object(), "{wrong}");
    let (status, fixed) = manager
        .patch(&path, json!({ "mobile": "06 12 34 56 70" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{fixed}");
    assert_eq!(fixed["contact"]["mobile"], "+33612345670");
    // Confirmed to the aide by email (this test's own address), saying who changed it.
    let told = eventually(|| async {
        let found = emails_to(&app, &crate::support::aide_email(&app), 2).await;
        found
            .into_iter()
            .find(|m| m.to_string().contains("coordonn"))
    })
    .await
    .expect("the confirmation");
    assert!(told.to_string().contains("gestionnaire"), "{told}");
    // Audited with who did it.
    let trail = app
        .store()
        .audit_trail(&format!("PRO#{rpps}"))
        .await
        .unwrap();
    assert!(
        trail.iter().any(
            |e| e.action == "professional.contact.by_manager" && e.actor == "3750012346/100001"
        ),
        "{trail:?}"
    );
    // Someone else's staff, or another role: refused, saying whom to ask.
    let (status, _) = manager
        .patch(
            &format!("/api/manager/staff/{}/contact", rpps_devidp::RPPS_PRO),
            json!({ "mobile": "06 12 34 56 70" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, refused) = aide
        .patch("/api/me/contact", json!({ "mobile": "06 12 34 56 70" }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        refused.to_string().contains("autorité d'enregistrement"),
        "{refused}"
    );

    // The professional signed in with e-CPS: their record, then their contact data.
    let professional = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=professionnel",
        rpps_devidp::PSC_PRO_ECPS,
    )
    .await;
    let (status, me) = professional.get("/api/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["rpps"], rpps_devidp::RPPS_PRO);
    let (status, missing) = professional
        .patch("/api/me/contact", json!({ "mobile": "06 12 34 56 71" }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{missing}");
    assert_eq!(missing["error"]["fields"]["email"]["code"], "email.missing");
    let address = format!("pro.{}@example.org", app.options.table_prefix);
    let (status, saved) = professional
        .patch(
            "/api/me/contact",
            json!({ "email": address, "mobile": "06 12 34 56 71" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (_, me) = professional.get("/api/me").await;
    assert_eq!(me["contact"]["email"], address.as_str());
    let confirmed = emails_to(&app, &address, 1).await;
    assert_eq!(confirmed.len(), 1, "{confirmed:?}");
    assert!(
        confirmed[0].to_string().contains("e-CPS"),
        "{}",
        confirmed[0]
    );
}
