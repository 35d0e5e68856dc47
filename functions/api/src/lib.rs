//! What every function shares at its HTTP boundary: the JSON error envelope, the validated search
//! query and path parameters, and the Lambda entry point that runs a router unchanged in AWS (the
//! local runner serves the same routers). Configuration and AWS clients are `rpps-runtime`'s.

pub mod body;
pub mod csv;
pub mod error;
pub mod lambda;
pub mod origin;
pub mod params;
pub mod query;
pub mod routes;
pub mod views;

pub use body::ApiJson;
pub use error::{ApiError, FieldErrors};
pub use params::rpps_param;
pub use query::SearchQuery;

/// Reference data changes rarely: browsers and CloudFront may keep answers for an hour.
pub const REFERENCE_DATA_CACHE: &str = "public, max-age=3600";

/// A JSON answer with its `Cache-Control`.
pub fn cached_json(
    body: impl serde::Serialize,
    cache_control: &'static str,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut response = axum::Json(body).into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static(cache_control),
    );
    response
}

/// The JSON 404 for any unknown path under `/api/`.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(
        "route.not_found",
        format!("Aucune ressource ne correspond à l'adresse {}.", uri.path()),
    )
}
