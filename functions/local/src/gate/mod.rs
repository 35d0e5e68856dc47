//! The local IAM gate: a proxy between the local runner's functions and the emulator (moto, which
//! enforces no IAM) that answers each call as AWS would under the function's role in
//! `infra/template.yaml`. Every function signs its calls with an access key naming it
//! (`local-fn-<binary>`); the gate reads what the call asks IAM for (`requests`), evaluates the
//! function's statements (`policy`) and forwards the call, or answers `AccessDeniedException`
//! as the service does and records the denial (`GET /_local/iam-denials`; the end-to-end tests
//! fail on any). So the whole end-to-end suite runs under the deployed policies: a statement
//! missing from the template fails locally, not in AWS.
//!
//! It also injects faults (issue 18): a [`Fault`] on an action (`ses:SendEmail`,
//! `dynamodb:TransactWriteItems`'s items' `dynamodb:PutItem`…) refuses such calls with the
//! service's error (a throttle, a 5xx), delays them, or forwards them and replaces the answer
//! (a write that happened but whose answer was lost), a given number of times or until cleared.
//!
//! And it plays SES's mailbox simulator for bounces: an email SES accepts for
//! `bounce@simulator.amazonses.com` is followed by the bounce event SES would publish through
//! EventBridge (`Email Bounced`, with the email's tags), handed to the runner
//! ([`Gate::ses_events`]), which gives it to the mailer as the EventBridge rule does in AWS.
//!
//! What it does not model: resource policies, permission boundaries and SCPs (the stack has
//! none that limit the functions); the event source mappings' reads of the stream (the local
//! stream follower reads it directly, as Lambda's service does with the role's managed policy).

pub mod policy;
pub mod requests;

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value as Json;

use policy::{Authorization, LocalStack, Policies};

/// The access key prefix that names the calling function.
const CALLER_PREFIX: &str = "local-fn-";
/// Larger than any DynamoDB (400 KB items, 4 MB transactions) or SES request.
const MAX_BODY: usize = 32 * 1024 * 1024;

/// One call the gate refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Denial {
    pub function: String,
    pub action: String,
    pub resource: String,
    pub reason: String,
}

/// A fault injected into the calls of one action.
#[derive(Clone, Debug)]
pub struct Fault {
    /// The IAM action a call asks for (`ses:SendEmail`, `dynamodb:PutItem`…; a transaction
    /// matches when one of its items does), or a DynamoDB operation
    /// (`dynamodb:TransactWriteItems`).
    pub action: String,
    /// Only the calls of this function (binary name), else every function's.
    pub function: Option<String>,
    pub kind: FaultKind,
    /// How many calls it hits; None: until [`Gate::clear_faults`].
    pub times: Option<u32>,
}

#[derive(Clone, Debug)]
pub enum FaultKind {
    /// Not forwarded: the service's error answer (`status`, error `code`: a 429/400 throttle,
    /// a 500/503…).
    Refuse { status: u16, code: String },
    /// Forwarded after this delay.
    Delay(std::time::Duration),
    /// Forwarded (the call takes effect), then the connection cut before the answer's body:
    /// the caller cannot know whether it happened (a timeout, a reset after sending).
    LoseAnswer,
}

impl Fault {
    /// Every call of `action` refused with `status` and `code` until cleared.
    pub fn refuse(action: &str, status: u16, code: &str) -> Fault {
        Fault {
            action: action.to_owned(),
            function: None,
            kind: FaultKind::Refuse {
                status,
                code: code.to_owned(),
            },
            times: None,
        }
    }
}

/// The running gate (cheap to clone).
#[derive(Clone)]
pub struct Gate {
    endpoint: String,
    inner: Arc<Inner>,
}

struct Inner {
    upstream: String,
    stack: LocalStack,
    policies: Policies,
    mail_identity: String,
    client: reqwest::Client,
    denials: Mutex<Vec<Denial>>,
    faults: Mutex<Vec<Fault>>,
    /// The emails SES accepted (when, and the SendEmail request body), oldest first.
    sent: Mutex<Vec<(std::time::SystemTime, Json)>>,
    /// Calls each fault hit, by action.
    faulted: Mutex<BTreeMap<String, usize>>,
    /// Every call, by calling function and operation (`dynamodb:Query`, `ses:SendEmail`…).
    calls: Mutex<BTreeMap<(String, String), usize>>,
    /// SES's events (bounces of the simulator's address), to the runner.
    ses_events: tokio::sync::mpsc::UnboundedSender<Json>,
    ses_events_out: Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<Json>>>,
}

/// SES's mailbox simulator address that bounces (the same in AWS).
pub const BOUNCE_SIMULATOR: &str = "bounce@simulator.amazonses.com";

/// The bounce event SES publishes to EventBridge for an accepted `SendEmail` request (its JSON)
/// to the simulator's bouncing address, if it was one.
fn simulated_bounce(request: &Json, region: &str) -> Option<Json> {
    let to: Vec<&str> = request["Destination"]["ToAddresses"]
        .as_array()?
        .iter()
        .filter_map(Json::as_str)
        .collect();
    if !to.iter().any(|a| a.eq_ignore_ascii_case(BOUNCE_SIMULATOR)) {
        return None;
    }
    let mut tags = serde_json::Map::new();
    for tag in request["EmailTags"].as_array().into_iter().flatten() {
        if let (Some(name), Some(value)) = (tag["Name"].as_str(), tag["Value"].as_str()) {
            tags.insert(name.to_owned(), serde_json::json!([value]));
        }
    }
    let now = rpps_domain::paris::rfc3339(time::OffsetDateTime::now_utc());
    Some(serde_json::json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": "Email Bounced",
        "source": "aws.ses",
        "time": now,
        "region": region,
        "resources": [],
        "detail": {
            "eventType": "Bounce",
            "bounce": {
                "bounceType": "Permanent",
                "bounceSubType": "General",
                "bouncedRecipients": [{"emailAddress": BOUNCE_SIMULATOR}],
                "timestamp": now,
            },
            "mail": {
                "timestamp": now,
                "destination": to,
                "tags": tags,
            },
        },
    }))
}

impl Gate {
    /// Listens on a free port of 127.0.0.1 and forwards what is allowed to `upstream`.
    pub async fn start(
        upstream: &str,
        stack: LocalStack,
        mail_identity: String,
    ) -> anyhow::Result<Gate> {
        let policies = Policies::from_template(policy::TEMPLATE, &stack)
            .map_err(|e| anyhow::anyhow!("the IAM gate cannot read infra/template.yaml: {e}"))?;
        rpps_identity::install_tls_provider();
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .context("the IAM gate's HTTP client")?;
        let (ses_events, ses_events_out) = tokio::sync::mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            upstream: upstream.trim_end_matches('/').to_owned(),
            stack,
            policies,
            mail_identity,
            client,
            denials: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
            sent: Mutex::new(Vec::new()),
            faulted: Mutex::new(BTreeMap::new()),
            calls: Mutex::new(BTreeMap::new()),
            ses_events,
            ses_events_out: Mutex::new(Some(ses_events_out)),
        });
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let router = axum::Router::new()
            .fallback(handle)
            .with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Ok(Gate { endpoint, inner })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The SDK configuration a function's calls go through the gate with, signed as it.
    pub fn sdk_for(&self, binary: &str) -> rpps_runtime::aws::SdkConfig {
        rpps_runtime::aws::for_local_endpoint_as(
            &self.endpoint,
            &format!("{CALLER_PREFIX}{binary}"),
        )
    }

    /// Injects `fault` into the next matching calls.
    pub fn inject(&self, fault: Fault) {
        if let Ok(mut faults) = self.inner.faults.lock() {
            faults.push(fault);
        }
    }

    /// The emails SES accepted from this application's functions (each SendEmail request's
    /// JSON), oldest first: what the tests read instead of the emulator's whole state.
    pub fn sent_emails(&self) -> Vec<Json> {
        self.sent_emails_at().into_iter().map(|(_, e)| e).collect()
    }

    /// [`Gate::sent_emails`] with the instant SES's acceptance came back.
    pub fn sent_emails_at(&self) -> Vec<(std::time::SystemTime, Json)> {
        self.inner
            .sent
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// The events SES publishes (the simulator's bounces), once: for the runner to give to
    /// the mailer.
    pub fn ses_events(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<Json>> {
        self.inner.ses_events_out.lock().ok()?.take()
    }

    /// The calls `function` (its binary, `rpps-fhir`) made so far, by operation: what the
    /// benchmarks count per request.
    pub fn calls(&self, function: &str) -> BTreeMap<String, usize> {
        self.inner
            .calls
            .lock()
            .map(|calls| {
                calls
                    .iter()
                    .filter(|((f, _), _)| f == function)
                    .map(|((_, op), n)| (op.clone(), *n))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every fault lifted.
    pub fn clear_faults(&self) {
        if let Ok(mut faults) = self.inner.faults.lock() {
            faults.clear();
        }
    }

    /// How many calls of `action` a fault has hit so far.
    pub fn faulted(&self, action: &str) -> usize {
        self.inner
            .faulted
            .lock()
            .map(|f| f.get(action).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// Every call refused so far, now forgotten (a test that provokes refusals takes them).
    pub fn take_denials(&self) -> Vec<Denial> {
        self.inner
            .denials
            .lock()
            .map(|mut d| std::mem::take(&mut *d))
            .unwrap_or_default()
    }

    /// Every call refused so far.
    pub fn denials(&self) -> Vec<Denial> {
        self.inner
            .denials
            .lock()
            .map(|d| d.clone())
            .unwrap_or_default()
    }
}

/// Which service a call is for, read from its target header or path.
enum Service {
    DynamoDb(String),
    SecretsManager(String),
    Ses,
    /// Read from the signature's credential scope (`…/s3/aws4_request`): S3's REST calls
    /// carry no target header.
    S3,
}

/// An S3 error document, as the SDK reads one.
fn s3_error(code: &str, message: &str) -> serde_json::Value {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    serde_json::Value::String(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{}</Code><Message>{}</Message></Error>",
        escape(code),
        escape(message)
    ))
}

async fn handle(State(gate): State<Arc<Inner>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(e) => return (StatusCode::PAYLOAD_TOO_LARGE, e.to_string()).into_response(),
    };
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let scope_s3 = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("/s3/aws4_request"));
    let service = if let Some(op) = target.strip_prefix("DynamoDB_20120810.") {
        Service::DynamoDb(op.to_owned())
    } else if let Some(op) = target.strip_prefix("secretsmanager.") {
        Service::SecretsManager(op.to_owned())
    } else if scope_s3 {
        Service::S3
    } else {
        Service::Ses
    };
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    let json: Json = if body.is_empty() {
        Json::Null
    } else {
        serde_json::from_slice(&body).unwrap_or(Json::Null)
    };
    let caller = caller(&parts.headers);
    if let (Some(function), Ok(mut calls)) = (&caller, gate.calls.lock()) {
        let operation = match &service {
            Service::DynamoDb(op) => format!("dynamodb:{op}"),
            Service::SecretsManager(op) => format!("secretsmanager:{op}"),
            Service::Ses => format!("ses:{} {}", parts.method, parts.uri.path()),
            Service::S3 => format!(
                "s3:{}",
                requests::s3_operation(parts.method.as_str(), &path, &parts.headers)
            ),
        };
        *calls.entry((function.clone(), operation)).or_default() += 1;
    }
    let asked = match &service {
        Service::DynamoDb(op) => requests::dynamodb(op, &json, &gate.stack, &gate.policies.tables),
        Service::SecretsManager(op) => requests::secrets_manager(op, &json, &gate.stack),
        Service::Ses => requests::ses(
            parts.method.as_str(),
            &path,
            &json,
            &gate.stack,
            &gate.mail_identity,
        ),
        Service::S3 => requests::s3(parts.method.as_str(), &path, &parts.headers),
    };
    // What a fault may name: each authorization's action, and the operation itself
    // (`dynamodb:TransactWriteItems`, which IAM does not know).
    let mut actions: Vec<String> = asked
        .as_ref()
        .map(|a| a.iter().map(|a| a.action.clone()).collect())
        .unwrap_or_default();
    match &service {
        Service::DynamoDb(op) => actions.push(format!("dynamodb:{op}")),
        // The S3 operation too (`s3:CompleteMultipartUpload`: every upload step is s3:PutObject).
        Service::S3 => actions.push(format!(
            "s3:{}",
            requests::s3_operation(parts.method.as_str(), &path, &parts.headers)
        )),
        _ => {}
    }
    // S3 answers a missing key with 404 only to a caller allowed to list the bucket, with 403
    // AccessDenied to anyone else: what moto cannot tell, the gate does (below).
    let s3_missing_is_denied = match (&service, &caller, &asked) {
        (Service::S3, Some(function), Ok(asked))
            if asked.len() == 1 && asked[0].action == "s3:GetObject" =>
        {
            let bucket = asked[0]
                .resource
                .strip_prefix("arn:aws:s3:::")
                .and_then(|rest| rest.split('/').next())
                .unwrap_or_default();
            gate.policies
                .check(
                    function,
                    &Authorization {
                        action: "s3:ListBucket".into(),
                        resource: format!("arn:aws:s3:::{bucket}"),
                        context: BTreeMap::new(),
                    },
                )
                .is_err()
        }
        _ => false,
    };
    let verdict = match (&caller, asked) {
        (None, _) => Err(Denial {
            function: "?".into(),
            action: target.to_owned(),
            resource: path.clone(),
            reason: format!("the call is not signed by a function (access key {CALLER_PREFIX}…)"),
        }),
        (Some(function), Err(reason)) => Err(Denial {
            function: function.clone(),
            action: target.to_owned(),
            resource: path.clone(),
            reason,
        }),
        (Some(function), Ok(asked)) => check(&gate.policies, function, &asked),
    };
    if let Err(denial) = verdict {
        tracing::warn!(
            function = %denial.function,
            action = %denial.action,
            resource = %denial.resource,
            reason = %denial.reason,
            "IAM gate: access denied"
        );
        if let Ok(mut denials) = gate.denials.lock() {
            denials.push(denial.clone());
        }
        return denied(&service, &denial);
    }
    match fault_for(&gate, caller.as_deref(), &actions) {
        None => {
            let response = forward_recording(&gate, parts, body, &path, &actions, json).await;
            if s3_missing_is_denied && response.status() == StatusCode::NOT_FOUND {
                return failure(&Service::S3, 403, "AccessDenied");
            }
            response
        }
        Some((action, FaultKind::Refuse { status, code })) => {
            tracing::info!(%action, status, %code, "IAM gate: fault injected (refused)");
            failure(&service, status, &code)
        }
        Some((action, FaultKind::Delay(delay))) => {
            tracing::info!(%action, ?delay, "IAM gate: fault injected (delayed)");
            tokio::time::sleep(delay).await;
            forward_recording(&gate, parts, body, &path, &actions, json).await
        }
        Some((action, FaultKind::LoseAnswer)) => {
            let response = forward_recording(&gate, parts, body, &path, &actions, json).await;
            tracing::info!(%action, "IAM gate: fault injected (answer lost)");
            // The status line goes out, then the body fails: hyper closes the connection.
            let cut = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("cut by the local gate"))
            });
            let mut lost = Response::new(Body::from_stream(cut));
            *lost.status_mut() = response.status();
            lost
        }
    }
}

/// [`forward`], and an email SES accepted recorded with the instant of its acceptance.
async fn forward_recording(
    gate: &Inner,
    parts: axum::http::request::Parts,
    body: Bytes,
    path: &str,
    actions: &[String],
    json: Json,
) -> Response {
    let response = forward(gate, parts, body, path).await;
    if response.status().is_success() && actions.iter().any(|a| a == "ses:SendEmail") {
        if let Some(bounce) = simulated_bounce(&json, &gate.stack.region) {
            let _ = gate.ses_events.send(bounce);
        }
        if let Ok(mut sent) = gate.sent.lock() {
            sent.push((std::time::SystemTime::now(), json));
        }
    }
    response
}

/// The first fault matching one of the call's actions, counted (and used up when limited).
fn fault_for(
    gate: &Inner,
    function: Option<&str>,
    actions: &[String],
) -> Option<(String, FaultKind)> {
    let mut faults = gate.faults.lock().ok()?;
    let index = faults.iter().position(|f| {
        actions.contains(&f.action)
            && f.function
                .as_deref()
                .is_none_or(|only| Some(only) == function)
            && f.times != Some(0)
    })?;
    let fault = &mut faults[index];
    if let Some(times) = fault.times.as_mut() {
        *times -= 1;
    }
    let hit = (fault.action.clone(), fault.kind.clone());
    if let Ok(mut faulted) = gate.faulted.lock() {
        *faulted.entry(hit.0.clone()).or_default() += 1;
    }
    Some(hit)
}

/// The service's error answer `code` with `status`.
fn failure(service: &Service, status: u16, code: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = format!("injected by the local gate: {code}");
    let (content_type, body) = match service {
        Service::DynamoDb(_) => (
            "application/x-amz-json-1.0",
            serde_json::json!({
                "__type": format!("com.amazonaws.dynamodb.v20120810#{code}"),
                "message": message,
            }),
        ),
        Service::SecretsManager(_) => (
            "application/x-amz-json-1.1",
            serde_json::json!({"__type": code, "message": message}),
        ),
        Service::Ses => ("application/json", serde_json::json!({"message": message})),
        Service::S3 => ("application/xml", s3_error(code, &message)),
    };
    let body = match body {
        serde_json::Value::String(xml) => xml,
        json => json.to_string(),
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static(content_type));
    if let Ok(code) = HeaderValue::from_str(code) {
        headers.insert("x-amzn-errortype", code);
    }
    response
}

/// Each authorization the call needs, in order; the first refused one is the answer.
fn check(policies: &Policies, function: &str, asked: &[Authorization]) -> Result<(), Denial> {
    for authorization in asked {
        policies
            .check(function, authorization)
            .map_err(|reason| Denial {
                function: function.to_owned(),
                action: authorization.action.clone(),
                resource: authorization.resource.clone(),
                reason,
            })?;
    }
    Ok(())
}

/// The function named by the access key of the call's signature.
fn caller(headers: &HeaderMap) -> Option<String> {
    let authorization = headers.get("authorization")?.to_str().ok()?;
    let credential = authorization.split("Credential=").nth(1)?;
    let key = credential.split('/').next()?;
    key.strip_prefix(CALLER_PREFIX).map(str::to_owned)
}

/// The service's own answer to a refused call, as the SDK expects it.
fn denied(service: &Service, denial: &Denial) -> Response {
    let message = format!(
        "User: arn:aws:sts::000000000000:assumed-role/{}/local is not authorized to perform: {} \
         on resource: {} ({})",
        denial.function, denial.action, denial.resource, denial.reason
    );
    let (status, content_type, body) = match service {
        Service::DynamoDb(_) => (
            StatusCode::BAD_REQUEST,
            "application/x-amz-json-1.0",
            serde_json::json!({
                "__type": "com.amazonaws.dynamodb.v20120810#AccessDeniedException",
                "message": message,
            }),
        ),
        Service::SecretsManager(_) => (
            StatusCode::BAD_REQUEST,
            "application/x-amz-json-1.1",
            serde_json::json!({"__type": "AccessDeniedException", "message": message}),
        ),
        Service::Ses => (
            StatusCode::FORBIDDEN,
            "application/json",
            serde_json::json!({"message": message}),
        ),
        Service::S3 => (
            StatusCode::FORBIDDEN,
            "application/xml",
            s3_error("AccessDenied", &message),
        ),
    };
    let body = match body {
        serde_json::Value::String(xml) => xml,
        json => json.to_string(),
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static(content_type));
    headers.insert(
        "x-amzn-errortype",
        HeaderValue::from_static("AccessDeniedException"),
    );
    response
}

async fn forward(
    gate: &Inner,
    parts: axum::http::request::Parts,
    body: Bytes,
    path: &str,
) -> Response {
    let mut request = gate
        .client
        .request(parts.method, format!("{}{path}", gate.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    let answer = match request.send().await {
        Ok(answer) => answer,
        Err(e) => {
            return (
                StatusCode::BAD_GATEWAY,
                format!("the IAM gate could not reach the emulator: {e}"),
            )
                .into_response();
        }
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = match answer.bytes().await {
        Ok(bytes) => bytes,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    for (name, value) in &headers {
        if name != "content-length" && name != "transfer-encoding" && name != "connection" {
            response.headers_mut().append(name, value.clone());
        }
    }
    response
}

/// The local stack's names for the template's tables and parameters.
pub fn local_stack(config: &rpps_runtime::Config, site_bucket: &str) -> LocalStack {
    LocalStack {
        buckets: BTreeMap::from([("SiteBucket".to_owned(), site_bucket.to_owned())]),
        region: rpps_runtime::aws::DEFAULT_REGION.to_owned(),
        account: "123456789012".to_owned(),
        tables: BTreeMap::from([
            ("RegistryTable".to_owned(), config.registry_table.clone()),
            ("SessionsTable".to_owned(), config.sessions_table.clone()),
        ]),
        parameters: BTreeMap::from([
            ("MailFrom".to_owned(), config.mail_from.clone()),
            ("MailIdentity".to_owned(), config.mail_identity.clone()),
        ]),
    }
}
