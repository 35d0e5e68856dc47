//! The preview of a team's file (issue 19, item 5: « a 2,000-line file validated (preview) in
//! under 5 s of function time »): what `POST /api/manager/imports` does, step by step, on a
//! realistic file of `N` lines (default 2,000) — reading and checking every line by the form's
//! rules (pure), the register's look (one `Query` per identity-match partition, 16 at a time),
//! keeping the import (the chunks, then the job) — timed, with the DynamoDB calls counted. The
//! register holds `K` people already (default 200), some of whom the file names again.
//!
//! cargo run -p rpps-e2e --bin import_bench -- [N] [K] [RUNS]
//!
//! `AWS_ENDPOINT_URL` (or `RPPS_TEST_AWS_ENDPOINT`) must point at moto.

use std::time::{Duration, Instant};

use rpps_contract::import::LineState;
use rpps_domain::Finess;
use rpps_e2e::bench::{arg, create_tables, moto_endpoint, no_time_limit};
use rpps_e2e::people::{FINESS, Person, manager, submitted};
use rpps_e2e::roundtrips::{RoundTrips, print_tally};
use rpps_places::EmbeddedPlaces;
use rpps_registrations::import::line::Context;
use rpps_registrations::import::preview;
use rpps_store::{ImportJob, Store, Tables};
use time::macros::date;

/// Birth communes of the file: Paris arrondissements, Lyon, Marseille, and towns by name.
const COMMUNES: [&str; 8] = [
    "75115",
    "69383",
    "13208",
    "Saint-Étienne",
    "33063",
    "Lille",
    "06088",
    "Nantes",
];
const FAMILY: [&str; 16] = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèbvre",
    "Michel",
    "Garcia",
    "N'Diaye",
];
const GIVEN: [&str; 12] = [
    "Marie",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Fatima",
    "Aïcha",
    "Léa",
    "Chloé",
    "Jean-Pierre",
    "Karim",
    "Zoé",
];

/// A line of the file: about one in twenty with a mistake people make (an impossible date, a
/// postal code for a commune, an email without its domain), and `known` of the register's
/// people again.
fn file(n: usize, known: &[Person]) -> String {
    let mut text = String::from(
        "Nom de naissance;Prénoms;Date de naissance;Commune de naissance;Département de naissance;Pays de naissance;E-mail;Mobile;Date de début;Éligibilité\r\n",
    );
    for i in 0..n {
        if i % 25 == 7 && !known.is_empty() {
            // As `people::civil` writes them: Élodie, born in Lyon 3e.
            let p = &known[(i / 25) % known.len()];
            text.push_str(&format!(
                "{};Élodie;{};69383;;;again{i}@example.org;;01/12/2026;diplôme\r\n",
                p.family, p.born
            ));
            continue;
        }
        let family = format!("{}{}", FAMILY[i % FAMILY.len()], suffix(i));
        let given = GIVEN[(i / 3) % GIVEN.len()];
        let day = 1 + i % 28;
        let month = 1 + (i / 28) % 12;
        let year = 1960 + (i / 7) % 45;
        let commune = COMMUNES[i % COMMUNES.len()];
        let departement = match commune {
            "Saint-Étienne" => "42",
            "Lille" => "59",
            "Nantes" => "44",
            _ => "",
        };
        let birth = if i % 20 == 3 {
            format!("31/02/{year}")
        } else {
            format!("{day:02}/{month:02}/{year}")
        };
        let commune = if i % 20 == 11 { "75015" } else { commune };
        let email = if i % 20 == 17 {
            format!("aide{i}@")
        } else {
            format!("aide{i}@example.org")
        };
        let eligibility = if i % 2 == 0 {
            "diplôme"
        } else {
            "expérience"
        };
        text.push_str(&format!(
            "{family};{given};{birth};{commune};{departement};;{email};06 12 34 {:02} {:02};01/12/2026;{eligibility}\r\n",
            i % 100,
            (i / 100) % 100
        ));
    }
    text
}

/// Letters that make each family name of the file its own (`Martinab`…).
fn suffix(i: usize) -> String {
    [i / 676 % 26, i / 26 % 26, i % 26]
        .iter()
        .map(|k| char::from(b'a' + *k as u8))
        .collect()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n = arg(1, 2_000)?;
    let k = arg(2, 200)?;
    let runs = arg(3, 3)?;
    let endpoint = moto_endpoint()?;
    let counter = RoundTrips::default();
    let sdk = rpps_runtime::aws::for_local_endpoint(&endpoint);
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .interceptor(counter.clone())
        .timeout_config(no_time_limit());
    let prefix = format!("ib{}", uuid::Uuid::new_v4().simple());
    let store = Store::new(
        aws_sdk_dynamodb::Client::from_conf(config.build()),
        Tables::with_prefix(&prefix),
    );
    create_tables(&store, false).await?;
    println!(
        "import bench: moto at {endpoint}, tables {prefix}-*, {n} lines, {k} people in the register, {runs} runs"
    );

    // The register: K submitted requests (open: the file's lines of them are « known »).
    let setup = Instant::now();
    let people: Vec<Person> = (0..k).map(|i| Person::nth("reg", i)).collect();
    for person in &people {
        submitted(&store, person).await?;
    }
    println!(
        "  register: {k} submitted requests in {:.1} s",
        setup.elapsed().as_secs_f64()
    );
    counter.take();

    let text = file(n, &people);
    let bytes = windows_1252(&text);
    println!("  file: {} lines, {} bytes (Windows-1252)", n, bytes.len());
    let manager = manager()?;
    let managed = [Finess::parse(FINESS)?];
    // The job creates on behalf of a manager designated now (as the sign-in checks), for an
    // establishment of the register.
    store
        .import_establishments(&[rpps_store::Establishment {
            finess: managed[0].clone(),
            legal_entity_finess: None,
            name: "SAAD PARIS 15".into(),
            long_name: "SERVICE D'AIDE A DOMICILE PARIS 15".into(),
            siret: None,
            category_code: "460".into(),
            category_label: "Service d'Aide et d'Accompagnement à Domicile (S.A.A.D)".into(),
            address: "1 RUE DE LA PAIX".into(),
            postal_code: "75015".into(),
            town: "PARIS".into(),
            commune_insee: "75115".into(),
            phone: None,
            updated_on: Some("2026-10-15".into()),
        }])
        .await?;
    store
        .designate_manager(&managed[0], &manager.id, None, "operator:bench")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let context = Context {
        today: date!(2026 - 12 - 06),
        managed: &managed,
        default_establishment: Some(&managed[0]),
        places: &EmbeddedPlaces,
    };
    let mut totals = Vec::new();
    for run in 0..runs {
        let start = Instant::now();
        let mut read = preview::read(&bytes, &context)?;
        let checked = start.elapsed();
        let all: Vec<usize> = (0..read.lines.len()).collect();
        preview::look_up(&store, &manager, &mut read.lines, &all, &context)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let looked = start.elapsed();
        let chunks: Vec<String> = read
            .lines
            .chunks(rpps_store::imports::LINES_PER_CHUNK)
            .map(serde_json::to_string)
            .collect::<Result<_, _>>()?;
        let id = uuid::Uuid::now_v7().to_string();
        // What the upload keeps: the import's view without its lines.
        let summary = rpps_contract::import::ImportView {
            id: id.clone(),
            filename: "equipe-2000.csv".into(),
            establishment: Some(FINESS.into()),
            counts: rpps_contract::import::ImportCounts::of(&read.lines),
            ..Default::default()
        };
        let job = ImportJob {
            id,
            owner: manager.id.clone(),
            status: "preview".into(),
            version: 1,
            created_at: time::OffsetDateTime::now_utc(),
            summary: serde_json::to_string(&summary)?,
        };
        store.create_import(&job, &chunks).await?;
        let total = start.elapsed();
        let tally = counter.take();
        let count = |state: LineState| read.lines.iter().filter(|l| l.state == state).count();
        println!(
            "\n  run {}: {:.2} s in all — read and checked {:.2} s, register {:.2} s, kept {:.2} s",
            run + 1,
            total.as_secs_f64(),
            checked.as_secs_f64(),
            (looked - checked).as_secs_f64(),
            (total - looked).as_secs_f64()
        );
        println!(
            "    lines: {} ready, {} invalid, {} known; {} bytes of chunks",
            count(LineState::Ready),
            count(LineState::Invalid),
            count(LineState::Known),
            chunks.iter().map(String::len).sum::<usize>()
        );
        print_tally("    DynamoDB calls", &tally);
        totals.push(total);
    }
    totals.sort();
    let median: Duration = totals[totals.len() / 2];
    println!(
        "\nmedian of {runs} runs: {:.2} s for {n} lines",
        median.as_secs_f64()
    );

    // The job: the last run's import confirmed, then stepped until done, as the page does.
    let Some(last) = store.imports_of(&manager.id, 1).await?.pop() else {
        anyhow::bail!("no import kept");
    };
    let stored = store
        .import(&last.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the import"))?;
    counter.take();
    let start = Instant::now();
    rpps_registrations::import::job::confirm(&store, stored)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut steps = 0;
    loop {
        steps += 1;
        match rpps_registrations::import::job::step(
            &store,
            &last.id,
            time::OffsetDateTime::now_utc(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        {
            rpps_registrations::import::job::Step::Advanced { left: 0, .. } => break,
            rpps_registrations::import::job::Step::Advanced { .. } => {}
            other => anyhow::bail!("step {steps}: {other:?}"),
        }
    }
    let wall = start.elapsed();
    let tally = counter.take();
    let done = store
        .import(&last.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the import"))?;
    let lines: Vec<rpps_contract::import::ImportLine> = done
        .chunks
        .iter()
        .map(|(_, text)| serde_json::from_str::<Vec<rpps_contract::import::ImportLine>>(text))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    let created = lines
        .iter()
        .filter(|l| l.state == LineState::Created)
        .count();
    let failed = lines
        .iter()
        .filter(|l| l.state == LineState::Failed)
        .count();
    if let Some(first) = lines.iter().find(|l| l.state == LineState::Failed) {
        anyhow::bail!("{failed} lines failed, the first: {first:?}");
    }
    println!(
        "\n  job: {created} requests created in {steps} steps, {:.1} s; {} DynamoDB calls ({:.2} per created request)",
        wall.as_secs_f64(),
        tally.executions_total(),
        tally.executions_total() as f64 / created.max(1) as f64
    );
    print_tally("    DynamoDB calls of the job", &tally);
    Ok(())
}

/// `text` in Windows-1252, as Excel writes it in France (the file's characters are all in it).
fn windows_1252(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            'œ' => 0x9C,
            'Œ' => 0x8C,
            c if (c as u32) < 0x100 => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}
