//! The Lambda entry point: a function's router, unchanged, behind `lambda_http`.

use axum::Router;

/// JSON logs for CloudWatch; level from `RUST_LOG` (default `info`).
pub fn init_json_logs() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_current_span(false)
        .without_time()
        .try_init();
}

/// Human-readable logs for the local runner and tests.
pub fn init_text_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
}

/// Serves `router` to the Lambda runtime (API Gateway HTTP API, payload v2), with the JSON 404
/// for paths it does not know — as the local runner does for all routers together.
pub async fn run(router: Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(router.fallback(crate::not_found)).await
}
