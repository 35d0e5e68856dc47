//! Requests reach the functions through CloudFront only (issue 15): CloudFront adds a secret
//! header to every request it sends the HTTP API (`OriginCustomHeaders` in the template, a value
//! generated in Secrets Manager), and a function refuses a request without it with a 403. So
//! going around the distribution — to the `execute-api` endpoint or the API's own custom domain —
//! also goes around nothing: the WAF's rate rules, the security headers and the same-origin
//! checks all stay in front.
//!
//! The accepted values come from `RPPS_ORIGIN_VERIFY` (the template resolves the secret's
//! `current` and `previous` values into it, separated by a space): during a rotation CloudFront
//! sends the new value while some requests still carry the old one (docs/DEPLOY.md, "The
//! origin-verify secret"). Values shorter than [`MIN_LEN`] are ignored, so the placeholder of a
//! first deployment (`previous` = `-`) never opens the door. Without the variable (the local
//! runner, the tests) nothing is checked; a Lambda function without it logs an error at start.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::ApiError;

/// The header CloudFront adds (lower case: HTTP/2 and API Gateway payload v2).
pub const HEADER: &str = "x-rpps-origin-verify";

/// The environment variable with the accepted values.
pub const ENV: &str = "RPPS_ORIGIN_VERIFY";

/// Shortest value accepted: the template generates 48 characters.
pub const MIN_LEN: usize = 32;

/// The values a request may carry in [`HEADER`].
#[derive(Clone)]
pub struct OriginVerify {
    accepted: Vec<Vec<u8>>,
}

impl std::fmt::Debug for OriginVerify {
    // Never the values (they would reach the logs).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OriginVerify({} value(s))", self.accepted.len())
    }
}

impl OriginVerify {
    /// The values of a space- or comma-separated list, each at least [`MIN_LEN`] long; `None`
    /// when none is (nothing to check against).
    pub fn parse(list: &str) -> Option<Self> {
        let accepted: Vec<Vec<u8>> = list
            .split([' ', ',', '\n', '\t'])
            .map(str::trim)
            .filter(|value| value.len() >= MIN_LEN)
            .map(|value| value.as_bytes().to_vec())
            .collect();
        (!accepted.is_empty()).then_some(Self { accepted })
    }

    /// From [`ENV`]; logs why when the check is off in a Lambda function.
    pub fn from_env() -> Option<Self> {
        let list = std::env::var(ENV).unwrap_or_default();
        let parsed = Self::parse(&list);
        if parsed.is_none() && std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
            tracing::error!(
                event = "origin_verify.off",
                "{ENV} holds no value of {MIN_LEN} characters or more: requests that go around \
                 CloudFront are not refused"
            );
        }
        parsed
    }

    /// Whether `value` is one of the accepted values (compared in constant time per value).
    pub fn accepts(&self, value: &[u8]) -> bool {
        self.accepted.iter().fold(false, |found, accepted| {
            found | constant_time_eq(accepted, value)
        })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// The middleware: a request without an accepted [`HEADER`] gets a 403 `origin.direct` and never
/// reaches a handler; the header is removed before the handlers see the request.
pub async fn require(
    State(verify): State<OriginVerify>,
    mut request: Request,
    next: Next,
) -> Response {
    let accepted = request
        .headers()
        .get(HEADER)
        .is_some_and(|value| verify.accepts(value.as_bytes()));
    if !accepted {
        tracing::warn!(
            event = "origin_verify.refused",
            path = request.uri().path(),
            "a request that did not come through CloudFront was refused"
        );
        return ApiError::forbidden(
            "origin.direct",
            "Cette adresse ne sert pas le public : passez par le site RPPS+.",
        )
        .into_response();
    }
    request.headers_mut().remove(HEADER);
    next.run(request).await
}

/// `router` behind [`require`] when `verify` is given, unchanged otherwise.
pub fn guard(router: axum::Router, verify: Option<OriginVerify>) -> axum::Router {
    match verify {
        Some(verify) => router.layer(axum::middleware::from_fn_with_state(verify, require)),
        None => router,
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    const CURRENT: &str = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
    const PREVIOUS: &str = "decade00decade00decade00decade00decade00decade00";

    fn app(verify: Option<OriginVerify>) -> axum::Router {
        let router = axum::Router::new().route(
            "/api/health",
            get(|request: Request<Body>| async move {
                // The handler never sees the secret.
                assert!(request.headers().get(HEADER).is_none());
                "ok"
            }),
        );
        guard(router, verify)
    }

    async fn status(app: axum::Router, header: Option<&str>) -> StatusCode {
        let mut request = Request::builder().uri("/api/health");
        if let Some(value) = header {
            request = request.header(HEADER, value);
        }
        let request = request.body(Body::empty()).expect("a request");
        app.oneshot(request).await.expect("an answer").status()
    }

    #[test]
    fn short_values_and_placeholders_are_never_accepted() {
        assert!(OriginVerify::parse("").is_none());
        assert!(OriginVerify::parse("- short").is_none());
        let verify = OriginVerify::parse(&format!("{CURRENT} -")).expect("one value");
        assert!(verify.accepts(CURRENT.as_bytes()));
        assert!(!verify.accepts(b"-"));
        assert!(!verify.accepts(b""));
        assert!(!format!("{verify:?}").contains(CURRENT));
    }

    /// Issue 15, "the execute-api endpoint is reachable directly, around CloudFront": a request
    /// without CloudFront's header is refused; both values of a rotation are accepted.
    #[tokio::test]
    async fn a_request_that_went_around_cloudfront_is_refused() {
        let verify = OriginVerify::parse(&format!("{CURRENT} {PREVIOUS}"));
        assert_eq!(
            status(app(verify.clone()), None).await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status(app(verify.clone()), Some("guess")).await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status(app(verify.clone()), Some(&CURRENT[..40])).await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status(app(verify.clone()), Some(CURRENT)).await,
            StatusCode::OK
        );
        assert_eq!(status(app(verify), Some(PREVIOUS)).await, StatusCode::OK);
        // Locally (no values), nothing is checked.
        assert_eq!(status(app(None), None).await, StatusCode::OK);
    }
}
