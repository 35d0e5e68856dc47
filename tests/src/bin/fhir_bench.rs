//! Issue 16, item 4: the FHIR API over the local stack. `N` directory entries (default 1,000)
//! are written through the store as the publisher writes them; then the local runner is built as
//! `make run` builds it (the FHIR function behind the IAM gate, on moto) and `M` requests of each
//! kind (default 200) go to its router in process: a Practitioner read, a search by identifier,
//! a search by 10 identifiers, a first page and a later page of a family search (`_count=50`), of
//! the whole directory by number, a first page of `name:contains`, of the whole directory with
//! `_total=accurate`, and of a `_lastUpdated` delta; and over 1,000
//! establishments imported as `rpps-admin import-finess` imports them: an Organization read,
//! searches by postal code, by name, the whole list by last change, and the roles of one
//! professional with their establishments (`_include=PractitionerRole:organization`), the
//! roles at one establishment (`organization=`), and every role (the listing).
//! Per kind: p50 / p99 of the answer's time, and the DynamoDB calls per request the gate counted
//! (target: one per page). Figures in docs/PERFORMANCE.md.
//!
//! AWS_ENDPOINT_URL=http://127.0.0.1:5599 cargo run --release -p rpps-e2e --bin fhir_bench -- [N] [M]

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use rpps_domain::{Finess, RppsNumber};
use rpps_e2e::bench::{arg, local_options, moto_endpoint, no_time_limit, percentile};
use rpps_store::{DirectoryEntry, DirectorySite, Store};
use tower::ServiceExt;

/// The path of a request kind's `i`-th request.
type PathOf<'a> = Box<dyn Fn(usize) -> String + 'a>;

fn entry(i: usize) -> anyhow::Result<DirectoryEntry> {
    let at = time::OffsetDateTime::now_utc();
    Ok(DirectoryEntry {
        rpps: RppsNumber::from_sequence(8_000_000 + i as u64)?,
        family_name: rpps_e2e::people::family_name(i),
        given_names: "Camille".into(),
        profession: "aide_a_domicile_qualifiee".into(),
        sites: vec![DirectorySite {
            finess: Finess::parse("750012346")?,
            establishment_name: "Aide à domicile Paris 15".into(),
            commune_code: "75115".into(),
            commune_name: "Paris 15e Arrondissement".into(),
            departement: "75".into(),
            started_on: time::macros::date!(2026 - 09 - 01),
            ended_on: None,
            active: true,
        }],
        ecps_activable_from: None,
        published_at: at,
        updated_at: at,
    })
}

/// A synthetic establishment: FINESS `<dd><6 digits><key>`, in one of ten départements, its
/// name with one of twenty words.
fn establishment(i: usize) -> anyhow::Result<rpps_store::Establishment> {
    const DEPARTEMENTS: [&str; 10] = ["01", "13", "31", "33", "35", "44", "59", "67", "69", "75"];
    const WORDS: [&str; 20] = [
        "AMBRE", "BRUYERE", "CEDRE", "DUNE", "ERABLE", "FOUGERE", "GENET", "HOUX", "IRIS", "JONC",
        "LILAS", "MIMOSA", "NOYER", "OLIVIER", "PIN", "ROSEAU", "SAULE", "TILLEUL", "VIGNE",
        "YEUSE",
    ];
    let dd = DEPARTEMENTS[i % DEPARTEMENTS.len()];
    let word = WORDS[(i / DEPARTEMENTS.len()) % WORDS.len()];
    let body = format!("{dd}{:06}", 200_000 + i);
    let finess = (0..10)
        .map(|k| format!("{body}{k}"))
        .find_map(|f| Finess::parse(&f).ok())
        .context("a FINESS key")?;
    Ok(rpps_store::Establishment {
        finess,
        legal_entity_finess: None,
        name: format!("SAAD {word} {i}"),
        long_name: format!("SERVICE D'AIDE A DOMICILE {word} {i}"),
        siret: None,
        category_code: "460".into(),
        category_label: "Service d'Aide et d'Accompagnement à Domicile (S.A.A.D)".into(),
        address: format!("{} RUE DE LA REPUBLIQUE", 1 + i % 90),
        postal_code: format!("{dd}{:03}", (i / 10) % 40 * 10),
        town: format!("VILLE {word}"),
        commune_insee: format!("{dd}001"),
        phone: None,
        updated_on: Some("2026-11-01".into()),
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n = arg(1, 1000)?.max(60);
    let m = arg(2, 200)?.max(1);
    let endpoint = moto_endpoint()?;
    let options = local_options(&endpoint, "fhir", false);
    let store = Store::from_config(
        &options.config(),
        &rpps_runtime::aws::for_local_endpoint(&endpoint)
            .to_builder()
            .timeout_config(no_time_limit())
            .build(),
    );
    store.ensure_tables().await?;
    let prepared = Instant::now();
    let prepared_at = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
    let mut numbers = Vec::with_capacity(n);
    for i in 0..n {
        let e = entry(i)?;
        numbers.push(e.rpps.to_string());
        store.write_directory_entry(&e).await?;
    }
    println!(
        "{n} directory entries written in {:.1} s",
        prepared.elapsed().as_secs_f64()
    );
    // 1,000 establishments, the one the entries practise at among them, imported before the
    // listing's snapshot margin.
    let mut establishments = (0..1000)
        .map(establishment)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut paris = establishment(1000)?;
    paris.finess = Finess::parse("750012346")?;
    establishments.push(paris);
    store
        .import_establishments_at(&establishments, prepared_at - time::Duration::minutes(1))
        .await?;
    let local = rpps_local::build(&options).await?;
    // The later page: the cursor of the first.
    let first = get(&local.router, "/fhir/Practitioner?family=banc&_count=50").await?;
    let next = first["link"]
        .as_array()
        .and_then(|links| links.iter().find(|l| l["relation"] == "next"))
        .and_then(|l| l["url"].as_str())
        .and_then(|u| u.strip_prefix(&options.public_origin))
        .context("a next link")?
        .to_owned();
    let listing_first = get(&local.router, "/fhir/Practitioner?_count=50").await?;
    let listing_next = listing_first["link"]
        .as_array()
        .and_then(|links| links.iter().find(|l| l["relation"] == "next"))
        .and_then(|l| l["url"].as_str())
        .and_then(|u| u.strip_prefix(&options.public_origin))
        .context("a next link of the listing")?
        .to_owned();
    // Every entry was written after this: the delta is the whole directory, by update.
    let delta = format!(
        "/fhir/Practitioner?_lastUpdated=ge{}&_count=50",
        prepared_at
            .format(&time::format_description::well_known::Rfc3339)?
            .replace('+', "%2B")
    );
    let finess: Vec<String> = establishments
        .iter()
        .map(|e| e.finess.to_string())
        .collect();
    let kinds: Vec<(&str, PathOf)> = vec![
        (
            "read `Practitioner/{rpps}`",
            Box::new(|i| format!("/fhir/Practitioner/{}", numbers[i % n])),
        ),
        (
            "search `identifier=…|{rpps}`",
            Box::new(|i| {
                format!(
                    "/fhir/Practitioner?identifier=https://rpps.esante.gouv.fr%7C{}",
                    numbers[i % n]
                )
            }),
        ),
        (
            "search 10 identifiers (`_id=a,b,…`)",
            Box::new(|i| {
                let ids: Vec<&str> = (0..10)
                    .map(|k| numbers[(i * 10 + k) % n].as_str())
                    .collect();
                format!("/fhir/Practitioner?_id={}", ids.join(","))
            }),
        ),
        (
            "search `family=banc&_count=50`, first page",
            Box::new(|_| "/fhir/Practitioner?family=banc&_count=50".to_owned()),
        ),
        (
            "the same, second page (`_cursor`)",
            Box::new(move |_| next.clone()),
        ),
        (
            "search `name=banc&_count=50` (name tokens), first page",
            Box::new(|_| "/fhir/Practitioner?name=banc&_count=50".to_owned()),
        ),
        (
            "search `name:contains=anc&_count=50` (words and inner suffixes), first page",
            Box::new(|_| "/fhir/Practitioner?name:contains=anc&_count=50".to_owned()),
        ),
        (
            "the whole directory, `_count=50&_total=accurate` (the rest counted), first page",
            Box::new(|_| "/fhir/Practitioner?_count=50&_total=accurate".to_owned()),
        ),
        (
            "the whole directory (`_count=50`, by number), first page",
            Box::new(|_| "/fhir/Practitioner?_count=50".to_owned()),
        ),
        (
            "the same, second page (`_cursor`)",
            Box::new(move |_| listing_next.clone()),
        ),
        (
            "delta `_lastUpdated=ge…&_count=50` (by update, snapshot), first page",
            Box::new(move |_| delta.clone()),
        ),
        (
            "read `Organization/{finess}`",
            Box::new(|i| format!("/fhir/Organization/{}", finess[i % finess.len()])),
        ),
        (
            "Organization `address-postalcode=69&_count=50` (100 match)",
            Box::new(|_| "/fhir/Organization?address-postalcode=69&_count=50".to_owned()),
        ),
        (
            "Organization `name=saad%20tilleul&_count=50` (50 match)",
            Box::new(|_| "/fhir/Organization?name=saad%20tilleul&_count=50".to_owned()),
        ),
        (
            "every Organization by last change (`_count=50`), first page",
            Box::new(|_| "/fhir/Organization?_count=50".to_owned()),
        ),
        (
            "roles at one establishment, `organization=750012346&_count=50` (1,000 match), first page",
            Box::new(|_| "/fhir/PractitionerRole?organization=750012346&_count=50".to_owned()),
        ),
        (
            "every role (`PractitionerRole?_count=50`, by number), first page",
            Box::new(|_| "/fhir/PractitionerRole?_count=50".to_owned()),
        ),
        (
            "roles of one professional, `_include=PractitionerRole:organization`",
            Box::new(|i| {
                format!(
                    "/fhir/PractitionerRole?practitioner={}&_include=PractitionerRole:organization",
                    numbers[i % n]
                )
            }),
        ),
    ];
    println!("| request | n | p50 | p99 | DynamoDB calls per request |");
    println!("| --- | --- | --- | --- | --- |");
    for (name, path) in &kinds {
        let before: usize = local.gate.calls("rpps-fhir").values().sum();
        let mut times = Vec::with_capacity(m);
        for i in 0..m {
            let started = Instant::now();
            get(&local.router, &path(i)).await?;
            times.push(started.elapsed());
        }
        let after: usize = local.gate.calls("rpps-fhir").values().sum();
        times.sort();
        println!(
            "| {name} | {m} | {} | {} | {:.2} |",
            ms(percentile(&times, 50.0)),
            ms(percentile(&times, 99.0)),
            (after - before) as f64 / m as f64
        );
    }
    println!("calls by operation: {:?}", local.gate.calls("rpps-fhir"));
    ensure!(
        local.gate.denials().is_empty(),
        "{:?}",
        local.gate.denials()
    );
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// One GET through the runner's router; the JSON answer, which must be a 200.
async fn get(router: &axum::Router, path: &str) -> anyhow::Result<serde_json::Value> {
    let response = router
        .clone()
        .oneshot(Request::get(path).body(Body::empty())?)
        .await?;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024).await?;
    ensure!(
        status == StatusCode::OK,
        "{path}: {status} {}",
        String::from_utf8_lossy(&bytes)
    );
    Ok(serde_json::from_slice(&bytes)?)
}
