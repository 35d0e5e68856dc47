//! Issue 16: the daily open-data files. Eight days of a changing directory, each day's files
//! written by `POST /_local/extract` (the scheduled function, run as of that day) and read back
//! under `/donnees/` as CloudFront serves them: the first day's full file with the next seven
//! days' deltas applied is the eighth day's full file, line for line; every file is the size
//! and SHA-256 its manifest says.

use reqwest::StatusCode;
use rpps_domain::{Finess, RppsNumber};
use rpps_e2e::{TestApp, aws_endpoint, fresh_options, spawn_app};
use rpps_opendata::Manifest;
use rpps_store::{DirectoryEntry, DirectorySite};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::macros::{date, datetime};

const FINESS: [&str; 3] = ["750012346", "690000880", "130000011"];

fn site(finess: &str, active: bool) -> DirectorySite {
    DirectorySite {
        finess: Finess::parse(finess).unwrap(),
        establishment_name: format!("Service d'aide à domicile {finess}"),
        commune_code: "75115".into(),
        commune_name: "Paris 15e Arrondissement".into(),
        departement: "75".into(),
        started_on: date!(2026 - 01 - 05),
        ended_on: (!active).then_some(date!(2026 - 11 - 30)),
        active,
    }
}

fn professional(seq: u64, family: &str, sites: Vec<DirectorySite>) -> DirectoryEntry {
    let at = datetime!(2026-11-01 10:00 UTC);
    DirectoryEntry {
        rpps: RppsNumber::from_sequence(7_000_000 + seq).unwrap(),
        family_name: family.into(),
        given_names: "Camille".into(),
        profession: "aide_a_domicile_qualifiee".into(),
        sites,
        ecps_activable_from: None,
        published_at: at,
        updated_at: at,
    }
}

async fn get(app: &TestApp, path: &str) -> (StatusCode, Vec<u8>) {
    let response = reqwest::get(app.url(path)).await.unwrap();
    let status = response.status();
    (status, response.bytes().await.unwrap().to_vec())
}

/// A file of a manifest, downloaded under `/donnees/` and checked against it; its lines.
async fn download(app: &TestApp, file: &rpps_opendata::s3::WrittenFile) -> Vec<String> {
    let path = format!("/{}", file.key);
    let (status, bytes) = get(app, &path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    assert_eq!(bytes.len() as u64, file.bytes, "{path}: size");
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sha, file.sha256, "{path}: SHA-256");
    let lines = rpps_opendata::gunzip_lines(&bytes).unwrap();
    assert_eq!(lines.len() as u64, file.lines, "{path}: lines");
    lines
}

#[tokio::test]
async fn seven_daily_deltas_applied_to_the_first_full_file_give_the_eighth() {
    let app = spawn_app(fresh_options(aws_endpoint())).await.unwrap();
    let store = app.store();
    // Nothing yet: no manifest.
    let (status, _) = get(&app, "/donnees/manifeste_latest.json").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let mut people: Vec<DirectoryEntry> = (0..30)
        .map(|i| {
            let mut sites = vec![site(FINESS[(i % 3) as usize], i % 7 != 6)];
            if i % 4 == 0 {
                sites.push(site(FINESS[((i + 1) % 3) as usize], true));
            }
            professional(i, &format!("Dupont-{i}"), sites)
        })
        .collect();
    for p in &people {
        store.write_directory_entry(p).await.unwrap();
    }
    let mut manifests: Vec<Manifest> = Vec::new();
    for day in 1..=8u64 {
        if day > 1 {
            // The day's changes: two new professionals, a departure, a new name, a second
            // site, someone back at work, a site's establishment renamed.
            let n = people.len() as u64;
            for k in 0..2 {
                people.push(professional(
                    n + k,
                    &format!("Nouveau-{day}-{k}"),
                    vec![site(FINESS[(k % 3) as usize], true)],
                ));
            }
            let d = day as usize;
            let leaving = (10..people.len())
                .find(|&i| people[i].active_sites().next().is_some())
                .unwrap();
            for s in &mut people[leaving].sites {
                s.active = false;
                s.ended_on = Some(date!(2026 - 12 - 01));
            }
            people[d * 3 + 1].family_name = format!("Martin-{day}");
            let extra = site(FINESS[(d + 2) % 3], true);
            if !people[d * 3 + 2]
                .sites
                .iter()
                .any(|s| s.finess == extra.finess)
            {
                people[d * 3 + 2].sites.push(extra);
            }
            people[6].sites[0].active = day % 2 == 0;
            people[d].sites[0].establishment_name = format!("SAAD renommé le jour {day}");
            for p in &people {
                store.write_directory_entry(p).await.unwrap();
            }
        }
        let at = datetime!(2026-12-01 04:00 +01:00) + time::Duration::days(day as i64 - 1);
        let response = reqwest::Client::new()
            .post(app.url(&format!(
                "/_local/extract?at={}",
                at.format(&time::format_description::well_known::Rfc3339)
                    .unwrap()
                    .replace('+', "%2B")
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "day {day}");
        let manifest: Manifest = response.json().await.unwrap();
        assert_eq!(manifest.date, format!("2026-12-{:02}", day));
        assert_eq!(
            manifest.licence.name,
            "Licence Ouverte / Open Licence version 2.0"
        );
        assert_eq!(
            manifest.previous_manifest,
            manifests.last().map(|m| m.manifest.clone())
        );
        let delta = manifest.delta.as_ref().expect("a delta every day");
        assert_eq!(
            delta.since,
            manifests.last().map(|m| m.full.key.clone()),
            "day {day}: the delta follows the previous full file"
        );
        if day > 1 {
            assert!(delta.counts.added >= 2, "day {day}: {:?}", delta.counts);
            assert!(delta.counts.removed >= 1, "day {day}: {:?}", delta.counts);
            assert!(delta.counts.changed >= 1, "day {day}: {:?}", delta.counts);
        }
        manifests.push(manifest);
    }
    assert!(app.gate.take_denials().is_empty(), "within its IAM policy");

    // A consumer: the first day's full file, then seven deltas.
    let first = download(&app, &manifests[0].full).await;
    assert_eq!(first[0], rpps_opendata::layout::header());
    let mut copy: Vec<String> = first[1..].to_vec();
    for manifest in &manifests[1..] {
        let delta = download(&app, &manifest.delta.as_ref().unwrap().file).await;
        assert_eq!(delta[0], rpps_opendata::layout::delta_header());
        copy = rpps_opendata::delta::apply(&copy, &delta[1..]).unwrap();
    }
    let last = download(&app, &manifests[7].full).await;
    assert_eq!(
        copy,
        last[1..].to_vec(),
        "seven deltas bring day 1 to day 8"
    );
    // What the register holds on day 8: one line per published site, departed people none.
    let expected: usize = people
        .iter()
        .map(|p| {
            let mut f: Vec<_> = p.active_sites().map(|s| s.finess.clone()).collect();
            f.dedup();
            f.len()
        })
        .sum();
    assert_eq!(copy.len(), expected);
    assert!(
        copy.iter()
            .all(|l| l.matches('|').count() == 56 && l.ends_with('|'))
    );

    // The stable names are the last run's; the manifest is served as JSON.
    let (status, latest) = get(&app, "/donnees/manifeste_latest.json").await;
    assert_eq!(status, StatusCode::OK);
    let latest: Manifest = serde_json::from_slice(&latest).unwrap();
    assert_eq!(latest, manifests[7]);
    let (_, full_latest) = get(
        &app,
        "/donnees/PS_LibreAcces_Personne_activite_latest.txt.gz",
    )
    .await;
    assert_eq!(
        rpps_opendata::gunzip_lines(&full_latest).unwrap(),
        last,
        "latest = day 8"
    );
    let response = reqwest::get(app.url(&format!("/{}", manifests[7].full.key)))
        .await
        .unwrap();
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let (status, _) = get(&app, "/donnees/absent.txt.gz").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The files and the FHIR API share their identifiers: a line's `Identifiant PP` is the
    // Practitioner's id.
    let rpps = last[1].split('|').nth(1).unwrap().to_owned();
    let (status, body) = get(&app, &format!("/fhir/Practitioner/{rpps}")).await;
    assert_eq!(status, StatusCode::OK);
    let practitioner: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(practitioner["id"], rpps.as_str());
}

/// Review of issue 16: a run that fails while completing its uploads (S3 refusing
/// `CompleteMultipartUpload`) leaves yesterday's files served, no upload pending (each one is
/// aborted, else S3 keeps and bills its parts) and no file of the failed day; the next run
/// writes the day whole.
#[tokio::test]
async fn a_run_failing_to_complete_its_uploads_leaves_yesterday_served_and_nothing_pending() {
    let app = spawn_app(fresh_options(aws_endpoint())).await.unwrap();
    let store = app.store();
    for i in 0..5 {
        store
            .write_directory_entry(&professional(
                i,
                &format!("Durand-{i}"),
                vec![site(FINESS[0], true)],
            ))
            .await
            .unwrap();
    }
    let extract = |day: u32| {
        let url = app.url(&format!("/_local/extract?at=2026-12-{day:02}T03:00:00Z"));
        async move { reqwest::Client::new().post(url).send().await.unwrap() }
    };
    let first = extract(1).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Manifest = first.json().await.unwrap();

    app.gate.inject(rpps_local::gate::Fault::refuse(
        "s3:CompleteMultipartUpload",
        500,
        "InternalError",
    ));
    let failed = extract(2).await;
    assert!(failed.status().is_server_error(), "{}", failed.status());
    app.gate.clear_faults();

    // Straight to the emulator (not through the gate): no multipart upload left behind.
    let sdk = rpps_runtime::aws::for_local_endpoint(&app.options.aws_endpoint);
    let s3 = rpps_opendata::s3_client(&sdk);
    let pending = s3
        .list_multipart_uploads()
        .bucket(app.options.site_bucket())
        .send()
        .await
        .unwrap();
    assert!(
        pending.uploads().is_empty(),
        "uploads left pending: {:?}",
        pending
            .uploads()
            .iter()
            .map(|u| u.key().unwrap_or_default())
            .collect::<Vec<_>>()
    );
    let (status, latest) = get(&app, "/donnees/manifeste_latest.json").await;
    assert_eq!(status, StatusCode::OK);
    let latest: Manifest = serde_json::from_slice(&latest).unwrap();
    assert_eq!(latest, first, "yesterday's files stay the latest");
    let (status, _) = get(
        &app,
        "/donnees/PS_LibreAcces_Personne_activite_20261202040000.txt.gz",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no file of the failed day");

    let retried = extract(2).await;
    assert_eq!(retried.status(), StatusCode::OK);
    let retried: Manifest = retried.json().await.unwrap();
    assert_eq!(retried.previous_manifest, Some(first.manifest.clone()));
    assert_eq!(
        retried.delta.as_ref().and_then(|d| d.since.clone()),
        Some(first.full.key.clone())
    );
    assert_eq!(
        download(&app, &retried.full).await.len(),
        6,
        "header + 5 lines"
    );
}
