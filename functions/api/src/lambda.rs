//! The Lambda entry point of an HTTP function: its router, unchanged, behind `lambda_http`.

use axum::Router;

use crate::origin::{self, OriginVerify};

/// Serves `router` to the Lambda runtime (API Gateway HTTP API, payload v2), with the JSON 404
/// for paths it does not know — as the local runner does for all routers together — and, when
/// the deployment gives the values, the refusal of requests that did not come through CloudFront
/// ([`origin`]).
pub async fn run(router: Router) -> Result<(), lambda_http::Error> {
    let router = origin::guard(router.fallback(crate::not_found), OriginVerify::from_env());
    lambda_http::run(router).await
}
