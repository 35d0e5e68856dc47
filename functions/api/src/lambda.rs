//! The Lambda entry point of an HTTP function: its router, unchanged, behind `lambda_http`.

use axum::Router;

/// Serves `router` to the Lambda runtime (API Gateway HTTP API, payload v2), with the JSON 404
/// for paths it does not know — as the local runner does for all routers together.
pub async fn run(router: Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(router.fallback(crate::not_found)).await
}
