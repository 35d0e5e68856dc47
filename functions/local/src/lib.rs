//! The local runner: every function's router in one process, exactly as deployed behind
//! `/api/`, the frontend build served beside them with the single-page-app fallback, and the
//! local emulators prepared (tables from the SAM template, the SES identity, demo data).

use std::path::{Path, PathBuf};

use anyhow::Context;
use axum::Router;
use axum::routing::any;
use rpps_api::Config;
use rpps_mail::Mailer;
use rpps_store::{Store, Tables};
use tower_http::services::{ServeDir, ServeFile};

#[derive(Clone, Debug)]
pub struct LocalOptions {
    /// The emulator endpoint (moto), e.g. `http://127.0.0.1:5055`.
    pub aws_endpoint: String,
    /// Table names are `<prefix>-registry` and `<prefix>-sessions`.
    pub table_prefix: String,
    pub mail_from: String,
    /// The built frontend (index.html and assets).
    pub frontend_dir: PathBuf,
    /// Import the demo establishments (idempotent).
    pub seed: bool,
}

impl LocalOptions {
    pub fn config(&self) -> Config {
        let tables = Tables::with_prefix(&self.table_prefix);
        Config {
            registry_table: tables.registry,
            sessions_table: tables.sessions,
            mail_from: self.mail_from.clone(),
            mail_identity: self.mail_from.clone(),
        }
    }
}

/// The frontend folder to serve: the Dioxus build when it exists, else the placeholder page.
pub fn default_frontend_dir(workspace: &Path) -> PathBuf {
    let dist = workspace.join("frontend/dist");
    if dist.join("index.html").is_file() {
        dist
    } else {
        workspace.join("frontend/placeholder")
    }
}

/// Prepares the emulators and returns the whole application.
pub async fn build(options: &LocalOptions) -> anyhow::Result<Router> {
    let config = options.config();
    let sdk = rpps_api::aws::for_local_endpoint(&options.aws_endpoint);
    let store = Store::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        Tables {
            registry: config.registry_table.clone(),
            sessions: config.sessions_table.clone(),
        },
    );
    store
        .ensure_tables()
        .await
        .with_context(|| format!("creating the tables on {}", options.aws_endpoint))?;
    Mailer::new(
        aws_sdk_sesv2::Client::new(&sdk),
        config.mail_from.clone(),
        config.mail_identity.clone(),
    )
    .ensure_identity()
    .await
    .context("creating the SES identity on the emulator")?;
    if options.seed {
        let outcome = rpps_referentials::import::import_finess_extract(
            &store,
            rpps_referentials::DEMO_ESTABLISHMENTS.as_bytes(),
            "operator:local-seed",
        )
        .await
        .context("importing the demo establishments")?;
        tracing::info!(
            read = outcome.read,
            created = outcome.report.created,
            unchanged = outcome.report.unchanged,
            "demo establishments"
        );
    }
    Ok(app(&config, &sdk, &options.frontend_dir))
}

/// Every function's routes, the JSON 404 under `/api/`, and the static site.
pub fn app(config: &Config, sdk: &aws_config::SdkConfig, frontend_dir: &Path) -> Router {
    let mut health = rpps_health::state_from_sdk(config, sdk);
    health.mailer = health.mailer.accepting_unverified_identity();
    let api = Router::new()
        .merge(rpps_referentials::router(
            rpps_referentials::state_from_sdk(config, sdk),
        ))
        .merge(rpps_health::router(health))
        .route("/api", any(rpps_api::not_found))
        .route("/api/", any(rpps_api::not_found))
        .route("/api/{*rest}", any(rpps_api::not_found));
    // As CloudFront does: a file when it exists, otherwise index.html with 200 (deep links).
    let site = ServeDir::new(frontend_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(frontend_dir.join("index.html")));
    api.fallback_service(site)
        .layer(tower_http::trace::TraceLayer::new_for_http())
}
