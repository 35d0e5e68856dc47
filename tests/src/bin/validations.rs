//! Validations under concurrency, and DynamoDB round trips per user action (issue #4,
//! "Performance and scale"; figures in docs/PERFORMANCE.md).
//!
//! 1. Round trips: the store calls each HTTP handler of `rpps-registrations` makes (and the
//!    session read of the signed-in extractor), run once each and counted by an SDK interceptor
//!    on the DynamoDB client: executions per operation, labelled by table, key prefix or index.
//! 2. `N` submitted requests of `N` different people (default 200: the issue asks for 500, more
//!    than moto can hold, see docs/PERFORMANCE.md), validated all at once (one tokio task each,
//!    released together by a barrier): `N` distinct numbers with a valid Luhn key, every
//!    request validated with its professional record and identity claim, none twice.
//! 3. `M` concurrent validations of one request (default 50): one number, the same for everyone.
//!
//! cargo run --release -p rpps-e2e --bin validations -- [N] [M] [--production-timeouts]
//!     [--in-flight K] [--with-stream]
//!
//! `AWS_ENDPOINT_URL` (or `RPPS_TEST_AWS_ENDPOINT`) must point at moto; `make bench` sets it.
//! By default the SDK's timeouts are lifted (moto serves one call at a time: hundreds of calls
//! in flight queue for minutes); `--production-timeouts` keeps those of the functions (3 s per
//! attempt, 8 s per operation, 2 attempts). moto gets one call at a time (`--in-flight 1`, see
//! `Gated`: its transactions are not isolated between threads); `--in-flight 0` lifts the limit,
//! to see moto fail. The registry table is created without its stream unless `--with-stream`
//! (moto copies the whole stream history in every transaction). Exits non-zero if an invariant
//! fails.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{RuntimeComponents, StalledStreamProtectionConfig};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use rpps_domain::{
    Actor, Attestation, BirthDate, BirthPlace, CivilStatus, Contact, DraftUpdate, EligibilityBasis,
    Email, Finess, PersonName, RegistrationRequest, RegistrationStatus, RejectionReason, Role,
    RppsNumber, TransitionError, Validation,
};
use rpps_e2e::roundtrips::{RoundTrips, Tally, print_tally};
use rpps_store::{OutboxEvent, Store, StoredRegistration, Tables, ValidateError, keys};
use time::OffsetDateTime;
use time::macros::date;
use tokio::sync::{Barrier, Semaphore};

const FINESS: &str = "750012346";
const MANAGER_ID: &str = "3750012346/42";

// ---------------------------------------------------------------------------------------------
// At most `n` calls on the wire at once. moto 5.2.5 serves each call on a thread of its own and
// its TransactWriteItems is neither isolated nor atomic across threads: it deep-copies the table
// for its rollback while other threads write to it ("dictionary changed size during iteration",
// an HTTP 500), and a cancelled transaction restores that copy over writes other threads made
// meanwhile. DynamoDB makes every call atomic and isolated; letting moto serve one call at a time
// gives the store that same guarantee, while the validations still interleave call by call.

#[derive(Debug, Clone)]
struct Gated {
    inner: SharedHttpClient,
    gate: Arc<Semaphore>,
}

#[derive(Debug)]
struct GatedConnector {
    inner: SharedHttpConnector,
    gate: Arc<Semaphore>,
}

impl HttpClient for Gated {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(GatedConnector {
            inner: self.inner.http_connector(settings, components),
            gate: self.gate.clone(),
        })
    }
}

impl HttpConnector for GatedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, gate) = (self.inner.clone(), self.gate.clone());
        HttpConnectorFuture::new(async move {
            let _permit = gate
                .acquire_owned()
                .await
                .map_err(|e| ConnectorError::other(e.into(), None))?;
            inner.call(request).await
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The people, the manager, the requests.

fn civil(family: &str) -> anyhow::Result<CivilStatus> {
    Ok(CivilStatus {
        family_name: PersonName::parse(family)?,
        given_names: PersonName::parse("Élodie")?,
        birth_date: BirthDate::parse("1990-05-17", date!(2026 - 11 - 26))?,
        birth_place: BirthPlace::from_franceconnect("69383", "99100")?,
    })
}

/// A family name per index, letters only (names refuse digits): 0 → `Banc-Aaa`, 1 → `Banc-Aab`…
fn family_name(i: usize) -> String {
    let mut letters = [b'a'; 3];
    let mut n = i;
    for slot in letters.iter_mut().rev() {
        *slot = b'a' + (n % 26) as u8;
        n /= 26;
    }
    let tail: String = letters.iter().map(|&b| char::from(b)).collect();
    let mut chars = tail.chars();
    let capitalised: String = chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .into_iter()
        .chain(chars)
        .collect();
    format!("Banc-{capitalised}")
}

fn manager() -> anyhow::Result<Actor> {
    Ok(Actor::new(
        MANAGER_ID,
        Role::Manager {
            establishments: vec![Finess::parse(FINESS)?],
        },
    ))
}

fn attestation(manager: &Actor, at: OffsetDateTime) -> Attestation {
    Attestation::new(manager, EligibilityBasis::Certification, true, at)
}

fn draft_fields(establishment: bool) -> anyhow::Result<DraftUpdate> {
    Ok(DraftUpdate {
        contact: Some(Contact {
            email: Email::parse("elodie@example.org")?,
            mobile: None,
        }),
        establishment: establishment.then(|| Finess::parse(FINESS)).transpose()?,
        start_date: establishment.then_some(date!(2026 - 09 - 01)),
        eligibility: establishment.then_some(EligibilityBasis::Certification),
        accuracy_confirmed: Some(true),
        ..DraftUpdate::default()
    })
}

/// A submitted self-service request, as the functions would have written it.
async fn submitted(
    store: &Store,
    id: &str,
    sub: &str,
    family: &str,
) -> anyhow::Result<StoredRegistration> {
    let now = OffsetDateTime::now_utc();
    let actor = Actor::new(sub, Role::Applicant);
    let draft = RegistrationRequest::new_self_service(id, &actor, civil(family)?, now)?;
    let stored = store.create_registration(&draft, sub).await?;
    let mut request = stored.request.clone();
    request.update_draft(&actor, draft_fields(true)?, now)?;
    let saved = store
        .save_registration(&stored, &request, sub, "registration.update", None)
        .await?;
    request.submit(&actor, now)?;
    Ok(store
        .save_registration(&saved, &request, sub, "registration.submit", None)
        .await?)
}

async fn counter_value(store: &Store) -> anyhow::Result<u64> {
    let (pk, sk) = keys::rpps_counter();
    let out = store
        .client()
        .get_item()
        .table_name(&store.tables().registry)
        .key(keys::PK, AttributeValue::S(pk.into()))
        .key(keys::SK, AttributeValue::S(sk.into()))
        .consistent_read(true)
        .send()
        .await?;
    Ok(match out.item.as_ref().and_then(|i| i.get("value")) {
        Some(v) => v
            .as_n()
            .map_err(|_| anyhow::anyhow!("counter value is not a number"))?
            .parse()?,
        None => 0,
    })
}

/// The request a professional record points back to, if the record exists.
async fn professional_request(store: &Store, rpps: &RppsNumber) -> anyhow::Result<Option<String>> {
    let out = store
        .client()
        .get_item()
        .table_name(&store.tables().registry)
        .key(
            keys::PK,
            AttributeValue::S(keys::professional(rpps.as_str())),
        )
        .key(keys::SK, AttributeValue::S(keys::PROFESSIONAL_SK.into()))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out
        .item
        .and_then(|i| i.get("request_id").and_then(|v| v.as_s().ok()).cloned()))
}

// ---------------------------------------------------------------------------------------------
// Statistics.

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // Nearest rank.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

// ---------------------------------------------------------------------------------------------
// 1. Round trips per user action.

struct Action {
    name: &'static str,
    route: &'static str,
    calls: &'static str,
    tally: Tally,
}

async fn session_read(store: &Store, hash: &str) -> anyhow::Result<()> {
    let found = store
        .session::<serde_json::Value>(hash, OffsetDateTime::now_utc())
        .await?;
    ensure!(found.is_some(), "the bench session is missing");
    Ok(())
}

async fn round_trips(store: &Store, counter: &RoundTrips) -> anyhow::Result<Vec<Action>> {
    let now = OffsetDateTime::now_utc();
    let manager = manager()?;
    let sub = "rt-sub-1";
    let applicant = Actor::new(sub, Role::Applicant);
    let hash = "rt-session";
    store
        .put_session(
            hash,
            &serde_json::json!({ "bench": true }),
            now + time::Duration::hours(1),
        )
        .await?;
    // Someone else's submitted request, to reject.
    submitted(store, "rt-2", "rt-sub-2", "Rejet").await?;
    counter.take();
    let mut actions = Vec::new();
    let mut record = |name, route, calls| {
        actions.push(Action {
            name,
            route,
            calls,
            tally: counter.take(),
        });
    };

    session_read(store, hash).await?;
    record(
        "session read (every signed-in request)",
        "every route with the `SignedIn` extractor",
        "`session` (plus `put_session` once every 5 minutes: sliding expiry)",
    );

    session_read(store, hash).await?;
    let draft = RegistrationRequest::new_self_service("rt-1", &applicant, civil("Mesure")?, now)?;
    let created = store.create_registration(&draft, sub).await?;
    record(
        "draft creation",
        "`POST /api/registrations`",
        "`create_registration`",
    );

    session_read(store, hash).await?;
    let read = store.registration("rt-1").await?.context("draft missing")?;
    let mut request = read.request.clone();
    request.update_draft(&applicant, draft_fields(false)?, now)?;
    let saved = store
        .save_registration(&read, &request, sub, "registration.update", None)
        .await?;
    ensure!(saved.version == created.version + 1);
    record(
        "draft save (contact fields)",
        "`PATCH /api/registrations/{id}`",
        "`registration`, `save_registration`",
    );

    session_read(store, hash).await?;
    let read = store.registration("rt-1").await?.context("draft missing")?;
    store.establishment(&Finess::parse(FINESS)?).await?;
    let mut request = read.request.clone();
    request.update_draft(&applicant, draft_fields(true)?, now)?;
    store
        .save_registration(&read, &request, sub, "registration.update", None)
        .await?;
    record(
        "draft save (establishment chosen)",
        "`PATCH /api/registrations/{id}`",
        "`registration`, `establishment`, `save_registration`",
    );

    session_read(store, hash).await?;
    let read = store.registration("rt-1").await?.context("draft missing")?;
    let mut request = read.request.clone();
    request.submit(&applicant, now)?;
    let event = OutboxEvent::new(
        "registration.submitted",
        keys::registration("rt-1"),
        &serde_json::json!({ "request_id": "rt-1", "establishment": FINESS }),
        now,
    );
    store
        .save_registration(&read, &request, sub, "registration.submit", Some(&event))
        .await?;
    record(
        "submission",
        "`POST /api/registrations/{id}/submit`",
        "`registration`, `save_registration` (with the outbox event)",
    );

    session_read(store, hash).await?;
    let mine = store.registrations_of_applicant(sub).await?;
    ensure!(mine.len() == 1, "one request of rt-sub-1");
    record(
        "status read (applicant)",
        "`GET /api/registrations/mine`",
        "`registrations_of_applicant`",
    );

    session_read(store, hash).await?;
    let queue = store.pending_registrations(FINESS, 100).await?;
    ensure!(queue.len() == 2, "two requests pending");
    record(
        "managers' queue (one establishment)",
        "`GET /api/manager/registrations`",
        "`pending_registrations` per establishment of the manager",
    );

    session_read(store, hash).await?;
    store
        .registration("rt-1")
        .await?
        .context("request missing")?;
    record(
        "request detail (manager)",
        "`GET /api/manager/registrations/{id}`",
        "`registration`",
    );

    session_read(store, hash).await?;
    let at = OffsetDateTime::now_utc();
    let validation = validate_as_the_handler(store, "rt-1", &manager, at).await?;
    ensure!(validation.newly_validated);
    record(
        "validation with allocation",
        "`POST /api/manager/registrations/{id}/validate`",
        "`registration` (visibility), `validate_read_registration` (of that read)",
    );

    session_read(store, hash).await?;
    let again = validate_as_the_handler(store, "rt-1", &manager, at).await?;
    ensure!(!again.newly_validated && again.rpps == validation.rpps);
    record(
        "validation repeated (already validated)",
        "`POST /api/manager/registrations/{id}/validate`",
        "`registration` (visibility), `validate_read_registration` (of that read)",
    );

    session_read(store, hash).await?;
    let read = store
        .registration("rt-2")
        .await?
        .context("request missing")?;
    let mut request = read.request.clone();
    let reason = RejectionReason::parse("Diplôme non reconnu")?;
    request.reject(&manager, reason, at)?;
    let event = OutboxEvent::new(
        "registration.rejected",
        keys::registration("rt-2"),
        &serde_json::json!({ "request_id": "rt-2" }),
        at,
    );
    store
        .save_registration(
            &read,
            &request,
            MANAGER_ID,
            "registration.reject",
            Some(&event),
        )
        .await?;
    record(
        "rejection",
        "`POST /api/manager/registrations/{id}/reject`",
        "`registration`, `save_registration` (with the event, freeing the claim)",
    );

    Ok(actions)
}

// ---------------------------------------------------------------------------------------------
// 2 and 3. Validations under concurrency.

struct Outcome {
    id: String,
    result: Result<Validation, ValidateError>,
    latency: Duration,
}

/// What `POST /api/manager/registrations/{id}/validate` asks of the store: the visibility read
/// (`read_visible`: 404, 403), then the validation of that read (the counter and the
/// transaction; a new read only if the transaction is cancelled).
async fn validate_as_the_handler(
    store: &Store,
    id: &str,
    manager: &Actor,
    at: OffsetDateTime,
) -> Result<Validation, ValidateError> {
    let read = store
        .registration(id)
        .await?
        .ok_or(ValidateError::NotFound)?;
    if !read.request.is_visible_to(manager) {
        return Err(TransitionError::NotYourEstablishment.into());
    }
    store
        .validate_read_registration(read, manager, attestation(manager, at), at)
        .await
}

/// Runs `ids` validations at once: one task each, released together. Wall time and outcomes.
async fn validate_all(store: &Store, ids: Vec<String>) -> anyhow::Result<(Duration, Vec<Outcome>)> {
    let manager = manager()?;
    let barrier = Arc::new(Barrier::new(ids.len() + 1));
    let mut tasks = Vec::with_capacity(ids.len());
    for id in ids {
        let (store, manager, barrier) = (store.clone(), manager.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let start = Instant::now();
            let at = OffsetDateTime::now_utc();
            let result = validate_as_the_handler(&store, &id, &manager, at).await;
            Outcome {
                id,
                result,
                latency: start.elapsed(),
            }
        }));
    }
    barrier.wait().await;
    let start = Instant::now();
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(task.await?);
    }
    Ok((start.elapsed(), outcomes))
}

fn latency_line(outcomes: &[Outcome]) -> (Duration, Duration, Duration, Duration) {
    let mut latencies: Vec<Duration> = outcomes.iter().map(|o| o.latency).collect();
    latencies.sort();
    (
        percentile(&latencies, 50.0),
        percentile(&latencies, 95.0),
        percentile(&latencies, 99.0),
        latencies.last().copied().unwrap_or_default(),
    )
}

/// `n` requests of `n` people validated at once. The failed invariants, as messages.
async fn many_requests(
    store: &Store,
    counter: &RoundTrips,
    n: usize,
) -> anyhow::Result<Vec<String>> {
    println!("\n== {n} concurrent validations of {n} different requests");
    let setup = Instant::now();
    let gate = Arc::new(Semaphore::new(8));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let (store, gate) = (store.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await?;
            submitted(
                &store,
                &format!("many-{i:04}"),
                &format!("many-sub-{i:04}"),
                &family_name(i),
            )
            .await
        }));
    }
    for task in tasks {
        task.await??;
    }
    let prepared = counter.take();
    println!(
        "  prepared {n} submitted requests in {:.1} s ({} calls, 8 at a time)",
        setup.elapsed().as_secs_f64(),
        prepared.executions_total()
    );

    let before = counter_value(store).await?;
    counter.take();
    let ids: Vec<String> = (0..n).map(|i| format!("many-{i:04}")).collect();
    let (wall, outcomes) = validate_all(store, ids).await?;
    let tally = counter.take();
    let after = counter_value(store).await?;

    let mut failures = Vec::new();
    let mut numbers: BTreeMap<String, String> = BTreeMap::new();
    let mut errors = 0;
    let mut not_new = 0;
    for outcome in &outcomes {
        match &outcome.result {
            Ok(v) => {
                if RppsNumber::parse(v.rpps.as_str()).ok().as_ref() != Some(&v.rpps) {
                    failures.push(format!(
                        "{}: {} has no valid key",
                        outcome.id,
                        v.rpps.as_str()
                    ));
                }
                if !v.newly_validated {
                    not_new += 1;
                }
                if let Some(other) = numbers.insert(v.rpps.as_str().to_owned(), outcome.id.clone())
                {
                    failures.push(format!(
                        "{} given to both {other} and {}",
                        v.rpps.as_str(),
                        outcome.id
                    ));
                }
            }
            Err(e) => {
                errors += 1;
                failures.push(format!("{}: {e}", outcome.id));
            }
        }
    }
    if numbers.len() != n {
        failures.push(format!(
            "{} distinct numbers for {n} requests",
            numbers.len()
        ));
    }
    // Nothing lost: every request validated with its number, its professional record and the
    // claim that stops a second number, all read back.
    let check = Instant::now();
    let mut lost = 0;
    for outcome in &outcomes {
        let Ok(v) = &outcome.result else { continue };
        let read = store.registration(&outcome.id).await?;
        let status_ok = read.as_ref().is_some_and(|r| {
            r.request.status()
                == &RegistrationStatus::Validated {
                    rpps: v.rpps.clone(),
                }
        });
        let record_ok = professional_request(store, &v.rpps).await?.as_deref() == Some(&outcome.id);
        let sub = outcome.id.replace("many-", "many-sub-");
        let claim_ok = store.rpps_of_franceconnect_subject(&sub).await?.as_ref() == Some(&v.rpps);
        if !(status_ok && record_ok && claim_ok) {
            lost += 1;
            failures.push(format!(
                "{}: request validated {status_ok}, professional record {record_ok}, claim {claim_ok}",
                outcome.id
            ));
        }
    }
    let pending = store.pending_registrations(FINESS, 1000).await?;
    let still_pending = pending
        .iter()
        .filter(|p| p.request.id().starts_with("many-"))
        .count();
    if still_pending > 0 {
        failures.push(format!(
            "{still_pending} requests still in the managers' queue"
        ));
    }
    counter.take();

    let (p50, p95, p99, max) = latency_line(&outcomes);
    let taken = after - before;
    println!("  wall time            {:.2} s", wall.as_secs_f64());
    println!(
        "  throughput           {:.1} validations/s",
        n as f64 / wall.as_secs_f64()
    );
    println!(
        "  latency              median {}, p95 {}, p99 {}, max {}",
        ms(p50),
        ms(p95),
        ms(p99),
        ms(max)
    );
    println!(
        "  numbers              {} distinct, all with a valid key: {}; errors {errors}; already validated {not_new}",
        numbers.len(),
        !failures.iter().any(|f| f.contains("valid key"))
    );
    println!(
        "  read back            {n} requests, records and claims in {:.1} s: {lost} lost, {still_pending} still pending",
        check.elapsed().as_secs_f64()
    );
    println!(
        "  sequence             {taken} values taken for {} numbers given ({} gaps, never reused)",
        numbers.len(),
        taken.saturating_sub(numbers.len() as u64)
    );
    println!(
        "  validation attempts  {} transactions for {n} validations (a transaction lost to a concurrent write is retried by the store)",
        tally.count("TransactWriteItems")
    );
    print_tally("DynamoDB calls during the run", &tally);
    Ok(failures)
}

/// `m` managers validating one request at once. The failed invariants, as messages.
async fn one_request(store: &Store, counter: &RoundTrips, m: usize) -> anyhow::Result<Vec<String>> {
    println!("\n== {m} concurrent validations of one request");
    submitted(store, "one-0001", "one-sub-0001", "Unique").await?;
    let before = counter_value(store).await?;
    counter.take();
    let (wall, outcomes) = validate_all(store, vec!["one-0001".to_owned(); m]).await?;
    let tally = counter.take();
    let after = counter_value(store).await?;
    let mut failures = Vec::new();
    let mut numbers = BTreeSet::new();
    let mut newly = 0;
    for outcome in &outcomes {
        match &outcome.result {
            Ok(v) => {
                numbers.insert(v.rpps.clone());
                if v.newly_validated {
                    newly += 1;
                }
            }
            Err(e) => failures.push(format!("caller of {}: {e}", outcome.id)),
        }
    }
    if numbers.len() != 1 {
        failures.push(format!("{} different numbers: {numbers:?}", numbers.len()));
    }
    if newly != 1 {
        failures.push(format!("{newly} callers were told they validated it first"));
    }
    let read = store
        .registration("one-0001")
        .await?
        .context("request missing")?;
    match (read.request.status(), numbers.first()) {
        (RegistrationStatus::Validated { rpps }, Some(given)) if rpps == given => {
            if professional_request(store, rpps).await?.as_deref() != Some("one-0001") {
                failures.push("no professional record for the number".to_owned());
            }
        }
        (status, given) => failures.push(format!("stored {status:?}, given {given:?}")),
    }
    counter.take();
    let (p50, p95, p99, max) = latency_line(&outcomes);
    let taken = after - before;
    println!("  wall time            {:.2} s", wall.as_secs_f64());
    println!(
        "  latency              median {}, p95 {}, p99 {}, max {}",
        ms(p50),
        ms(p95),
        ms(p99),
        ms(max)
    );
    println!(
        "  numbers              {} distinct ({}), {newly} caller told \"newly validated\", {} errors",
        numbers.len(),
        numbers
            .iter()
            .map(RppsNumber::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        failures.len()
    );
    println!(
        "  sequence             {taken} values taken, 1 used: {} gaps (never reused)",
        taken.saturating_sub(1)
    );
    println!(
        "  transactions         {} tried, 1 committed, {} cancelled (version check)",
        tally.count("TransactWriteItems"),
        tally
            .errors
            .iter()
            .filter(|(k, _)| k.starts_with("TransactWriteItems"))
            .map(|(_, n)| n)
            .sum::<u64>()
    );
    print_tally("DynamoDB calls during the run", &tally);
    Ok(failures)
}

// ---------------------------------------------------------------------------------------------

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut numbers = Vec::new();
    let mut production_timeouts = false;
    let mut in_flight = 1;
    let mut with_stream = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--production-timeouts" {
            production_timeouts = true;
        } else if arg == "--with-stream" {
            with_stream = true;
        } else if arg == "--in-flight" {
            in_flight = args
                .next()
                .context("--in-flight needs a count (0: no limit)")?
                .parse()?;
        } else {
            numbers.push(
                arg.parse::<usize>()
                    .with_context(|| format!("not a count: {arg}"))?,
            );
        }
    }
    let n = numbers.first().copied().unwrap_or(200);
    let m = numbers.get(1).copied().unwrap_or(50);
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .or_else(|_| std::env::var("RPPS_TEST_AWS_ENDPOINT"))
        .context("AWS_ENDPOINT_URL is not set: run with `make bench`, which starts moto")?;

    let counter = RoundTrips::default();
    // The functions' SDK configuration (rpps_api::aws), with the counting interceptor.
    let sdk = rpps_api::aws::for_local_endpoint(&endpoint);
    let mut config = aws_sdk_dynamodb::config::Builder::from(&sdk).interceptor(counter.clone());
    if in_flight > 0 {
        let https = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
            ))
            .build_https();
        config = config
            .http_client(Gated {
                inner: https,
                gate: Arc::new(Semaphore::new(in_flight)),
            })
            // A call waiting for its turn sends no byte: not a stalled upload.
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled());
    }
    if !production_timeouts {
        // No time limit: behind the one-call-at-a-time gate a call may wait minutes for its
        // turn, and a timeout there would be the bench's, not the store's.
        config = config.timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .disable_operation_attempt_timeout()
                .disable_operation_timeout()
                .build(),
        );
    }
    let prefix = format!("vb{}", uuid::Uuid::new_v4().simple());
    let store = Store::new(
        aws_sdk_dynamodb::Client::from_conf(config.build()),
        Tables::with_prefix(&prefix),
    );
    if with_stream {
        store.ensure_tables().await?;
    } else {
        // The tables of infra/template.yaml without the registry's stream: moto keeps every
        // stream record for ever and deep-copies them with the table in each transaction, so
        // its transactions slow down with every write made since it started. The stream only
        // feeds the mailer and the directory, which this bench does not run.
        let mut specs = rpps_store::schema::table_specs()?;
        specs.registry.stream_view = None;
        let tables = store.tables();
        specs
            .registry
            .create_if_missing(store.client(), &tables.registry)
            .await?;
        specs
            .sessions
            .create_if_missing(store.client(), &tables.sessions)
            .await?;
    }
    println!(
        "validations bench: moto at {endpoint}, tables {prefix}-* ({}), calls on the wire at once: {}, SDK timeouts: {}",
        if with_stream {
            "with the registry stream"
        } else {
            "without the registry stream"
        },
        if in_flight == 0 {
            "no limit".to_owned()
        } else {
            in_flight.to_string()
        },
        if production_timeouts {
            "the functions' (3 s per attempt, 8 s per operation, 2 attempts)"
        } else {
            "none per attempt or operation, 2 attempts as in the functions"
        }
    );

    println!("\n== DynamoDB round trips per user action (store calls of the HTTP handlers)");
    let actions = round_trips(&store, &counter).await?;
    println!("\n| action | route | store calls | DynamoDB calls | total |");
    println!("| --- | --- | --- | --- | --- |");
    for a in &actions {
        println!(
            "| {} | {} | {} | {} | {} |",
            a.name,
            a.route,
            a.calls,
            a.tally.summary(),
            a.tally.executions_total()
        );
    }
    let mut compositions = BTreeSet::new();
    for a in &actions {
        for (label, parts) in &a.tally.transactions {
            compositions.insert(format!("{} — {label}: {parts}", a.name));
        }
        if a.tally.attempts_total() != a.tally.executions_total() || !a.tally.errors.is_empty() {
            println!(
                "  note: {} had retries or errors: {:?}",
                a.name, a.tally.errors
            );
        }
    }
    println!("\nTransactions:");
    for c in compositions {
        println!("  {c}");
    }

    let mut failures = many_requests(&store, &counter, n).await?;
    failures.extend(one_request(&store, &counter, m).await?);
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
