//! Each function crate declares its routes once, as `pub const ROUTES: &[(&str, &str)]`
//! (method, path in API Gateway's syntax, `{name}` for a parameter, which axum 0.8 shares), next
//! to its `router()`. Two tests keep that list honest:
//!
//! - the crate's own unit test calls [`unserved`] to prove its router answers every entry;
//! - `tests/tests/e2e/template.rs` proves the SAM template's `HttpApi` events of the crate's
//!   function are exactly that list, and that the local runner serves every entry.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use tower::ServiceExt;

/// A configuration for routes tests: tables that need not exist, a loopback origin.
pub fn test_config() -> rpps_runtime::Config {
    rpps_runtime::Config {
        registry_table: "routes-test-registry".into(),
        sessions_table: "routes-test-sessions".into(),
        mail_from: "no-reply@rpps-plus.localhost".into(),
        mail_identity: "no-reply@rpps-plus.localhost".into(),
        public_origin: Some("http://127.0.0.1:1".into()),
    }
}

/// An SDK configuration whose every call fails at once (nothing listens on port 1), so a handler
/// that reaches AWS in a routes test answers quickly.
pub fn unreachable_sdk() -> rpps_runtime::aws::SdkConfig {
    rpps_runtime::aws::for_local_endpoint("http://127.0.0.1:1")
}

/// The status a test fallback answers, so a path the router does not know cannot be confused
/// with a handler's own 404.
const UNMATCHED: u16 = 599;

/// A concrete request path for a route path: every `{name}` (or `{name+}`) segment becomes
/// `sample`.
pub fn sample_path(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                "sample"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The entries of `routes` that `router` does not serve, each with the status it got: a path the
/// router does not match (answered by a test fallback) or a method it does not accept (405).
/// The router is driven in process, one request per entry, without a body; handlers may fail in
/// any other way (a 400 for a missing parameter, a 503 for an unreachable database): that still
/// proves the route exists. Give the state unreachable endpoints so such failures are quick.
pub async fn unserved(router: Router, routes: &[(&str, &str)]) -> Vec<String> {
    let router =
        router.fallback(|| async { StatusCode::from_u16(UNMATCHED).expect("a valid status code") });
    let mut unserved = Vec::new();
    for &(method, path) in routes {
        let request = Method::from_bytes(method.as_bytes())
            .map_err(|e| e.to_string())
            .and_then(|method| {
                Request::builder()
                    .method(method)
                    .uri(sample_path(path))
                    .body(Body::empty())
                    .map_err(|e| e.to_string())
            });
        let request = match request {
            Ok(request) => request,
            Err(e) => {
                unserved.push(format!("{method} {path}: not a valid request ({e})"));
                continue;
            }
        };
        let call = router.clone().oneshot(request);
        let status = match tokio::time::timeout(std::time::Duration::from_secs(30), call).await {
            Ok(Ok(response)) => response.status(),
            Ok(Err(infallible)) => match infallible {},
            Err(_) => {
                unserved.push(format!("{method} {path}: no answer within 30 s"));
                continue;
            }
        };
        if status.as_u16() == UNMATCHED {
            unserved.push(format!("{method} {path}: no such route in the router"));
        } else if status == StatusCode::METHOD_NOT_ALLOWED {
            unserved.push(format!(
                "{method} {path}: 405, the router has the path for other methods"
            ));
        }
    }
    unserved
}

#[cfg(test)]
mod tests {
    use axum::routing::{get, post};

    use super::*;

    #[test]
    fn parameters_get_a_sample_value() {
        assert_eq!(sample_path("/api/health"), "/api/health");
        assert_eq!(
            sample_path("/api/registrations/{id}/validate"),
            "/api/registrations/sample/validate"
        );
        assert_eq!(sample_path("/api/files/{proxy+}"), "/api/files/sample");
    }

    #[tokio::test]
    async fn served_routes_pass_and_the_others_are_reported() {
        let router = Router::new()
            .route("/api/a", get(|| async { StatusCode::NOT_FOUND }))
            .route("/api/b/{id}", post(|| async { StatusCode::BAD_REQUEST }));
        let served = [("GET", "/api/a"), ("POST", "/api/b/{id}")];
        assert!(unserved(router.clone(), &served).await.is_empty());

        let wrong = [
            ("GET", "/api/c"),
            ("GET", "/api/b/{id}"),
            ("GE T", "/api/a"),
        ];
        let reported = unserved(router, &wrong).await;
        assert_eq!(reported.len(), 3, "{reported:?}");
        assert!(reported[0].contains("no such route"), "{reported:?}");
        assert!(reported[1].contains("405"), "{reported:?}");
        assert!(reported[2].contains("not a valid request"), "{reported:?}");
    }
}
