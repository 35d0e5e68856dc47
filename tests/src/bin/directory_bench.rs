//! The public directory and the purge of departed sites: DynamoDB round trips and time (issue
//! #5, "Performance and scale"; figures in docs/PERFORMANCE.md).
//!
//! 1. Directory: `P` professionals (default 300) recorded, their practice sites imported and
//!    their establishments too, each entry published by `rpps_publisher::publish` (first
//!    publication, then rebuilds); then `Q` requests (default 200) of each kind through the
//!    directory function's router (in-process, no HTTP): search by name prefix, by commune, by
//!    département, by RPPS number, and the professional's page; DynamoDB calls counted per
//!    request by the interceptor of `rpps_e2e::roundtrips` (target: one per page), latency
//!    median and p95; then every page of a search followed with its cursor.
//! 2. Purge: `S` practice sites (default 10,000) of which `D` (default 100) departed, spread over
//!    4 establishments, imported; `purge_departed` run: items read (target ≈ `D`, not `S`), calls
//!    by operation, time; run again (idempotent: nothing read); then `R - 1` more runs (default
//!    R = 1: moto copies, and keeps, the whole table in every transaction), each on a fresh set
//!    of `D` departed sites, for the median time.
//!
//! cargo run --release -p rpps-e2e --bin directory_bench -- [P] [Q] [S] [D] [R] [--with-stream]
//!
//! `AWS_ENDPOINT_URL` (or `RPPS_TEST_AWS_ENDPOINT`) must point at moto; `make bench` sets it.
//! Each part creates its tables under a prefix of its own, those of infra/template.yaml without
//! the registry's stream unless `--with-stream` (`Store::ensure_tables`: moto deep-copies the
//! whole stream history in every transaction). Calls are
//! made one at a time. Exits non-zero if an invariant fails.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use rpps_directory::DirectoryState;
use rpps_domain::{Finess, PracticeSite, RppsNumber};
use rpps_e2e::bench::{create_tables, moto_endpoint, no_time_limit, percentile};
use rpps_e2e::roundtrips::{RoundTrips, Tally, print_tally};
use rpps_store::{Establishment, ProfessionalRecord, SiteRecord, Store, Tables};
use serde_json::Value;
use time::macros::date;
use time::{Date, OffsetDateTime};
use tower::ServiceExt;

/// The establishments of the directory part: FINESS, commune (INSEE), town.
const ESTABLISHMENTS: [(&str, &str, &str); 6] = [
    ("750012346", "75115", "PARIS"),
    ("010009090", "75111", "PARIS"),
    ("010000024", "01053", "BOURG-EN-BRESSE"),
    ("010780054", "01004", "AMBERIEU-EN-BUGEY"),
    ("690011226", "69123", "LYON"),
    ("440080802", "44109", "NANTES"),
];

/// The establishments of the purge part.
const PURGE_FINESS: [&str; 4] = ["750012346", "010009090", "010000024", "690011226"];

const FAMILIES: [&str; 30] = [
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
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefebvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
];
const GIVEN: [&str; 10] = [
    "Marie",
    "Jean",
    "Nathalie",
    "Pierre",
    "Isabelle",
    "Michel",
    "Sylvie",
    "Philippe",
    "Catherine",
    "Éric",
];

fn establishment(finess: &str, insee: &str, town: &str) -> anyhow::Result<Establishment> {
    Ok(Establishment {
        finess: Finess::parse(finess)?,
        legal_entity_finess: None,
        name: format!("SAAD {town}"),
        long_name: format!("SERVICE D'AIDE A DOMICILE {town}"),
        siret: None,
        category_code: "460".into(),
        category_label: "Service d'Aide et d'Accompagnement à Domicile (S.A.A.D)".into(),
        address: "1 RUE DE LA PAIX".into(),
        postal_code: format!("{}000", &insee[..2]),
        town: town.into(),
        commune_insee: insee.into(),
        phone: None,
        updated_on: Some("2026-10-15".into()),
    })
}

fn site_record(
    seq: u64,
    finess: &Finess,
    end: Option<Date>,
    family: &str,
    given: &str,
) -> anyhow::Result<SiteRecord> {
    let mut site = PracticeSite::new(finess.clone(), date!(2025 - 01 - 06));
    if let Some(end) = end {
        site.end_on(end, date!(2025 - 01 - 06))
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    Ok(SiteRecord {
        rpps: RppsNumber::from_sequence(seq)?,
        site,
        family_name: family.into(),
        given_names: given.into(),
        profession: "aide_a_domicile_qualifiee".into(),
        purged_at: None,
        version: 1,
    })
}

// ---------------------------------------------------------------------------------------------
// Statistics.

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    percentile(times, 50.0)
}

/// One kind of request, measured.
#[derive(Default)]
struct Measured {
    times: Vec<Duration>,
    /// DynamoDB executions per request.
    calls: Vec<u64>,
    results: usize,
    tally: Tally,
}

impl Measured {
    fn add(&mut self, time: Duration, tally: Tally, results: usize) {
        self.times.push(time);
        self.calls.push(tally.executions_total());
        self.results += results;
        for (label, n) in tally.executions {
            *self.tally.executions.entry(label).or_default() += n;
        }
        for (op, n) in tally.attempts {
            *self.tally.attempts.entry(op).or_default() += n;
        }
        for (e, n) in tally.errors {
            *self.tally.errors.entry(e).or_default() += n;
        }
    }

    fn row(&mut self, name: &str, route: &str) -> String {
        self.times.sort();
        let n = self.calls.len().max(1);
        let (min, max) = (
            self.calls.iter().min().copied().unwrap_or(0),
            self.calls.iter().max().copied().unwrap_or(0),
        );
        format!(
            "| {name} | `{route}` | {} | {} | {} ({}) | {:.1} | {} | {} |",
            self.calls.len(),
            if min == max {
                min.to_string()
            } else {
                format!("{min}–{max}")
            },
            self.tally.summary(),
            self.tally.attempts_total(),
            self.results as f64 / n as f64,
            ms(percentile(&self.times, 50.0)),
            ms(percentile(&self.times, 95.0)),
        )
    }
}

// ---------------------------------------------------------------------------------------------

async fn store_with_tables(
    base: &aws_sdk_dynamodb::config::Builder,
    counter: &RoundTrips,
    prefix: &str,
    with_stream: bool,
) -> anyhow::Result<Store> {
    let config = base
        .clone()
        .interceptor(counter.clone())
        .timeout_config(no_time_limit());
    let store = Store::new(
        aws_sdk_dynamodb::Client::from_conf(config.build()),
        Tables::with_prefix(prefix),
    );
    // Without the registry's stream unless asked (the 10,000 imported sites would be 10,000
    // stream records, which moto copies in every transaction).
    create_tables(&store, with_stream).await?;
    counter.take();
    Ok(store)
}

/// GET `uri` on the directory function's router: status, JSON body, time.
async fn get(state: &DirectoryState, uri: &str) -> anyhow::Result<(Value, Duration)> {
    let started = Instant::now();
    let response = rpps_directory::router(state.clone())
        .oneshot(Request::get(uri).body(Body::empty())?)
        .await?;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
    let elapsed = started.elapsed();
    ensure!(
        status == StatusCode::OK,
        "GET {uri}: {status} {}",
        String::from_utf8_lossy(&bytes)
    );
    Ok((serde_json::from_slice(&bytes)?, elapsed))
}

fn results_of(body: &Value) -> usize {
    body["results"].as_array().map_or(0, Vec::len)
}

// ---------------------------------------------------------------------------------------------
// 1. The directory.

async fn directory(
    base: &aws_sdk_dynamodb::config::Builder,
    counter: &RoundTrips,
    pros: usize,
    queries: usize,
    with_stream: bool,
) -> anyhow::Result<Vec<String>> {
    let mut failures = Vec::new();
    let prefix = format!("db{}", uuid::Uuid::new_v4().simple());
    let store = store_with_tables(base, counter, &prefix, with_stream).await?;
    println!("\n== Directory: {pros} professionals, tables {prefix}-*");

    let establishments = ESTABLISHMENTS
        .iter()
        .map(|(f, c, t)| establishment(f, c, t))
        .collect::<anyhow::Result<Vec<_>>>()?;
    store.import_establishments(&establishments).await?;

    // Who: a family name of 30, a given name of 10; one site each, a fifth of them a second
    // site elsewhere.
    let started = Instant::now();
    let mut sites = Vec::new();
    let mut people = Vec::new();
    for i in 0..pros {
        let seq = 1 + i as u64;
        let family = FAMILIES[i % FAMILIES.len()];
        let given = GIVEN[(i / FAMILIES.len()) % GIVEN.len()];
        let rpps = RppsNumber::from_sequence(seq)?;
        store
            .record_professional(
                &ProfessionalRecord {
                    rpps: rpps.clone(),
                    family_name: family.into(),
                    given_names: given.into(),
                },
                None,
                &format!("bench-identity-{seq}"),
                "bench",
            )
            .await?;
        let first = &establishments[i % establishments.len()];
        sites.push(site_record(seq, &first.finess, None, family, given)?);
        if i % 5 == 0 {
            let second = &establishments[(i + 2) % establishments.len()];
            sites.push(site_record(seq, &second.finess, None, family, given)?);
        }
        people.push((rpps, family, given));
    }
    store.import_practice_sites(&sites).await?;
    println!(
        "  recorded {pros} professionals and imported {} practice sites in {}",
        sites.len(),
        ms(started.elapsed())
    );
    counter.take();

    // Publication: first, then a rebuild of everyone.
    let now = OffsetDateTime::now_utc();
    let mut rows = Vec::new();
    for label in ["first publication", "rebuild"] {
        let mut times = Vec::new();
        let mut tally = Measured::default();
        for (rpps, _, _) in &people {
            let started = Instant::now();
            let published = rpps_publisher::publish(&store, rpps, now).await?;
            let elapsed = started.elapsed();
            times.push(elapsed);
            tally.add(elapsed, counter.take(), 0);
            if !published {
                failures.push(format!("{label} of {rpps}: nothing published"));
            }
        }
        let per: BTreeMap<&String, f64> = tally
            .tally
            .executions
            .iter()
            .map(|(l, n)| (l, *n as f64 / people.len() as f64))
            .collect();
        let summary = per
            .iter()
            .map(|(l, n)| format!("{n:.1} × {l}"))
            .collect::<Vec<_>>()
            .join(" + ");
        let (min, max) = (
            tally.calls.iter().min().copied().unwrap_or(0),
            tally.calls.iter().max().copied().unwrap_or(0),
        );
        let total: f64 = per.values().sum();
        let mut sorted = times.clone();
        sorted.sort();
        rows.push(format!(
            "| `publish`, {label} | {} | {total:.1} ({min}–{max}) | {summary} | {} | {} |",
            times.len(),
            ms(median(&mut times)),
            ms(percentile(&sorted, 95.0)),
        ));
        if !tally.tally.errors.is_empty() {
            print_tally(label, &tally.tally);
        }
    }
    println!(
        "\n| what | runs | DynamoDB calls per rebuild (min–max) | by operation, per rebuild | median | p95 |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for r in &rows {
        println!("{r}");
    }

    // The directory function, in-process.
    let state = DirectoryState {
        store: store.clone(),
        public_origin: "https://rpps-plus.localhost".into(),
    };
    let mut kinds: Vec<(&str, &str, Measured)> = vec![
        (
            "search by name prefix",
            "/api/directory?name=…",
            Measured::default(),
        ),
        (
            "search by commune",
            "/api/directory?commune=…",
            Measured::default(),
        ),
        (
            "search by département",
            "/api/directory?departement=…",
            Measured::default(),
        ),
        (
            "search by RPPS number",
            "/api/directory?rpps=…",
            Measured::default(),
        ),
        (
            "professional's page",
            "/api/directory/{rpps}",
            Measured::default(),
        ),
    ];
    let departements = ["75", "01", "69", "44"];
    for q in 0..queries {
        let (rpps, family, given) = &people[(q * 7) % people.len()];
        let folded = rpps_domain::fold(family);
        let name: String = folded.chars().take(3 + q % 3).collect();
        let (_, insee, _) = ESTABLISHMENTS[q % ESTABLISHMENTS.len()];
        let uris = [
            format!("/api/directory?name={name}"),
            format!("/api/directory?commune={insee}"),
            format!(
                "/api/directory?departement={}",
                departements[q % departements.len()]
            ),
            format!("/api/directory?rpps={rpps}"),
            format!("/api/directory/{rpps}"),
        ];
        for (k, uri) in uris.iter().enumerate() {
            counter.take();
            let (body, elapsed) = get(&state, uri).await?;
            let results = if k == 4 {
                usize::from(body["rpps"].as_str() == Some(rpps.as_str()))
            } else {
                results_of(&body)
            };
            if results == 0 {
                failures.push(format!("GET {uri} found nothing ({given} {family})"));
            }
            kinds[k].2.add(elapsed, counter.take(), results);
        }
    }
    println!(
        "\n{queries} requests of each kind (default page: {} results):\n",
        rpps_directory::DEFAULT_PAGE
    );
    println!(
        "| request | route | requests | DynamoDB calls per request | calls in all (attempts) | results per page | median | p95 |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (name, route, m) in &mut kinds {
        println!("{}", m.row(name, route));
        if m.calls.iter().any(|&c| c != 1) {
            failures.push(format!("{name}: not one DynamoDB call per request"));
        }
    }

    // Every page, cursor after cursor.
    println!("\nPaging through every result (limit 20, then the cursor):\n");
    println!("| search | results | pages | DynamoDB calls | calls per page | time in all |");
    println!("| --- | --- | --- | --- | --- | --- |");
    let expected_in = |departement: &str| {
        people
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                let mut at = vec![i % ESTABLISHMENTS.len()];
                if i % 5 == 0 {
                    at.push((i + 2) % ESTABLISHMENTS.len());
                }
                at.iter()
                    .any(|e| ESTABLISHMENTS[*e].1.starts_with(departement))
            })
            .count()
    };
    for (search, expected) in [
        ("departement=75", expected_in("75")),
        ("departement=01", expected_in("01")),
        (
            "name=ma",
            people
                .iter()
                .filter(|(_, f, _)| rpps_domain::fold(f).starts_with("ma"))
                .count(),
        ),
    ] {
        counter.take();
        let started = Instant::now();
        let mut cursor: Option<String> = None;
        let (mut pages, mut results) = (0, 0);
        loop {
            let uri = match &cursor {
                Some(c) => format!("/api/directory?{search}&limit=20&cursor={c}"),
                None => format!("/api/directory?{search}&limit=20"),
            };
            let (body, _) = get(&state, &uri).await?;
            pages += 1;
            results += results_of(&body);
            match body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
            ensure!(pages < 10_000, "{search}: the cursor never ends");
        }
        let elapsed = started.elapsed();
        let tally = counter.take();
        println!(
            "| `{search}` | {results} | {pages} | {} | {:.2} | {} |",
            tally.executions_total(),
            tally.executions_total() as f64 / pages as f64,
            ms(elapsed)
        );
        if results != expected {
            failures.push(format!("{search}: {results} results, {expected} expected"));
        }
        if tally.executions_total() != pages as u64 {
            failures.push(format!(
                "{search}: {} calls for {pages} pages",
                tally.executions_total()
            ));
        }
    }
    Ok(failures)
}

// ---------------------------------------------------------------------------------------------
// 2. The purge.

async fn purge(
    base: &aws_sdk_dynamodb::config::Builder,
    counter: &RoundTrips,
    total: usize,
    departed: usize,
    runs: usize,
    with_stream: bool,
) -> anyhow::Result<Vec<String>> {
    let mut failures = Vec::new();
    let prefix = format!("pb{}", uuid::Uuid::new_v4().simple());
    let store = store_with_tables(base, counter, &prefix, with_stream).await?;
    println!(
        "\n== Purge: {total} practice sites, {departed} departed, over {} establishments, tables {prefix}-*",
        PURGE_FINESS.len()
    );
    let finess = PURGE_FINESS
        .iter()
        .map(|f| Finess::parse(f))
        .collect::<Result<Vec<_>, _>>()?;
    let today = date!(2026 - 11 - 26);
    let left = date!(2026 - 11 - 20);
    // Sequence numbers: the departed ones spread evenly among the others.
    let step = total / departed.max(1);
    let mut sites = Vec::with_capacity(total);
    for i in 0..total {
        let end = (departed > 0 && i % step == 0 && i / step < departed).then_some(left);
        // The departed ones in turn at each establishment, the others too.
        let at = if end.is_some() { i / step } else { i };
        sites.push(site_record(
            1 + i as u64,
            &finess[at % finess.len()],
            end,
            FAMILIES[i % FAMILIES.len()],
            GIVEN[i % GIVEN.len()],
        )?);
    }
    let started = Instant::now();
    store.import_practice_sites(&sites).await?;
    let import = started.elapsed();
    let import_tally = counter.take();
    println!(
        "  imported {total} sites in {} ({})",
        ms(import),
        import_tally.summary()
    );

    let actor = "scheduler:bench";
    let mut times = Vec::new();
    let mut table = Vec::new();
    let mut run = |label: String,
                   report: &rpps_store::PurgeReport,
                   elapsed: Duration,
                   tally: &Tally| {
        if table.is_empty() {
            println!(
                "\n| run | items read | sites purged | Query | TransactWriteItems | DynamoDB calls | time |"
            );
            println!("| --- | --- | --- | --- | --- | --- | --- |");
        }
        // Printed as it goes: moto slows down (and grows) with every transaction.
        println!(
            "| {label} | {} | {} | {} | {} | {} | {} |",
            report.read,
            report.purged.len(),
            tally.count("Query"),
            tally.count("TransactWriteItems"),
            tally.summary(),
            ms(elapsed)
        );
        table.push(format!(
            "| {label} | {} | {} | {} | {} | {} | {} |",
            report.read,
            report.purged.len(),
            tally.count("Query"),
            tally.count("TransactWriteItems"),
            tally.summary(),
            ms(elapsed)
        ));
    };

    // First run: the departed sites go; second run: nothing left to read.
    let started = Instant::now();
    let report = store
        .purge_departed(today, actor, OffsetDateTime::now_utc())
        .await?;
    let elapsed = started.elapsed();
    let tally = counter.take();
    run(format!("1st run ({total} sites)"), &report, elapsed, &tally);
    times.push(elapsed);
    if (report.read, report.purged.len(), report.skipped) != (departed, departed, 0) {
        failures.push(format!(
            "1st run: read {}, purged {}, skipped {} ({departed} expected)",
            report.read,
            report.purged.len(),
            report.skipped
        ));
    }
    if !tally.errors.is_empty() || tally.attempts_total() != tally.executions_total() {
        print_tally("1st run", &tally);
    }
    let started = Instant::now();
    let again = store
        .purge_departed(today, actor, OffsetDateTime::now_utc())
        .await?;
    let elapsed = started.elapsed();
    let tally = counter.take();
    run("2nd run, same day".into(), &again, elapsed, &tally);
    if (again.read, again.purged.len()) != (0, 0) {
        failures.push(format!(
            "2nd run: read {}, purged {} (0 expected)",
            again.read,
            again.purged.len()
        ));
    }

    // What the directory now holds.
    let mut staff = Vec::new();
    for f in &finess {
        staff.extend(store.staff_of(f).await?);
    }
    counter.take();
    let published = staff.iter().filter(|s| s.is_published()).count();
    let purged = staff.len() - published;
    println!("  after the purge: {published} sites published, {purged} purged");
    if (published, purged) != (total - departed, departed) {
        failures.push(format!(
            "after the purge: {published} published and {purged} purged, {} and {departed} expected",
            total - departed
        ));
    }

    // More runs, each on a fresh set of departed sites.
    for r in 2..=runs {
        let base = (total + (r - 2) * departed) as u64;
        let fresh = (0..departed)
            .map(|i| {
                site_record(
                    base + 1 + i as u64,
                    &finess[i % finess.len()],
                    Some(left),
                    FAMILIES[i % FAMILIES.len()],
                    GIVEN[i % GIVEN.len()],
                )
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        store.import_practice_sites(&fresh).await?;
        counter.take();
        let started = Instant::now();
        let report = store
            .purge_departed(today, actor, OffsetDateTime::now_utc())
            .await?;
        let elapsed = started.elapsed();
        let tally = counter.take();
        times.push(elapsed);
        run(
            format!(
                "run {r} (fresh {departed} departed, {} sites)",
                base as usize + departed
            ),
            &report,
            elapsed,
            &tally,
        );
        if (report.read, report.purged.len()) != (departed, departed) {
            failures.push(format!(
                "run {r}: read {}, purged {} ({departed} expected)",
                report.read,
                report.purged.len()
            ));
        }
    }
    let mut sorted = times.clone();
    println!(
        "\npurge of {departed} departed sites among {total}+: median {} over {} runs (min {}, max {}); import of {total} sites: {}",
        ms(median(&mut sorted)),
        times.len(),
        ms(sorted.first().copied().unwrap_or_default()),
        ms(sorted.last().copied().unwrap_or_default()),
        ms(import)
    );
    Ok(failures)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let with_stream = std::env::args().any(|a| a == "--with-stream");
    let numbers = std::env::args()
        .skip(1)
        .filter(|a| a != "--with-stream")
        .map(|a| {
            a.parse::<usize>()
                .with_context(|| format!("not a count: {a}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let arg = |i: usize, default: usize| numbers.get(i).copied().unwrap_or(default);
    let (pros, queries, total, departed, runs) = (
        arg(0, 300),
        arg(1, 200),
        arg(2, 10_000),
        arg(3, 100),
        arg(4, 1),
    );
    ensure!(departed <= total && runs > 0, "bad counts");
    let endpoint = moto_endpoint()?;
    // The functions' SDK configuration (rpps_runtime::aws).
    let base =
        aws_sdk_dynamodb::config::Builder::from(&rpps_runtime::aws::for_local_endpoint(&endpoint));
    let counter = RoundTrips::default();
    println!(
        "directory and purge bench: moto at {endpoint}, one call at a time, tables {}",
        if with_stream {
            "with the registry stream (Store::ensure_tables)"
        } else {
            "without the registry stream"
        }
    );

    // P = 0: the purge only.
    let mut failures = if pros > 0 {
        directory(&base, &counter, pros, queries, with_stream).await?
    } else {
        Vec::new()
    };
    failures.extend(purge(&base, &counter, total, departed, runs, with_stream).await?);
    if failures.is_empty() {
        println!("\nall invariants hold");
        Ok(())
    } else {
        for f in failures.iter().take(50) {
            eprintln!("FAILED: {f}");
        }
        bail!("{} invariant failures", failures.len())
    }
}
