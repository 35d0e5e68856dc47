//! Cold-start benchmark: starts a Lambda binary against a local stand-in of the Lambda Runtime
//! API and measures, from process start, (1) when it asks for its first invocation — it is
//! ready: configuration read, clients built — and (2) when it answers that first invocation.
//! A `lambda_runtime` hello-world binary, measured in the same run, is the baseline.
//!
//! cargo run --release -p rpps-e2e --bin coldstart -- RUNS NAME=PATH[,PATH_QUERY] …
//! (`make bench` runs it with the right binaries; AWS_ENDPOINT_URL must point at moto.)

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::routing::{get, post};
use tokio::sync::{Mutex, mpsc};

#[derive(Clone)]
struct RuntimeApi {
    event: Arc<String>,
    first_next: Arc<Mutex<Option<Instant>>>,
    served: Arc<Mutex<bool>>,
    responded: mpsc::Sender<Instant>,
}

async fn next(State(api): State<RuntimeApi>) -> (HeaderMap, String) {
    let now = Instant::now();
    api.first_next.lock().await.get_or_insert(now);
    let already_served = std::mem::replace(&mut *api.served.lock().await, true);
    if already_served {
        // The function waits for its next invocation: keep it waiting until it is stopped.
        std::future::pending::<()>().await;
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        "lambda-runtime-aws-request-id",
        HeaderValue::from_static("bench-1"),
    );
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() + 30_000)
        .unwrap_or_default();
    headers.insert(
        "lambda-runtime-deadline-ms",
        HeaderValue::from(deadline as u64),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        HeaderValue::from_static("arn:aws:lambda:eu-west-3:000000000000:function:bench"),
    );
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    (headers, api.event.as_str().to_owned())
}

async fn response(State(api): State<RuntimeApi>, body: String) -> &'static str {
    let _ = api.responded.send(Instant::now()).await;
    // An HTTP function answers an API Gateway response; a stream consumer, its batch report.
    if !body.contains("statusCode") && !body.contains("batchItemFailures") {
        eprintln!("unexpected response: {body}");
    }
    "{}"
}

/// A function that fails its first invocation (the scheduled purge without its table, say) still
/// answered it: the time counts as its first response.
async fn error(State(api): State<RuntimeApi>, body: String) -> &'static str {
    let _ = api.responded.send(Instant::now()).await;
    eprintln!("the function reported an error: {body}");
    "{}"
}

/// An API Gateway HTTP API (payload v2) event for `GET path?query`.
fn http_event(path: &str, query: &str) -> String {
    serde_json::json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": { "host": "api.example.org", "user-agent": "bench" },
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "bench",
            "domainName": "api.example.org",
            "domainPrefix": "api",
            "http": { "method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "bench" },
            "requestId": "bench-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "26/Nov/2026:09:00:00 +0000",
            "timeEpoch": 1_795_683_600_000u64
        },
        "isBase64Encoded": false
    })
    .to_string()
}

struct Sample {
    ready: Duration,
    first_response: Duration,
}

async fn run_once(binary: &str, event: String) -> anyhow::Result<Sample> {
    let (tx, mut rx) = mpsc::channel(1);
    let api = RuntimeApi {
        event: Arc::new(event),
        first_next: Arc::default(),
        served: Arc::default(),
        responded: tx,
    };
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .with_state(api.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let start = Instant::now();
    let mut child = tokio::process::Command::new(binary)
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let responded = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no response"))?;
    let ready = api
        .first_next
        .lock()
        .await
        .ok_or_else(|| anyhow::anyhow!("never asked for an invocation"))?;
    child.kill().await?;
    server.abort();
    Ok(Sample {
        ready: ready - start,
        first_response: responded - start,
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
