//! What every function shares at its HTTP boundary: the JSON error envelope, the validated search
//! query and path parameters, configuration read once at start-up, the AWS SDK configuration, and
//! the Lambda entry point that runs a router unchanged in AWS (the local runner serves the same
//! routers).

pub mod aws;
pub mod config;
pub mod error;
pub mod lambda;
pub mod params;
pub mod query;
pub mod routes;
pub mod timestamp;

pub use config::Config;
pub use error::ApiError;
pub use params::rpps_param;
pub use query::SearchQuery;

/// The JSON 404 for any unknown path under `/api/`.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(
        "route.not_found",
        format!("Aucune ressource ne correspond à l'adresse {}.", uri.path()),
    )
}
