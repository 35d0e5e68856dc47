//! `GET /api/health`: each dependency (database, email) up or down, with its latency.
//! 200 when everything is up, 503 (with `Retry-After`) when something is down.
//!
//! `GET /api/openapi.json`: the OpenAPI 3.1 document of every route of the functions (`/api/…`,
//! `/fhir/…`, the card keys' document; `openapi.yaml` beside this crate's manifest, converted to
//! JSON once), kept true by
//! `tests/tests/e2e/openapi.rs`.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rpps_mail::Mailer;
use rpps_store::Store;
use serde::Serialize;

#[derive(Clone)]
pub struct HealthState {
    pub store: Store,
    pub mailer: Mailer,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Up,
    Down,
}

#[derive(Serialize, Debug)]
pub struct Dependency {
    pub status: Status,
    pub latency_ms: u64,
    /// Why it is down (never a secret: SDK error text without credentials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Serialize, Debug)]
pub struct Health {
    pub status: Status,
    pub database: Dependency,
    pub email: Dependency,
}

async fn timed<E: std::fmt::Display>(
    check: impl std::future::Future<Output = Result<(), E>>,
) -> Dependency {
    let start = Instant::now();
    let result = check.await;
    let latency_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    match result {
        Ok(()) => Dependency {
            status: Status::Up,
            latency_ms,
            detail: None,
        },
        Err(e) => {
            tracing::warn!(error = %e, "dependency down");
            Dependency {
                status: Status::Down,
                latency_ms,
                detail: Some(e.to_string()),
            }
        }
    }
}

pub async fn check(state: &HealthState) -> Health {
    let (database, email) = tokio::join!(timed(state.store.ping()), timed(state.mailer.ping()));
    let status = if database.status == Status::Up && email.status == Status::Up {
        Status::Up
    } else {
        Status::Down
    };
    Health {
        status,
        database,
        email,
    }
}

async fn health(State(state): State<HealthState>) -> Response {
    let health = check(&state).await;
    let code = if health.status == Status::Up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut response = (code, Json(health)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if code != StatusCode::OK {
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
    }
    response
}

/// The OpenAPI 3.1 document of the whole API as served: JSON, converted from `openapi.yaml` at
/// build time (`build.rs`).
pub const OPENAPI_JSON: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/openapi.json"));

/// The document as a JSON value.
pub fn openapi_document() -> Result<serde_json::Value, String> {
    serde_json::from_slice(OPENAPI_JSON).map_err(|e| format!("openapi.json: {e}"))
}

async fn openapi() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            // Changes only with a deployment.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        Bytes::from_static(OPENAPI_JSON),
    )
        .into_response()
}

/// The routes `router` serves, (method, path): the SAM template's `HttpApi` events of this
/// function must be exactly these (checked by `tests/tests/e2e/template.rs`).
pub const ROUTES: &[(&str, &str)] = &[("GET", "/api/health"), ("GET", "/api/openapi.json")];

/// The function's routes.
pub fn router(state: HealthState) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/openapi.json", get(openapi))
        .with_state(state)
}

/// Builds the clients once, from the environment (used by the Lambda `main`).
pub fn state_from_env() -> anyhow::Result<HealthState> {
    let config = rpps_runtime::Config::from_env()?;
    let sdk = rpps_runtime::aws::from_env();
    Ok(state_from_sdk(&config, &sdk))
}

pub fn state_from_sdk(
    config: &rpps_runtime::Config,
    sdk: &rpps_runtime::aws::SdkConfig,
) -> HealthState {
    HealthState {
        store: Store::from_config(config, sdk),
        mailer: Mailer::new(
            aws_sdk_sesv2::Client::new(sdk),
            config.mail_from.clone(),
            config.mail_identity.clone(),
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_openapi_document_converts_to_json() {
        let document = super::openapi_document().unwrap();
        assert!(document["openapi"].as_str().unwrap().starts_with("3.1."));
        assert!(document["paths"]["/api/openapi.json"]["get"].is_object());
        // The served JSON is the YAML as written (the build script converted it).
        let source: serde_json::Value =
            serde_yaml_ng::from_str(include_str!("../openapi.yaml")).unwrap();
        assert_eq!(document, source);
    }
}

#[cfg(test)]
mod routes {
    #[tokio::test]
    async fn the_router_serves_every_entry_of_routes() {
        let config = rpps_api::routes::test_config();
        let sdk = rpps_api::routes::unreachable_sdk();
        let router = super::router(super::state_from_sdk(&config, &sdk));
        let unserved = rpps_api::routes::unserved(router, super::ROUTES).await;
        assert!(unserved.is_empty(), "{unserved:#?}");
    }
}
