//! A stand-in for the Lambda Runtime API on 127.0.0.1: starts a function's binary as Lambda
//! does (`AWS_LAMBDA_RUNTIME_API` and the other variables the runtime sets), hands it one
//! invocation, and records when it asked for it (it was ready), when and what it answered. Used
//! by the cold-start benchmark (`src/bin/coldstart.rs`) and by `tests/e2e/lambda_binaries.rs`.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::routing::{get, post};
use tokio::sync::{Mutex, mpsc};

/// What a function did with its one invocation.
#[derive(Debug)]
pub struct Answer {
    /// From process start to its first `GET …/invocation/next`.
    pub ready: Duration,
    /// From process start to its answer.
    pub answered: Duration,
    /// The body it posted: its result, or its error report.
    pub body: String,
    /// Whether it posted to `…/error` (the invocation failed) rather than `…/response`.
    pub failed: bool,
    /// Its standard output (its JSON logs) when [`Launch::capture_logs`], else empty.
    pub logs: String,
}

/// How to start the binary.
#[derive(Clone, Copy, Default)]
pub struct Launch<'a> {
    /// Variables set for the function, on top of the Lambda runtime's own.
    pub env: &'a [(&'a str, &'a str)],
    /// Start from an empty environment (`PATH` kept) instead of this process's: a test's
    /// function sees only `env`, not the developer's `AWS_*` or `RPPS_*`.
    pub clear_env: bool,
    /// Keep the function's standard output for [`Answer::logs`] (the benchmark discards it).
    pub capture_logs: bool,
}

#[derive(Clone)]
struct RuntimeApi {
    event: Arc<String>,
    /// When the function first asked for an invocation: set, the one invocation is served.
    first_next: Arc<Mutex<Option<Instant>>>,
    answered: mpsc::Sender<(Instant, String, bool)>,
}

async fn next(State(api): State<RuntimeApi>) -> (HeaderMap, String) {
    let now = Instant::now();
    let already_served = {
        let mut first_next = api.first_next.lock().await;
        let served = first_next.is_some();
        first_next.get_or_insert(now);
        served
    };
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
    let _ = api.answered.send((Instant::now(), body, false)).await;
    "{}"
}

async fn error(State(api): State<RuntimeApi>, body: String) -> &'static str {
    let _ = api.answered.send((Instant::now(), body, true)).await;
    "{}"
}

/// An API Gateway HTTP API (payload v2) event for `GET path?query`.
pub fn http_event(path: &str, query: &str) -> String {
    http_event_with_headers(path, query, &[])
}

/// [`http_event`] with more request headers (lower-case names), as CloudFront adds them.
pub fn http_event_with_headers(path: &str, query: &str, extra: &[(&str, &str)]) -> String {
    let mut headers = serde_json::json!({ "host": "api.example.org", "user-agent": "bench" });
    for (name, value) in extra {
        headers[*name] = serde_json::Value::from(*value);
    }
    serde_json::json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
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

/// Starts `binary` as `launch` says, gives it `event` as its first invocation, waits up to 20 s
/// for its answer (not if it exits first), and stops it.
pub async fn invoke_once(
    binary: &Path,
    event: String,
    launch: Launch<'_>,
) -> anyhow::Result<Answer> {
    let (tx, mut rx) = mpsc::channel(1);
    let api = RuntimeApi {
        event: Arc::new(event),
        first_next: Arc::default(),
        answered: tx,
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
    let mut command = tokio::process::Command::new(binary);
    if launch.clear_env {
        command.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
    }
    let mut child = command
        .envs(launch.env.iter().copied())
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
        .stdout(if launch.capture_logs {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let logs = child.stdout.take().map(|mut stdout| {
        tokio::spawn(async move {
            let mut logs = String::new();
            let _ = tokio::io::AsyncReadExt::read_to_string(&mut stdout, &mut logs).await;
            logs
        })
    });
    let answer = tokio::select! {
        answer = rx.recv() => answer.context("no answer"),
        status = child.wait() => Err(anyhow::anyhow!("exited ({status:?}) without answering")),
        () = tokio::time::sleep(Duration::from_secs(20)) => Err(anyhow::anyhow!("no answer within 20 s")),
    };
    child.kill().await?;
    server.abort();
    let logs = match logs {
        Some(reading) => reading.await.unwrap_or_default(),
        None => String::new(),
    };
    let (answered, body, failed) =
        answer.with_context(|| format!("{}\n{logs}", binary.display()))?;
    let ready = api
        .first_next
        .lock()
        .await
        .context("never asked for an invocation")?;
    Ok(Answer {
        ready: ready - start,
        answered: answered - start,
        body,
        failed,
        logs,
    })
}
