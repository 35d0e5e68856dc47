//! Issue 18, item 4: how long from a validation to the number email and to the directory entry,
//! on the local stack (figures in docs/PERFORMANCE.md). `N` submitted requests of `N` different
//! people (default 200) are prepared through the store; then the local runner is started as
//! `make run` starts it (its functions behind the IAM gate, its stream follower playing the
//! event source mappings on moto's stream), and the requests are validated `C` at a time
//! (default 1) with the validation handler's store calls. For each: the validation's instant,
//! the instant SES (moto) accepted its number email (read from the gate), and the instant the
//! publisher rebuilt its entry (the request's `published_at` step). Exits non-zero if an email
//! is missing or sent twice, or an entry is missing. moto's transactions are not safe beside
//! one another (it deep-copies the table while another thread writes it: a 500): a validation
//! it refuses so is tried again, up to 5 times, and counted; so `C` stays 1 by default (the
//! stream follower's writes already run beside the validations).
//!
//! AWS_ENDPOINT_URL=http://127.0.0.1:5599 cargo run --release -p rpps-e2e --bin latency_bench -- [N] [C] [PAUSE_MS]
//!
//! With `LATENCY_RAW=<file>`, each validation's latencies (ms to the email, ms to the entry) are
//! appended to the file; `latency_bench pool <file>` prints the pooled p50/p99/max
//! (`tests/latency_series.sh` pools runs on fresh emulators that way).

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, bail, ensure};
use rpps_e2e::bench::{arg, local_options, moto_endpoint, no_time_limit, percentile};
use rpps_e2e::people::{Person, manager, submitted, validate_as_the_handler};
use rpps_store::Store;
use time::OffsetDateTime;

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn line(name: &str, mut latencies: Vec<Duration>) {
    latencies.sort();
    println!(
        "| {name} | {} | {} | {} | {} |",
        latencies.len(),
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 99.0)),
        ms(latencies.last().copied().unwrap_or_default())
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `pool FILE`: the distribution of every run appended to FILE (tests/latency_series.sh).
    if std::env::args().nth(1).as_deref() == Some("pool") {
        let file = std::env::args().nth(2).context("pool FILE")?;
        let text = std::fs::read_to_string(&file).with_context(|| format!("reading {file}"))?;
        let (mut to_email, mut to_directory) = (Vec::new(), Vec::new());
        for row in text.lines().filter(|l| !l.trim().is_empty()) {
            let (email, directory) = row.split_once(',').context("ms,ms")?;
            to_email.push(Duration::from_millis(email.trim().parse()?));
            to_directory.push(Duration::from_millis(directory.trim().parse()?));
        }
        line("the number email accepted by SES", to_email);
        line("the directory entry rebuilt", to_directory);
        return Ok(());
    }
    let n = arg(1, 200)?;
    let concurrency = arg(2, 1)?.max(1);
    // A pause between validations (ms): 0 for back to back, else a pace the consumers keep up
    // with (what a manager's clicks are).
    let pause = Duration::from_millis(arg(3, 0)? as u64);
    let endpoint = moto_endpoint()?;
    let options = local_options(&endpoint, "lat", true);
    let started = Instant::now();
    // The bench's own calls without the functions' time limits (moto copies the whole table
    // in each transaction: slower as it fills); the functions keep theirs.
    let store = Store::from_config(
        &options.config(),
        &rpps_runtime::aws::for_local_endpoint(&endpoint)
            .to_builder()
            .timeout_config(no_time_limit())
            .build(),
    );
    // The requests first, nothing else writing beside them (moto's transactions).
    store.ensure_tables().await?;
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let person = Person::nth("lat", i);
        submitted(&store, &person).await?;
        ids.push(person.id);
    }
    println!(
        "{n} submitted requests prepared in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Then the local runner: its stream follower starts at the stream's beginning.
    let local = rpps_local::build(&options).await?;
    let manager = manager()?;
    let validating = Instant::now();
    let mut validated: BTreeMap<String, (String, OffsetDateTime)> = BTreeMap::new();
    let mut retried = 0;
    for chunk in ids.chunks(concurrency) {
        let runs = chunk.iter().map(|id| {
            let (store, manager) = (&store, &manager);
            async move {
                let mut tries = 0;
                loop {
                    tries += 1;
                    let at = OffsetDateTime::now_utc();
                    match validate_as_the_handler(store, id, manager, at).await {
                        Ok(v) => {
                            return Ok((id.clone(), v.rpps.to_string(), v.validated_at, tries));
                        }
                        Err(e) if tries < 5 => {
                            let _ = e;
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        Err(e) => return Err(anyhow::anyhow!("validation of {id}: {e}")),
                    }
                }
            }
        });
        for outcome in futures_util::future::join_all(runs).await {
            let (id, rpps, at, tries) = outcome?;
            retried += tries - 1;
            validated.insert(id, (rpps, at));
        }
        tokio::time::sleep(pause).await;
    }
    let validation_wall = validating.elapsed();

    // Every number email accepted, every entry published (10 minutes at most).
    let deadline = Instant::now() + Duration::from_secs(600);
    let (emails, published) = loop {
        let emails = local.gate.sent_emails_at();
        let mut published = BTreeMap::new();
        if emails.len() >= n {
            for id in validated.keys() {
                if let Some(at) = store
                    .registration(id)
                    .await?
                    .and_then(|r| r.milestones.published_at)
                {
                    published.insert(id.clone(), at);
                }
            }
        }
        if published.len() == n {
            break (emails, published);
        }
        if Instant::now() > deadline {
            bail!(
                "after 10 minutes: {} emails, {} entries of {n}",
                emails.len(),
                published.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    ensure!(
        local.gate.denials().is_empty(),
        "{:?}",
        local.gate.denials()
    );

    let mut to_email = Vec::new();
    let mut to_directory = Vec::new();
    for (id, (rpps, at)) in &validated {
        let sent: Vec<SystemTime> = emails
            .iter()
            .filter(|(_, body)| body.to_string().contains(rpps.as_str()))
            .map(|(when, _)| *when)
            .collect();
        ensure!(
            sent.len() == 1,
            "{id} ({rpps}): {} number emails",
            sent.len()
        );
        let at_system = SystemTime::from(*at);
        to_email.push(sent[0].duration_since(at_system).unwrap_or_default());
        to_directory.push((published[id] - *at).try_into().unwrap_or(Duration::ZERO));
    }
    // Each validation's two latencies (ms) appended to `LATENCY_RAW`, if set: several runs on
    // fresh emulators pooled into one distribution (moto cannot hold 1,000 validations in one
    // process: it keeps a copy of the table per transaction).
    if let Ok(path) = std::env::var("LATENCY_RAW") {
        use std::io::Write;
        let mut out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("opening {path}"))?;
        for (email, directory) in to_email.iter().zip(&to_directory) {
            writeln!(out, "{},{}", email.as_millis(), directory.as_millis())?;
        }
    }
    println!(
        "{n} validations, {concurrency} at a time, in {:.1} s ({:.0} ms each on average)",
        validation_wall.as_secs_f64(),
        validation_wall.as_secs_f64() * 1000.0 / n as f64
    );
    println!("validations tried again after moto refused them: {retried}");
    println!("| from the validation to | n | p50 | p99 | max |");
    println!("| --- | --- | --- | --- | --- |");
    line("the number email accepted by SES", to_email);
    line("the directory entry rebuilt", to_directory);
    Ok(())
}
