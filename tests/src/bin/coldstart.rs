//! Cold-start benchmark: starts a Lambda binary against a local stand-in of the Lambda Runtime
//! API and measures, from process start, (1) when it asks for its first invocation — it is
//! ready: configuration read, clients built — and (2) when it answers that first invocation.
//! A `lambda_runtime` hello-world binary, measured in the same run, is the baseline.
//!
//! cargo run --release -p rpps-e2e --bin coldstart -- RUNS NAME=PATH[,PATH_QUERY] …
//! (`make bench` runs it with the right binaries; AWS_ENDPOINT_URL must point at moto.)

use std::path::Path;
use std::time::Duration;

use rpps_e2e::runtime_api::{Launch, http_event, invoke_once};

struct Sample {
    ready: Duration,
    first_response: Duration,
}

async fn run_once(binary: &str, event: String) -> anyhow::Result<Sample> {
    let launch = Launch {
        env: &[("RUST_LOG", "warn")],
        ..Launch::default()
    };
    let answer = invoke_once(Path::new(binary), event, launch).await?;
    if answer.failed {
        // The scheduled purge without its table, say: it still answered its invocation, and
        // the time counts as its first response.
        eprintln!("the function reported an error: {}", answer.body);
    } else if !answer.body.contains("statusCode") && !answer.body.contains("batchItemFailures") {
        // An HTTP function answers an API Gateway response; a stream consumer, its batch report.
        eprintln!("unexpected response: {}", answer.body);
    }
    Ok(Sample {
        ready: answer.ready,
        first_response: answer.answered,
    })
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let runs: usize = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("RUNS missing"))?
        .parse()?;
    let targets: Vec<(String, String, String)> = args
        .map(|a| {
            let (name, rest) = a.split_once('=').unwrap_or(("?", a.as_str()));
            let (path, url) = rest.split_once(',').unwrap_or((rest, "/api/health"));
            let (route, query) = url.split_once('?').unwrap_or((url, ""));
            (name.to_owned(), path.to_owned(), http_event(route, query))
        })
        .collect();
    let mut results = Vec::new();
    // Interleave the binaries so that machine noise falls on all of them alike.
    let mut samples: Vec<Vec<Sample>> = targets.iter().map(|_| Vec::new()).collect();
    for _ in 0..runs {
        for (i, (_, path, event)) in targets.iter().enumerate() {
            samples[i].push(run_once(path, event.clone()).await?);
        }
    }
    for ((name, path, _), s) in targets.iter().zip(samples) {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let ready = median(s.iter().map(|x| x.ready).collect());
        let first = median(s.iter().map(|x| x.first_response).collect());
        results.push((name.clone(), size, ready, first));
    }
    let base = results
        .first()
        .map(|r| (r.2, r.3))
        .ok_or_else(|| anyhow::anyhow!("no binary given"))?;
    println!(
        "| binary | size (stripped) | ready, median | × baseline | first response, median | × baseline |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for (name, size, ready, first) in &results {
        println!(
            "| {name} | {:.1} MB | {:.1} ms | {:.2} | {:.1} ms | {:.2} |",
            *size as f64 / 1e6,
            ms(*ready),
            ms(*ready) / ms(base.0),
            ms(*first),
            ms(*first) / ms(base.1)
        );
    }
    println!("({runs} runs each, interleaved)");
    Ok(())
}
