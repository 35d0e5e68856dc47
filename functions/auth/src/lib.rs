//! The sign-in function: FranceConnect (applicants) and Pro Santé Connect (professionals with
//! e-CPS, RPPS+ managers with a CPx card), sessions, sign-out, and the guidance pages.
//!
//! - [`sign_in`]: `GET /api/auth/franceconnect/login`, `GET /api/auth/franceconnect/callback`,
//!   `GET /api/auth/psc/login[?profil=gestionnaire|professionnel]`, `GET /api/auth/psc/callback`;
//!   [`outcome`] turns a verified identity into a session or a refusal;
//! - [`session_view`]: `GET /api/session`, `POST /api/auth/logout`, `GET /api/auth/logged-out`,
//!   `GET /api/auth/problem?reason=…`;
//! - [`providers`]: the OpenID clients and their secrets; [`pages`]: the guidance pages.

pub mod outcome;
pub mod pages;
pub mod providers;
pub mod session_view;
pub mod sign_in;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rpps_contract::pages as web;
use rpps_domain::Role;
use rpps_identity::{OidcClientConfig, Provider};
use rpps_session::SessionContext;
use rpps_store::{AuditEntry, Store};

pub use outcome::civil_status;
pub use pages::Problem;
pub use providers::Providers;

/// Where each role lands after signing in (pages of the web app).
pub fn landing(role: &Role) -> &'static str {
    match role {
        Role::Applicant => web::APPLICANT_REQUEST,
        Role::Professional { .. } => web::PROFESSIONAL_RECORD,
        Role::Manager { .. } => web::MANAGER_QUEUE,
        _ => "/",
    }
}

#[derive(Clone)]
pub struct AuthState {
    pub store: Store,
    pub providers: Arc<Providers>,
    /// Our own origin (`https://…`), for the CSRF same-origin check.
    pub public_origin: String,
}

impl SessionContext for AuthState {
    fn store(&self) -> &Store {
        &self.store
    }
    fn public_origin(&self) -> &str {
        &self.public_origin
    }
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    no_store(response)
}

fn problem_redirect(problem: Problem) -> Response {
    see_other(&format!("/api/auth/problem?reason={}", problem.code()))
}

/// A sign-in's audit entry (under `SIGNIN#<provider>`); a failure to write it is logged, not
/// shown: the person's sign-in does not depend on it.
async fn audit(
    store: &Store,
    provider: Provider,
    actor: &str,
    action: &str,
    detail: serde_json::Value,
) {
    let entry =
        AuditEntry::new(format!("SIGNIN#{}", provider.code()), actor, action).with_after(&detail);
    if let Err(e) = store.record_audit(&entry).await {
        tracing::error!(error = %e, action, "audit entry not written");
    }
}

/// The routes `router` serves, (method, path): the SAM template's `HttpApi` events of this
/// function must be exactly these (checked by `tests/tests/e2e/template.rs`).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/auth/franceconnect/login"),
    ("GET", "/api/auth/franceconnect/callback"),
    ("GET", "/api/auth/psc/login"),
    ("GET", "/api/auth/psc/callback"),
    ("POST", "/api/auth/logout"),
    ("GET", "/api/auth/logged-out"),
    ("GET", "/api/auth/problem"),
    ("GET", "/api/session"),
];

/// The function's routes (the fallback is added by the Lambda entry or the local runner).
pub fn router(state: AuthState) -> Router {
    Router::new()
        .route(
            "/api/auth/franceconnect/login",
            get(sign_in::franceconnect_login),
        )
        .route(
            "/api/auth/franceconnect/callback",
            get(sign_in::franceconnect_callback),
        )
        .route("/api/auth/psc/login", get(sign_in::psc_login))
        .route("/api/auth/psc/callback", get(sign_in::psc_callback))
        .route("/api/auth/logout", post(session_view::logout))
        .route("/api/auth/logged-out", get(session_view::logged_out))
        .route("/api/auth/problem", get(session_view::problem))
        .route("/api/session", get(session_view::session))
        .with_state(state)
}

pub mod config;

/// Builds the state once, from the environment (used by the Lambda `main`). The client secrets
/// are not read here but by the first sign-in that needs them (`Providers::client_config`),
/// once: the function is ready without waiting for Secrets Manager, the requests that are not
/// sign-ins never wait for it, and no read is left in flight to be frozen with the environment
/// between two invocations (docs/DEPLOY.md, "Secrets"). A missing variable still fails the
/// start.
pub fn state_from_env() -> anyhow::Result<AuthState> {
    let config = rpps_runtime::Config::from_env()?;
    let public_origin = config.public_origin()?;
    let sdk = rpps_runtime::aws::from_env();
    let (franceconnect, psc, secrets) = config::providers_from_env(&sdk, &public_origin)?;
    Ok(AuthState {
        store: Store::from_config(&config, &sdk),
        providers: Arc::new(Providers::with_secrets_from(franceconnect, psc, secrets)),
        public_origin,
    })
}

pub fn state_from_parts(
    config: &rpps_runtime::Config,
    sdk: &rpps_runtime::aws::SdkConfig,
    public_origin: String,
    franceconnect: OidcClientConfig,
    psc: OidcClientConfig,
) -> AuthState {
    AuthState {
        store: Store::from_config(config, sdk),
        providers: Arc::new(Providers::new(franceconnect, psc)),
        public_origin,
    }
}

#[cfg(test)]
mod routes {
    use rpps_identity::{OidcClientConfig, SecretString};

    use super::config;

    #[tokio::test]
    async fn the_router_serves_every_entry_of_routes() {
        let config = rpps_api::routes::test_config();
        let sdk = rpps_api::routes::unreachable_sdk();
        let origin = "http://127.0.0.1:1";
        let provider = |path: &str| {
            let issuer = format!("{origin}/{path}");
            let secret = SecretString::from("routes-test".to_owned());
            let callback = config::callback_uri(origin, path);
            let logout = config::post_logout_uri(origin);
            (issuer, secret, callback, logout)
        };
        let (issuer, secret, callback, logout) = provider("franceconnect");
        let franceconnect =
            OidcClientConfig::franceconnect(issuer, "routes-test", secret, callback, logout);
        let (issuer, secret, callback, logout) = provider("psc");
        let psc = OidcClientConfig::psc(issuer, "routes-test", secret, callback, logout);
        let state = super::state_from_parts(&config, &sdk, origin.into(), franceconnect, psc);
        let unserved = rpps_api::routes::unserved(super::router(state), super::ROUTES).await;
        assert!(unserved.is_empty(), "{unserved:#?}");
    }
}
