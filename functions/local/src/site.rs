//! The static site as S3 and CloudFront serve it (docs/DEPLOY.md, "Frontend upload"): a file
//! when it exists, else `index.html` with 200 (the SPA fallback); pre-compressed brotli or gzip
//! when the browser accepts it; `Cache-Control` as the upload sets it — the build's hashed files
//! (`app-*_bg.wasm`, `app-*.js`, `style-*.css`) cached a year and immutable, everything else
//! (`index.html` first) revalidated with `no-cache`; and the Content-Security-Policy of the
//! CloudFront response headers policy on the pages, so that the browser tests run under it.

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::services::{ServeDir, ServeFile};

/// `Cache-Control` of the build's hashed files (the `IMMUTABLE` of docs/DEPLOY.md).
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of every other file of the site, `index.html` first.
pub const REVALIDATE: &str = "no-cache";

/// The Content-Security-Policy of `SecurityHeadersPolicy` in `infra/template.yaml`, on one line
/// (`tests/tests/e2e/template.rs` holds the two equal), minus `upgrade-insecure-requests`: the
/// local runner speaks plain HTTP on 127.0.0.1, where that directive would only ask for an
/// `https://` that does not exist.
pub const CONTENT_SECURITY_POLICY_LOCAL: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

/// Whether a request path names one of the build's hashed files, exactly the patterns the
/// upload marks immutable: `app-*_bg.wasm`, `app-*.js`, `style-*.css` at the root.
pub fn is_hashed_asset(path: &str) -> bool {
    let Some(name) = path.strip_prefix('/') else {
        return false;
    };
    if name.contains('/') {
        return false;
    }
    (name.starts_with("app-") && (name.ends_with("_bg.wasm") || name.ends_with(".js")))
        || (name.starts_with("style-") && name.ends_with(".css"))
}

/// The `Cache-Control` the deployed site sends for `path` answered with `content_type`: an
/// answer in HTML (a page, or the fallback for a missing file) is never immutable.
pub fn cache_control(path: &str, content_type: Option<&str>) -> &'static str {
    let html = content_type.is_some_and(|t| t.starts_with("text/html"));
    if is_hashed_asset(path) && !html {
        IMMUTABLE
    } else {
        REVALIDATE
    }
}

async fn headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if !(response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED) {
        return response;
    }
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let headers = response.headers_mut();
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static(cache_control(&path, content_type.as_deref())),
    );
    // The policy governs documents only (over HTTP/2 CloudFront's copy on every response costs
    // a few bytes; here, on HTTP/1.1, it would inflate the measured first load).
    if content_type.is_some_and(|t| t.starts_with("text/html")) {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY_LOCAL),
        );
    }
    response
}

/// The site in `frontend_dir`, with the SPA fallback, pre-compressed files and the headers above.
pub fn router(frontend_dir: &Path) -> Router {
    let files = ServeDir::new(frontend_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(frontend_dir.join("index.html"))
                .precompressed_br()
                .precompressed_gzip(),
        );
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn(headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_builds_hashed_files_are_immutable() {
        for path in [
            "/app-90a121d277.js",
            "/app-cd33f08fc9_bg.wasm",
            "/style-4576a38a2e.css",
        ] {
            assert_eq!(cache_control(path, Some("application/wasm")), IMMUTABLE);
        }
        for path in [
            "/",
            "/index.html",
            "/robots.txt",
            "/gestion/demandes/abc",
            "/snippets/app-x.js",
            "/apple.js",
            "/style.css",
        ] {
            assert_eq!(
                cache_control(path, Some("text/plain")),
                REVALIDATE,
                "{path}"
            );
        }
        // A missing hashed file falls back to index.html: that answer is not immutable.
        assert_eq!(
            cache_control("/app-0000000000.js", Some("text/html")),
            REVALIDATE
        );
    }
}
