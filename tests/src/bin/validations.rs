//! Validations under concurrency, and DynamoDB round trips per user action (issue #4,
//! "Performance and scale"; figures in docs/PERFORMANCE.md).
//!
//! 1. Round trips: the store calls each HTTP handler of `rpps-registrations` makes (and the
//!    session read of the signed-in extractor), run once each and counted by an SDK interceptor
//!    on the DynamoDB client: executions per operation, labelled by table, key prefix or index.
//! 2. `N` submitted requests of `N` different people (default 200; `VALIDATIONS=500 make bench`
//!    for the 500), validated all at once (one tokio task each, released together by a
//!    barrier, each making the validation handler's store calls): `N` distinct numbers with a
//!    valid Luhn key, every request validated with its professional record and identity claim,
//!    none twice. The people are born in one place, 29 days apart (about 13 a year): those of
//!    one year share an identity partition (FAQ-R12) whose lock lets one validation commit at
//!    a time, so the others look again (counted: transactions per validation).
//! 3. `M` concurrent validations of one request (default 50): one number, the same for everyone.
//!
//! cargo run --release -p rpps-e2e --bin validations -- [N] [M] [--production-timeouts]
//!     [--in-flight K] [--with-stream] [--moto-budget-gb G] [--bulk]
//!
//! `--bulk` (issue 19): the `N` requests are validated as the managers' bulk validation does it
//! (`POST /api/manager/registrations/validations`: calls of 50, one after the other, each
//! validating a few at a time) instead of all at once.
//!
//! `AWS_ENDPOINT_URL` (or `RPPS_TEST_AWS_ENDPOINT`) must point at moto; `make bench` sets it.
//! By default the SDK's timeouts are lifted (moto serves one call at a time: hundreds of calls
//! in flight queue for minutes); `--production-timeouts` keeps those of the functions (3 s per
//! attempt, 8 s per operation, 2 attempts). moto gets one call at a time (`--in-flight 1`, see
//! `Gated`: its transactions are not isolated between threads); `--in-flight 0` lifts the limit,
//! to see moto fail. The registry table is created without its stream unless `--with-stream`.
//! The submitted requests are prepared by the store in a scratch table and moved into the
//! registry table without transactions (`prepare`): moto copies the whole table at every
//! transaction item and keeps the copies. For the same reason the validations run on moto
//! processes of the bench's own, each replaced by a fresh one with the data once its resident
//! memory passes `G` GB (default 4; 0: the one moto throughout; see `Relay`). moto's memory is
//! printed (the command's moto is found by its port, or `MOTO_PID`). Exits non-zero if an
//! invariant fails.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use aws_sdk_dynamodb::config::{RuntimeComponents, StalledStreamProtectionConfig};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use rpps_contract::events::{Event, RegistrationRejected, RegistrationSubmitted};
use rpps_domain::{
    Actor, Finess, RegistrationRequest, RegistrationStatus, RejectionReason, Role, RppsNumber,
    Validation,
};
use rpps_e2e::bench::{self, moto_endpoint, no_time_limit, percentile};
use rpps_e2e::people::{
    FINESS, MANAGER_ID, Person, civil, draft_fields, manager, submitted, validate_as_the_handler,
};
use rpps_e2e::roundtrips::{RoundTrips, Tally, print_tally};
use rpps_registrations::identity;
use rpps_registrations::validation::ValidateError;
use rpps_store::schema::TableSpec;
use rpps_store::{Store, Tables, keys, new_event};
use time::macros::date;
use time::{Date, OffsetDateTime};
use tokio::sync::{Barrier, Semaphore};

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
    relay: Option<Arc<Relay>>,
}

#[derive(Debug)]
struct GatedConnector {
    inner: SharedHttpConnector,
    gate: Arc<Semaphore>,
    relay: Option<Arc<Relay>>,
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
            relay: self.relay.clone(),
        })
    }
}

impl HttpConnector for GatedConnector {
    fn call(&self, mut request: HttpRequest) -> HttpConnectorFuture {
        let (inner, gate, relay) = (self.inner.clone(), self.gate.clone(), self.relay.clone());
        HttpConnectorFuture::new(async move {
            let _permit = gate
                .acquire_owned()
                .await
                .map_err(|e| ConnectorError::other(e.into(), None))?;
            if let Some(relay) = relay {
                // Nothing else is on the wire: the moto may be replaced before this call.
                let endpoint = relay
                    .before_call()
                    .await
                    .map_err(|e| ConnectorError::other(e.into(), None))?;
                if let Some(endpoint) = endpoint {
                    request
                        .uri_mut()
                        .set_endpoint(&endpoint)
                        .map_err(|e| ConnectorError::other(e.into(), None))?;
                }
            }
            inner.call(request).await
        })
    }
}

// ---------------------------------------------------------------------------------------------
// moto processes of the bench's own, replaced before they run out of memory.

/// moto 5.2.5 keeps every copy of the table it makes in a transaction (one per transaction
/// item, see docs/PERFORMANCE.md): hundreds of validations over thousands of items need tens
/// of GB. Once taken over (`take_over`, after the preparation), the calls go to moto processes
/// the bench starts itself; before a call, the gate held (nothing on the wire, `--in-flight 1`),
/// if the current one's resident memory has passed the budget, a fresh moto is started, every
/// item of both tables is copied into it unchanged (`Scan`, `BatchWriteItem`), the calls go
/// there and the old process is stopped. The store sees one database, whose state does not
/// change across the switch; only moto's leaked copies are left behind.
#[derive(Debug)]
struct Relay {
    moto_server: std::path::PathBuf,
    /// Where the calls went before the take-over (the moto of `make bench`, left running).
    origin: String,
    budget: u64,
    /// The functions' DynamoDB configuration, without the gate or the counter.
    config: aws_sdk_dynamodb::Config,
    tables: Vec<(String, TableSpec)>,
    state: tokio::sync::Mutex<RelayState>,
}

#[derive(Debug, Default)]
struct RelayState {
    /// The moto serving the calls since the take-over: endpoint and process.
    current: Option<(String, std::process::Child)>,
    /// moto processes started, the one of the take-over included.
    started: u32,
    /// Time spent starting them and copying the tables.
    paused: Duration,
    /// Peak resident memory of each process stopped.
    peaks: Vec<u64>,
}

impl Relay {
    /// The endpoint of the current moto, after replacing it if it has passed the budget.
    async fn before_call(&self) -> anyhow::Result<Option<String>> {
        let mut state = self.state.lock().await;
        let over = state.current.as_ref().is_some_and(|(_, child)| {
            Moto {
                pid: Some(child.id()),
            }
            .memory()
            .is_some_and(|(rss, _)| rss > self.budget)
        });
        if over {
            self.replace(&mut state).await?;
        }
        Ok(state.current.as_ref().map(|(endpoint, _)| endpoint.clone()))
    }

    /// Moves the calls to a moto of the bench's own (between phases: no call in flight).
    async fn take_over(&self) -> anyhow::Result<()> {
        let mut state = self.state.lock().await;
        self.replace(&mut state).await
    }

    async fn replace(&self, state: &mut RelayState) -> anyhow::Result<()> {
        let started = Instant::now();
        let from = state
            .current
            .as_ref()
            .map_or_else(|| self.origin.clone(), |(endpoint, _)| endpoint.clone());
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let endpoint = format!("http://127.0.0.1:{port}");
        let child = std::process::Command::new(&self.moto_server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", self.moto_server.display()))?;
        // Owned from here: stopped by `Drop` if anything below fails.
        let previous = state.current.replace((endpoint.clone(), child));
        let mut listening = false;
        for _ in 0..300 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                listening = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        ensure!(listening, "moto did not start on port {port}");
        let (source, target) = (self.client(&from), self.client(&endpoint));
        for (name, spec) in &self.tables {
            spec.create_if_missing(&target, name).await?;
            let items = scan_all(&source, name).await?;
            let puts = items
                .into_iter()
                .map(|item| {
                    Ok(aws_sdk_dynamodb::types::WriteRequest::builder()
                        .put_request(
                            aws_sdk_dynamodb::types::PutRequest::builder()
                                .set_item(Some(item))
                                .build()?,
                        )
                        .build())
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            batch_write(&target, name, puts).await?;
        }
        if let Some((_, mut old)) = previous {
            if let Some((_, peak)) = (Moto {
                pid: Some(old.id()),
            })
            .memory()
            {
                state.peaks.push(peak);
            }
            old.kill()?;
            old.wait()?;
        }
        state.started += 1;
        state.paused += started.elapsed();
        Ok(())
    }

    /// A client of the functions' configuration on `endpoint`, without the gate and without
    /// time limits (a scan of a large table on moto takes seconds).
    fn client(&self, endpoint: &str) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::from_conf(
            self.config
                .to_builder()
                .endpoint_url(endpoint)
                .timeout_config(no_time_limit())
                .build(),
        )
    }

    /// The moto now serving the calls, if the relay has taken over.
    fn current(&self) -> Option<Moto> {
        let state = self.state.try_lock().ok()?;
        let (_, child) = state.current.as_ref()?;
        Some(Moto {
            pid: Some(child.id()),
        })
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some((_, mut child)) = self.state.get_mut().current.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The people, the manager, the requests.

/// The applicant of the round trips and the one rejected beside her: born on the same day.
const BORN: Date = date!(1990 - 05 - 17);

/// The applicant of the round trips, as FranceConnect would sign her in.
fn fc_identity() -> rpps_identity::FranceConnectIdentity {
    rpps_identity::FranceConnectIdentity {
        sub: "rt-sub-1".to_owned(),
        given_name: "Élodie".to_owned(),
        family_name: "Mesure".to_owned(),
        preferred_username: None,
        birthdate: "1990-05-17".to_owned(),
        gender: "female".to_owned(),
        birthplace: Some("69383".to_owned()),
        birthcountry: "99100".to_owned(),
        email: None,
        id_token: "bench".to_owned(),
        acr: "eidas1".to_owned(),
    }
}

/// Requests per batch of the preparation: the scratch table never holds more than their items.
const PREPARE_BATCH: usize = 25;

/// Submitted requests of `people`, in `store`'s
/// registry table, as the functions would have left them. Each is created, filled and submitted
/// by the store's own calls (three transactions) in `scratch`, a registry table of its own that
/// is emptied after every batch; the items are then copied into `store`'s table with
/// `BatchWriteItem`, unchanged (keys, GSI keys, versions, audit entries). moto copies the whole
/// table in each transaction (see docs/PERFORMANCE.md): kept small, the scratch table makes the
/// preparation linear instead of quadratic, and the measured table gets the same items without
/// the memory moto would keep from copying it 1,500 times. The number of items moved.
async fn prepare(store: &Store, scratch: &Store, people: Vec<Person>) -> anyhow::Result<usize> {
    let mut moved = 0;
    let mut people = people.into_iter().peekable();
    while people.peek().is_some() {
        let gate = Arc::new(Semaphore::new(8));
        let mut tasks = Vec::with_capacity(PREPARE_BATCH);
        for person in people.by_ref().take(PREPARE_BATCH) {
            let (scratch, gate) = (scratch.clone(), gate.clone());
            tasks.push(tokio::spawn(async move {
                let _permit = gate.acquire_owned().await?;
                submitted(&scratch, &person).await
            }));
        }
        for task in tasks {
            task.await??;
        }
        moved += move_items(scratch, store).await?;
    }
    Ok(moved)
}

/// Copies every item of `from`'s registry table into `to`'s, then deletes it from `from`.
async fn move_items(from: &Store, to: &Store) -> anyhow::Result<usize> {
    use aws_sdk_dynamodb::types::{DeleteRequest, PutRequest, WriteRequest};
    let items = scan_all(from.client(), &from.tables().registry).await?;
    let mut puts = Vec::with_capacity(items.len());
    let mut deletes = Vec::with_capacity(items.len());
    for item in items {
        let key = [keys::PK, keys::SK]
            .into_iter()
            .filter_map(|k| item.get(k).map(|v| (k.to_owned(), v.clone())))
            .collect();
        deletes.push(
            WriteRequest::builder()
                .delete_request(DeleteRequest::builder().set_key(Some(key)).build()?)
                .build(),
        );
        puts.push(
            WriteRequest::builder()
                .put_request(PutRequest::builder().set_item(Some(item)).build()?)
                .build(),
        );
    }
    let count = puts.len();
    batch_write(to.client(), &to.tables().registry, puts).await?;
    batch_write(from.client(), &from.tables().registry, deletes).await?;
    Ok(count)
}

/// Every item of `table` (strongly consistent `Scan`, all pages).
async fn scan_all(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
) -> anyhow::Result<Vec<std::collections::HashMap<String, AttributeValue>>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await?;
        items.extend(page.items.unwrap_or_default());
        start = page.last_evaluated_key;
        if start.is_none() {
            return Ok(items);
        }
    }
}

/// `BatchWriteItem` by 25, until nothing is left unprocessed.
async fn batch_write(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    requests: Vec<aws_sdk_dynamodb::types::WriteRequest>,
) -> anyhow::Result<()> {
    for chunk in requests.chunks(25) {
        let mut pending = chunk.to_vec();
        for _ in 0..10 {
            let out = client
                .batch_write_item()
                .request_items(table, pending)
                .send()
                .await?;
            pending = out
                .unprocessed_items
                .and_then(|mut u| u.remove(table))
                .unwrap_or_default();
            if pending.is_empty() {
                break;
            }
        }
        ensure!(pending.is_empty(), "BatchWriteItem left items unprocessed");
    }
    Ok(())
}

/// The memory of the moto serving the calls now: the bench's own once the relay took over.
fn report_memory(moto: &Moto, relay: Option<&Relay>, when: &str) {
    match relay.and_then(Relay::current) {
        Some(own) => own.report(&format!("{when} (the bench's moto)")),
        None => moto.report(when),
    }
}

// ---------------------------------------------------------------------------------------------
// moto's memory: it keeps a copy of the table per transaction item, so it is part of the result.

/// The moto process serving the endpoint: `MOTO_PID`, or found by its command line
/// (`moto_server … -p <port>`, as infra/local/stack.sh starts it).
struct Moto {
    pid: Option<u32>,
}

impl Moto {
    fn find(endpoint: &str) -> Self {
        if let Some(pid) = std::env::var("MOTO_PID").ok().and_then(|p| p.parse().ok()) {
            return Self { pid: Some(pid) };
        }
        let port = endpoint
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .to_owned();
        let pid = std::fs::read_dir("/proc").ok().and_then(|dir| {
            dir.filter_map(Result::ok).find_map(|entry| {
                let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
                let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
                let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
                let is_moto = args.iter().any(|a| a.ends_with(b"moto_server"));
                let on_port = args
                    .windows(2)
                    .any(|w| (w[0] == b"-p" || w[0] == b"--port") && w[1] == port.as_bytes())
                    || args
                        .iter()
                        .any(|a| *a == format!("--port={port}").as_bytes());
                (is_moto && on_port).then_some(pid)
            })
        });
        Self { pid }
    }

    /// `VmRSS` and `VmHWM` (peak), in bytes.
    fn memory(&self) -> Option<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        let field = |name: &str| -> Option<u64> {
            let line = status.lines().find(|l| l.starts_with(name))?;
            let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb * 1024)
        };
        Some((field("VmRSS:")?, field("VmHWM:")?))
    }

    fn report(&self, when: &str) {
        match self.memory() {
            Some((rss, peak)) => println!(
                "  moto memory {when}: RSS {:.2} GB (peak {:.2} GB)",
                rss as f64 / 1e9,
                peak as f64 / 1e9
            ),
            None => println!("  moto memory {when}: unknown (set MOTO_PID)"),
        }
    }
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
    let rejected = Person {
        id: "rt-2".into(),
        sub: "rt-sub-2".into(),
        family: "Rejet".into(),
        born: BORN,
    };
    submitted(store, &rejected).await?;
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

    // What the FranceConnect callback asks of the registry once the tokens are verified (the
    // login state, the audit and the session are the sessions table's and counted apart).
    let outcome = rpps_auth::outcome::franceconnect(store, fc_identity(), now)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    ensure!(
        matches!(outcome, rpps_auth::outcome::Outcome::Session(_)),
        "the bench's applicant signs in"
    );
    record(
        "FranceConnect sign-in (registry reads)",
        "`GET /api/auth/franceconnect/callback`",
        "`rpps_of_franceconnect_subject`, `rpps_of_civil_identity`, `identity_candidates` (who may be the same person, FAQ-R12)",
    );

    session_read(store, hash).await?;
    let draft =
        RegistrationRequest::new_self_service("rt-1", &applicant, civil("Mesure", BORN)?, now)?;
    let key = identity::key(draft.civil_status());
    let candidates = store.identity_candidates(&key).await?;
    identity::check_new_request(
        &identity::matches(draft.civil_status(), &candidates, None),
        &applicant,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let created = store.create_registration(&draft, sub, &key).await?;
    record(
        "draft creation",
        "`POST /api/registrations`",
        "`identity_candidates` (who may be the same person, FAQ-R12), `create_registration`",
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
    let event = new_event(
        keys::registration("rt-1"),
        now,
        Event::RegistrationSubmitted(RegistrationSubmitted {
            request_id: "rt-1".into(),
            establishment: Some(FINESS.into()),
        }),
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
    let detail = store
        .registration("rt-1")
        .await?
        .context("request missing")?;
    let key = identity::key(detail.request.civil_status());
    store.identity_candidates(&key).await?;
    record(
        "request detail (manager)",
        "`GET /api/manager/registrations/{id}`",
        "`registration`, `identity_candidates` (who may be the same person, shown to the manager)",
    );

    session_read(store, hash).await?;
    let at = OffsetDateTime::now_utc();
    let validation = validate_as_the_handler(store, "rt-1", &manager, at).await?;
    ensure!(validation.newly_validated);
    record(
        "validation with allocation",
        "`POST /api/manager/registrations/{id}/validate`",
        "`registration` (visibility), `validation::validate` (of that read)",
    );

    session_read(store, hash).await?;
    let again = validate_as_the_handler(store, "rt-1", &manager, at).await?;
    ensure!(!again.newly_validated && again.rpps == validation.rpps);
    record(
        "validation repeated (already validated)",
        "`POST /api/manager/registrations/{id}/validate`",
        "`registration` (visibility), `validation::validate` (of that read)",
    );

    session_read(store, hash).await?;
    let read = store
        .registration("rt-2")
        .await?
        .context("request missing")?;
    let mut request = read.request.clone();
    let reason = RejectionReason::parse("Diplôme non reconnu")?;
    request.reject(&manager, reason, at)?;
    let event = new_event(
        keys::registration("rt-2"),
        at,
        Event::RegistrationRejected(RegistrationRejected {
            request_id: "rt-2".into(),
            reason: "Diplôme non reconnu".into(),
        }),
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

/// A number given: by the validation service, or read from a bulk call's answer.
struct Numbered {
    rpps: RppsNumber,
    newly_validated: bool,
}

struct Outcome {
    id: String,
    result: Result<Numbered, String>,
    latency: Duration,
}

fn numbered(result: Result<Validation, ValidateError>) -> Result<Numbered, String> {
    result
        .map(|v| Numbered {
            rpps: v.rpps,
            newly_validated: v.newly_validated,
        })
        .map_err(|e| e.to_string())
}

/// What `POST /api/manager/registrations/validations` does with `ids` (issue 19): calls of 50
/// requests one after the other, as the web app sends them, each validating its requests a few
/// at a time (`rpps_registrations::manager::validate_many`). Wall time and outcomes; an
/// outcome's latency is its call's.
async fn validate_in_bulk(
    store: &Store,
    ids: Vec<String>,
) -> anyhow::Result<(Duration, Vec<Outcome>)> {
    let state = rpps_registrations::RegistrationsState {
        store: store.clone(),
        public_origin: String::new(),
        numbers: rpps_domain::SequenceRange::FULL,
    };
    let manager = manager()?;
    let start = Instant::now();
    let mut outcomes = Vec::with_capacity(ids.len());
    let mut queue: std::collections::VecDeque<String> = ids.into();
    while !queue.is_empty() {
        let take = queue.len().min(rpps_registrations::manager::BULK_MAX);
        let chunk: Vec<String> = queue.drain(..take).collect();
        let call = Instant::now();
        let results = rpps_registrations::manager::validate_many(
            &state,
            &manager,
            chunk.clone(),
            None,
            std::time::Instant::now() + rpps_registrations::manager::BULK_BUDGET,
        )
        .await;
        let latency = call.elapsed();
        // What the call had no time to start goes first into the next (as the web app does).
        for (id, r) in chunk.iter().zip(&results).rev() {
            if r.is_none() {
                queue.push_front(id.clone());
            }
        }
        for r in results.into_iter().flatten() {
            let result = match (r.validated, r.error) {
                (Some(v), _) => RppsNumber::parse(&v.rpps)
                    .map(|rpps| Numbered {
                        rpps,
                        newly_validated: v.newly_validated,
                    })
                    .map_err(|e| e.to_string()),
                (None, Some(e)) => Err(format!("{}: {}", e.code, e.message)),
                (None, None) => Err("neither a number nor an error".into()),
            };
            outcomes.push(Outcome {
                id: r.request_id,
                result,
                latency,
            });
        }
    }
    Ok((start.elapsed(), outcomes))
}

/// What `POST /api/manager/registrations/{id}/validate` asks of the store: the visibility read
/// (`read_visible`: 404, 403), then the validation of that read (the counter and the
/// transaction; a new read only if the transaction is cancelled).
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
            let result = numbered(validate_as_the_handler(&store, &id, &manager, at).await);
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
    scratch: &Store,
    counter: &RoundTrips,
    (moto, relay): (&Moto, Option<&Relay>),
    n: usize,
    bulk: bool,
) -> anyhow::Result<Vec<String>> {
    if bulk {
        println!(
            "\n== {n} requests validated in bulk: calls of {} one after the other",
            rpps_registrations::manager::BULK_MAX
        );
    } else {
        println!("\n== {n} concurrent validations of {n} different requests");
    }
    let setup = Instant::now();
    let people = (0..n).map(|i| Person::nth("many", i)).collect();
    let moved = prepare(store, scratch, people).await?;
    let prepared = counter.take();
    println!(
        "  prepared {n} submitted requests in {:.1} s ({} calls; {moved} items moved into the registry table)",
        setup.elapsed().as_secs_f64(),
        prepared.executions_total()
    );
    moto.report("after the preparation");
    if let Some(relay) = relay {
        // moto restarted between the preparation and the measurement, the data carried over.
        let start = Instant::now();
        relay.take_over().await?;
        println!(
            "  moved to a moto of the bench's own in {:.1} s (both tables copied)",
            start.elapsed().as_secs_f64()
        );
        report_memory(moto, Some(relay), "before the validations");
    }
    let paused_before = match relay {
        Some(r) => r.state.lock().await.paused,
        None => Duration::ZERO,
    };

    let before = counter_value(store).await?;
    counter.take();
    let ids: Vec<String> = (0..n).map(|i| format!("many-{i:04}")).collect();
    let (wall, outcomes) = if bulk {
        validate_in_bulk(store, ids).await?
    } else {
        validate_all(store, ids).await?
    };
    let tally = counter.take();
    report_memory(moto, relay, "after the validations");
    let (replacements, paused) = match relay {
        Some(r) => {
            let state = r.state.lock().await;
            (
                state.started.saturating_sub(1),
                state.paused - paused_before,
            )
        }
        None => (0, Duration::ZERO),
    };
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
        let status_ok = read
            .as_ref()
            .is_some_and(|r| r.request.status().rpps() == Some(&v.rpps));
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
    if relay.is_some() {
        println!(
            "  moto replaced        {replacements} times during the run, {:.1} s of the wall time (calls held at the gate meanwhile)",
            paused.as_secs_f64()
        );
    }
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
        "  validation attempts  {} transactions for {n} validations (a transaction lost to a concurrent write is tried again by the validation service)",
        tally.count("TransactWriteItems")
    );
    print_tally("DynamoDB calls during the run", &tally);
    Ok(failures)
}

/// `m` managers validating one request at once. The failed invariants, as messages.
async fn one_request(
    store: &Store,
    scratch: &Store,
    counter: &RoundTrips,
    m: usize,
) -> anyhow::Result<Vec<String>> {
    println!("\n== {m} concurrent validations of one request");
    let person = Person {
        family: "Unique".into(),
        ..Person::nth("one", 0)
    };
    prepare(store, scratch, vec![person]).await?;
    let before = counter_value(store).await?;
    counter.take();
    let (wall, outcomes) = validate_all(store, vec!["one-0000".to_owned(); m]).await?;
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
        .registration("one-0000")
        .await?
        .context("request missing")?;
    match (read.request.status(), numbers.first()) {
        (RegistrationStatus::Validated { rpps, .. }, Some(given)) if rpps == given => {
            if professional_request(store, rpps).await?.as_deref() != Some("one-0000") {
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
    let mut bulk = false;
    let mut budget_gb = 4.0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--production-timeouts" {
            production_timeouts = true;
        } else if arg == "--with-stream" {
            with_stream = true;
        } else if arg == "--bulk" {
            bulk = true;
        } else if arg == "--in-flight" {
            in_flight = args
                .next()
                .context("--in-flight needs a count (0: no limit)")?
                .parse()?;
        } else if arg == "--moto-budget-gb" {
            budget_gb = args
                .next()
                .context("--moto-budget-gb needs a size in GB (0: one moto throughout)")?
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
    let endpoint = moto_endpoint()?;

    let prefix = format!("vb{}", uuid::Uuid::new_v4().simple());
    let tables = Tables::with_prefix(&prefix);
    // The tables of infra/template.yaml, by default without the registry's stream
    // (`bench::table_specs`): the stream only feeds the mailer and the directory, which this
    // bench does not run.
    let specs = bench::table_specs(with_stream)?;
    let scratch_tables = Tables::with_prefix(&format!("{prefix}-setup"));
    let mut scratch_spec = specs.registry.clone();
    scratch_spec.stream_view = None;
    let table_specs = vec![
        (tables.registry.clone(), specs.registry.clone()),
        (tables.sessions.clone(), specs.sessions.clone()),
        (scratch_tables.registry.clone(), scratch_spec),
    ];

    let counter = RoundTrips::default();
    // The functions' SDK configuration (rpps_runtime::aws), with the counting interceptor.
    let sdk = rpps_runtime::aws::for_local_endpoint(&endpoint);
    let mut config = aws_sdk_dynamodb::config::Builder::from(&sdk).interceptor(counter.clone());
    let moto_server = std::env::var_os("MOTO_SERVER").map_or_else(
        || rpps_e2e::workspace_dir().join(".venv/moto/bin/moto_server"),
        std::path::PathBuf::from,
    );
    let relay = (budget_gb > 0.0 && in_flight == 1 && moto_server.exists()).then(|| {
        Arc::new(Relay {
            moto_server: moto_server.clone(),
            origin: endpoint.clone(),
            budget: (budget_gb * 1e9) as u64,
            config: aws_sdk_dynamodb::config::Builder::from(&sdk).build(),
            tables: table_specs.clone(),
            state: tokio::sync::Mutex::new(RelayState::default()),
        })
    });
    if in_flight > 0 {
        // The functions' own HTTP client when their configuration names one.
        let https = sdk.http_client().unwrap_or_else(|| {
            aws_smithy_http_client::Builder::new()
                .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                    aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
                ))
                .build_https()
        });
        config = config
            .http_client(Gated {
                inner: https,
                gate: Arc::new(Semaphore::new(in_flight)),
                relay: relay.clone(),
            })
            // A call waiting for its turn sends no byte: not a stalled upload.
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled());
    }
    if !production_timeouts {
        // No time limit: behind the one-call-at-a-time gate a call may wait minutes for its
        // turn, and a timeout there would be the bench's, not the store's.
        config = config.timeout_config(no_time_limit());
    }
    let client = aws_sdk_dynamodb::Client::from_conf(config.build());
    let store = Store::new(client.clone(), tables);
    // Where the preparation writes through the store before moving the items (`prepare`).
    let scratch = Store::new(client, scratch_tables);
    let moto = Moto::find(&endpoint);
    for (name, spec) in &table_specs {
        spec.create_if_missing(store.client(), name).await?;
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
    match &relay {
        Some(_) => println!(
            "validations on moto processes of the bench's own ({}), each replaced by a fresh one with the data once past {budget_gb} GB of resident memory",
            moto_server.display()
        ),
        None => println!(
            "one moto throughout (--moto-budget-gb 0, --in-flight other than 1, or no {})",
            moto_server.display()
        ),
    }

    moto.report("at the start");
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

    let mut failures = many_requests(
        &store,
        &scratch,
        &counter,
        (&moto, relay.as_deref()),
        n,
        bulk,
    )
    .await?;
    failures.extend(one_request(&store, &scratch, &counter, m).await?);
    report_memory(&moto, relay.as_deref(), "at the end");
    if let Some(relay) = &relay {
        let state = relay.state.lock().await;
        println!(
            "\nmoto processes of the bench: {} started, {:.1} s starting them and copying the tables; peak resident memory of those stopped: {}",
            state.started,
            state.paused.as_secs_f64(),
            state
                .peaks
                .iter()
                .map(|p| format!("{:.2} GB", *p as f64 / 1e9))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
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
