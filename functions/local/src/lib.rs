//! The local runner: every function's router in one process, exactly as deployed behind
//! `/api/`, `/fhir/` and `/.well-known/rpps-card-keys.json`, the frontend build served beside them with the single-page-app fallback, and the
//! local emulators prepared (tables from the SAM template, the SES identity, demo data).

pub mod demo;
pub mod gate;
pub mod site;
pub mod streams;

use std::path::{Path, PathBuf};

use anyhow::Context;
use axum::Router;
use axum::routing::any;
use rpps_mail::Mailer;
use rpps_runtime::Config;
use rpps_store::{Store, Tables};

#[derive(Clone, Debug)]
pub struct LocalOptions {
    /// The emulator endpoint (moto), e.g. `http://127.0.0.1:5055`.
    pub aws_endpoint: String,
    /// Table names are `<prefix>-registry` and `<prefix>-sessions`.
    pub table_prefix: String,
    pub mail_from: String,
    /// The built frontend (index.html and assets).
    pub frontend_dir: PathBuf,
    /// Import the demo establishments, designate the test managers, record the test
    /// professional (idempotent).
    pub seed: bool,
    /// The origin the browser sees, e.g. `http://127.0.0.1:8080`: the development identity
    /// provider's issuers live under it, and the CSRF check compares with it.
    pub public_origin: String,
    /// Another OpenID provider in FranceConnect's place (None: the development provider's).
    pub franceconnect: Option<ExternalProvider>,
    /// Another OpenID provider in Pro Santé Connect's place (None: the development provider's).
    pub psc: Option<ExternalProvider>,
    /// The mailer's delivery lease (None: `rpps_mailer::LEASE`); tests that stop a delivery
    /// half-way shorten it rather than wait.
    pub mailer_lease: Option<time::Duration>,
    /// The card signing key (issue 20): a private JWK, generated at first run when missing
    /// (`rpps_cardsign::FileKey`); `make run` keeps it in `.local/`.
    pub card_key_file: PathBuf,
}

/// An OpenID provider the local runner signs in with instead of the development one: any
/// provider where this service is registered with the runner's callbacks
/// (`{origin}/api/auth/franceconnect/callback`, `{origin}/api/auth/psc/callback`, and
/// `{origin}/api/auth/logged-out` after logout). Pro Santé Connect's discovery document is read
/// at `{issuer}/.well-known/wallet-openid-configuration`, as the real one's.
#[derive(Clone, Debug)]
pub struct ExternalProvider {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

impl LocalOptions {
    /// The local stand-in of the site's bucket (`SiteBucket`), where the open-data files go:
    /// `<prefix>-site`, as a bucket name allows.
    pub fn site_bucket(&self) -> String {
        let mut name: String = format!("{}-site", self.table_prefix)
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        name.truncate(63);
        name
    }

    pub fn config(&self) -> Config {
        let tables = Tables::with_prefix(&self.table_prefix);
        Config {
            registry_table: tables.registry,
            sessions_table: tables.sessions,
            mail_from: self.mail_from.clone(),
            mail_identity: self.mail_from.clone(),
            public_origin: Some(self.public_origin.clone()),
        }
    }
}

/// Every Lambda function (crate name) with its HTTP routes, as this runner serves them; stream
/// consumers and scheduled functions have none. `tests/tests/e2e/template.rs` holds the SAM
/// template to this list, `tests/tests/e2e/openapi.rs` the OpenAPI document.
pub fn functions()
-> std::collections::BTreeMap<&'static str, &'static [(&'static str, &'static str)]> {
    std::collections::BTreeMap::from([
        ("rpps-birthplaces", rpps_birthplaces::ROUTES),
        ("rpps-referentials", rpps_referentials::ROUTES),
        ("rpps-health", rpps_health::ROUTES),
        ("rpps-auth", rpps_auth::ROUTES),
        ("rpps-registrations", rpps_registrations::ROUTES),
        ("rpps-directory", rpps_directory::ROUTES),
        ("rpps-cards", rpps_cards::ROUTES),
        ("rpps-fhir", rpps_fhir::ROUTES),
        ("rpps-staff", rpps_staff::ROUTES),
        // DynamoDB stream consumers.
        ("rpps-mailer", &[][..]),
        ("rpps-publisher", &[][..]),
        // EventBridge Scheduler (locally: POST /_local/purge).
        ("rpps-purge", &[][..]),
        // EventBridge Scheduler (locally: POST /_local/extract).
        ("rpps-opendata", &[][..]),
    ])
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

/// Runs the scheduled purge now (`POST /_local/purge`) and answers its report; with
/// `?today=YYYY-MM-DD`, as the night of that day would (a departure recorded today is purged
/// by `?today=<tomorrow>`).
async fn local_purge(
    axum::extract::State(state): axum::extract::State<rpps_purge::PurgeState>,
    axum::extract::Query(params): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<axum::Json<rpps_purge::DailyReport>, rpps_api::ApiError> {
    let now = time::OffsetDateTime::now_utc();
    let today = match params.get("today") {
        None => rpps_domain::paris::date_in_paris(now),
        Some(raw) => time::Date::parse(
            raw,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|_| {
            rpps_api::ApiError::bad_request("purge.today", "today=AAAA-MM-JJ (une date).")
        })?,
    };
    rpps_purge::run_as_of(&state, today, now)
        .await
        .map(axum::Json)
        .map_err(|e| rpps_api::ApiError::internal(&e))
}

/// Runs the outbox sweeper now (`POST /_local/sweep`) and answers its report; with
/// `?minutes=N`, as a sweep N minutes from now would (an event left undone is re-driven 5
/// minutes after it was written).
async fn local_sweep(
    axum::extract::State(state): axum::extract::State<rpps_purge::PurgeState>,
    axum::extract::Query(params): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<axum::Json<rpps_purge::sweep::SweepReport>, rpps_api::ApiError> {
    let minutes: i64 = match params.get("minutes") {
        None => 0,
        Some(raw) => raw.parse().map_err(|_| {
            rpps_api::ApiError::bad_request("sweep.minutes", "minutes=N (un nombre de minutes).")
        })?,
    };
    let now = time::OffsetDateTime::now_utc() + time::Duration::minutes(minutes);
    rpps_purge::sweep::sweep(&state.store, now)
        .await
        .map(axum::Json)
        .map_err(|e| rpps_api::ApiError::internal(&e))
}

/// The whole application and the IAM gate its functions call AWS through.
pub struct Local {
    pub router: Router,
    pub gate: gate::Gate,
}

/// The SDK configuration of each function (by binary name).
pub type SdkOf<'a> = &'a dyn Fn(&str) -> rpps_runtime::aws::SdkConfig;

/// Prepares the emulators and returns the whole application: each function calls them through
/// the IAM gate under its role of `infra/template.yaml`; the runner's own setup (tables, SES
/// identity, demo data) and the stream follower (Lambda's part) call them directly.
pub async fn build(options: &LocalOptions) -> anyhow::Result<Local> {
    let config = options.config();
    let sdk = rpps_runtime::aws::for_local_endpoint(&options.aws_endpoint);
    let gate = gate::Gate::start(
        &options.aws_endpoint,
        gate::local_stack(&config, &options.site_bucket()),
        config.mail_identity.clone(),
    )
    .await?;
    let sdk_of = |binary: &str| gate.sdk_for(binary);
    let store = Store::from_config(&config, &sdk);
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
    ensure_bucket(&rpps_opendata::s3_client(&sdk), &options.site_bucket())
        .await
        .context("creating the site's bucket on the emulator")?;
    // The stream consumers, as Lambda's event source mappings run them in AWS.
    let mut mailer =
        rpps_mailer::state_from_sdk(&config, &sdk_of("rpps-mailer"), &options.public_origin);
    mailer.mailer = mailer.mailer.accepting_unverified_identity();
    if let Some(lease) = options.mailer_lease {
        mailer.lease = lease;
    }
    // SES's bounce events (the gate plays the mailbox simulator), as the EventBridge rule
    // hands them to the mailer in AWS.
    if let Some(mut events) = gate.ses_events() {
        let mailer = mailer.clone();
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                if let Err(e) = rpps_mailer::handle_ses_event(&mailer, &event).await {
                    tracing::warn!(error = %e, "SES event not handled");
                }
            }
        });
    }
    tokio::spawn(streams::follow(
        aws_sdk_dynamodb::Client::new(&sdk),
        aws_sdk_dynamodbstreams::Client::new(&sdk),
        config.registry_table.clone(),
        vec![
            streams::Consumer::Mailer(mailer),
            streams::Consumer::Publisher(rpps_publisher::state_from_sdk(
                &config,
                &sdk_of("rpps-publisher"),
            )),
        ],
    ));
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
        seed_test_identities(&store).await?;
    }
    let denials = gate.clone();
    let router = app(&config, &sdk_of, options)?.route(
        "/_local/iam-denials",
        axum::routing::get(move || {
            let denials = denials.denials();
            async move { axum::Json(denials) }
        }),
    );
    Ok(Local { router, gate })
}

/// The site's bucket on the emulator (in AWS the SAM template creates it); also the benchmarks'
/// and tests' own.
pub async fn ensure_bucket(s3: &aws_sdk_s3::Client, bucket: &str) -> anyhow::Result<()> {
    if s3.head_bucket().bucket(bucket).send().await.is_ok() {
        return Ok(());
    }
    s3.create_bucket()
        .bucket(bucket)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                    rpps_runtime::aws::DEFAULT_REGION,
                ))
                .build(),
        )
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("{}", aws_sdk_s3::error::DisplayErrorContext(e)))?;
    Ok(())
}

/// Runs the daily open-data extract now (`POST /_local/extract`), as EventBridge Scheduler
/// does in AWS, and answers its manifest; `?at=<RFC 3339 instant>` runs it as of that instant
/// (tests write several days' files in a few seconds).
async fn local_extract(
    axum::extract::State(state): axum::extract::State<rpps_opendata::OpendataState>,
    axum::extract::Query(params): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<axum::Json<rpps_opendata::Manifest>, rpps_api::ApiError> {
    let now = match params.get("at") {
        None => time::OffsetDateTime::now_utc(),
        Some(raw) => {
            time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339)
                .map_err(|_| {
                    rpps_api::ApiError::bad_request(
                        "extract.at",
                        "at=AAAA-MM-JJThh:mm:ssZ (un instant avec son fuseau).",
                    )
                })?
        }
    };
    rpps_opendata::extract(&state, now)
        .await
        .map(axum::Json)
        .map_err(|e| rpps_api::ApiError::internal(&e))
}

/// The open-data files as CloudFront serves them from the site's bucket under `/donnees/`
/// (CloudFront reads the bucket itself: not through the functions' IAM gate).
async fn donnees(
    axum::extract::State((s3, bucket)): axum::extract::State<(aws_sdk_s3::Client, String)>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let key = format!("{}{file}", rpps_opendata::PREFIX);
    let missing =
        || {
            (
            axum::http::StatusCode::NOT_FOUND,
            [(axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Fichier introuvable : la liste des fichiers est dans /donnees/manifeste_latest.json.",
        )
            .into_response()
        };
    let Ok(out) = s3.get_object().bucket(&bucket).key(&key).send().await else {
        return missing();
    };
    let content_type = out
        .content_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    let cache_control = out
        .cache_control
        .clone()
        .unwrap_or_else(|| "no-cache".into());
    match out.body.collect().await {
        Ok(bytes) => (
            [
                (axum::http::header::CONTENT_TYPE, content_type),
                (axum::http::header::CACHE_CONTROL, cache_control),
            ],
            bytes.into_bytes(),
        )
            .into_response(),
        Err(_) => missing(),
    }
}

/// The registry side of the development provider's test identities: managers designated for
/// their establishments (FAQ-R9), the professional who already holds an RPPS number (FAQ-R12).
async fn seed_test_identities(store: &Store) -> anyhow::Result<()> {
    const SEED: &str = "operator:local-seed";
    for identity in rpps_devidp::psc_identities() {
        let email = identity
            .seed_email
            .map(rpps_domain::Email::parse)
            .transpose()?;
        for finess in identity.seed_manager_of {
            let finess = rpps_domain::Finess::parse(finess)?;
            match store
                .designate_manager(&finess, identity.national_id, email.as_ref(), SEED)
                .await
            {
                Ok(_) | Err(rpps_store::DesignationError::AlreadyDesignated { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let today = rpps_domain::paris::date_in_paris(time::OffsetDateTime::now_utc());
    for identity in rpps_devidp::franceconnect_identities() {
        let Some(rpps) = identity.rpps else { continue };
        let civil = rpps_auth::civil_status(
            identity.family_name,
            identity.given_name,
            identity.birthdate,
            Some(identity.birthplace).filter(|p| !p.is_empty()),
            identity.birthcountry,
            today,
        )
        .map_err(|code| anyhow::anyhow!("test identity {}: {code}", identity.id))?;
        let record = rpps_store::ProfessionalRecord {
            rpps: rpps_domain::RppsNumber::parse(rpps)?,
            family_name: identity.family_name.to_owned(),
            given_names: identity.given_name.to_owned(),
        };
        match store
            .record_professional(&record, Some(identity.sub), &civil.identity_key(), SEED)
            .await
        {
            Ok(()) | Err(rpps_store::ProfessionalError::AlreadyRegistered) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The development provider and the sign-in function, wired to each other with a fresh
/// client secret per process; the sign-in function uses `franceconnect` / `psc` instead when
/// given.
fn sign_in(
    config: &Config,
    sdk_of: SdkOf,
    origin: &str,
    franceconnect: Option<&ExternalProvider>,
    psc: Option<&ExternalProvider>,
) -> anyhow::Result<(Router, Router)> {
    use rpps_auth::config::{callback_uri, post_logout_uri};
    use rpps_devidp::{DevClient, DevIdpConfig, DevIssuer};
    use rpps_identity::{OidcClientConfig, SecretString};

    let client = |id: &str, provider_path: &str, secret: &str| DevClient {
        client_id: id.to_owned(),
        client_secret: secret.to_owned(),
        redirect_uris: vec![callback_uri(origin, provider_path)],
        post_logout_redirect_uris: vec![post_logout_uri(origin)],
    };
    let (fc_secret, psc_secret) = (rpps_session::random_token(), rpps_session::random_token());
    let devidp = rpps_devidp::try_router(DevIdpConfig {
        public_base: origin.to_owned(),
        clients: vec![
            client("rpps-local-franceconnect", "franceconnect", &fc_secret),
            client("rpps-local-psc", "psc", &psc_secret),
        ],
    })?;
    // The development provider's issuer and client, unless another provider is given.
    let choose = |external: Option<&ExternalProvider>, dev: DevIssuer, id: &str, secret: String| {
        external.cloned().unwrap_or_else(|| ExternalProvider {
            issuer: dev.issuer_url(origin),
            client_id: id.to_owned(),
            client_secret: secret,
        })
    };
    let fc = choose(
        franceconnect,
        DevIssuer::FranceConnect,
        "rpps-local-franceconnect",
        fc_secret,
    );
    let psc = choose(
        psc,
        DevIssuer::ProSanteConnect,
        "rpps-local-psc",
        psc_secret,
    );
    let franceconnect = OidcClientConfig::franceconnect(
        fc.issuer,
        fc.client_id,
        SecretString::from(fc.client_secret),
        callback_uri(origin, "franceconnect"),
        post_logout_uri(origin),
    );
    let psc = OidcClientConfig::psc(
        psc.issuer,
        psc.client_id,
        SecretString::from(psc.client_secret),
        callback_uri(origin, "psc"),
        post_logout_uri(origin),
    );
    let auth = rpps_auth::state_from_parts(
        config,
        &sdk_of("rpps-auth"),
        origin.to_owned(),
        franceconnect,
        psc,
    );
    Ok((rpps_auth::router(auth), devidp))
}

/// Every function's routes, the development identity provider, the JSON 404 under `/api/`,
/// and the static site.
pub fn app(config: &Config, sdk_of: SdkOf, options: &LocalOptions) -> anyhow::Result<Router> {
    let frontend_dir = options.frontend_dir.as_path();
    let (auth, devidp) = sign_in(
        config,
        sdk_of,
        &options.public_origin,
        options.franceconnect.as_ref(),
        options.psc.as_ref(),
    )?;
    let mut health = rpps_health::state_from_sdk(config, &sdk_of("rpps-health"));
    // The scheduled function's two schedules (the daily run, the outbox sweep): one state.
    let scheduled = rpps_purge::state_from_sdk(config, &sdk_of("rpps-purge"));
    health.mailer = health.mailer.accepting_unverified_identity();
    let directory = rpps_directory::state_from_sdk(
        config,
        &sdk_of("rpps-directory"),
        options.public_origin.clone(),
    );
    let mut cards =
        rpps_cards::state_from_sdk(config, &sdk_of("rpps-cards"), options.public_origin.clone());
    // The local stack signs cards with a file key, generated at first run (KMS in AWS).
    let card_key = rpps_cardsign::FileKey::load_or_create(&options.card_key_file)?;
    cards.keys = Some(std::sync::Arc::new(rpps_cardsign::CardKeyRing::new(
        rpps_cardsign::SigningKey::File(card_key),
        vec![],
        vec![],
    )?));
    let api = Router::new()
        .merge(rpps_birthplaces::router())
        .merge(rpps_referentials::router(
            rpps_referentials::state_from_sdk(config, &sdk_of("rpps-referentials")),
        ))
        .merge(rpps_health::router(health))
        .merge(auth)
        .merge(rpps_registrations::router(
            rpps_registrations::state_from_sdk(
                config,
                &sdk_of("rpps-registrations"),
                options.public_origin.clone(),
            ),
        ))
        .merge(rpps_directory::router(directory))
        // The card and the keys' document (/.well-known/rpps-card-keys.json, CloudFront's
        // behaviour of that path in AWS): routes of their own, matched before the site's
        // fallback.
        .merge(rpps_cards::router(cards))
        .merge(rpps_fhir::router(rpps_fhir::state_from_sdk(
            config,
            &sdk_of("rpps-fhir"),
            &options.public_origin,
        )))
        .merge(rpps_staff::router(rpps_staff::state_from_sdk(
            config,
            &sdk_of("rpps-staff"),
            options.public_origin.clone(),
        )))
        .merge(devidp)
        // EventBridge Scheduler's part, locally: the daily purge on demand (not under /api/:
        // no such route exists in AWS).
        .route(
            "/_local/purge",
            axum::routing::post(local_purge).with_state(scheduled.clone()),
        )
        // The outbox sweeper's schedule, locally: on demand.
        .route(
            "/_local/sweep",
            axum::routing::post(local_sweep).with_state(scheduled),
        )
        // The daily open-data files, locally: on demand; served under /donnees/ as CloudFront
        // serves them from the site's bucket.
        .route(
            "/_local/extract",
            axum::routing::post(local_extract).with_state(rpps_opendata::state_from_sdk(
                config,
                &sdk_of("rpps-opendata"),
                &options.site_bucket(),
            )),
        )
        .route(
            "/donnees/{*file}",
            axum::routing::get(donnees).with_state((
                rpps_opendata::s3_client(&rpps_runtime::aws::for_local_endpoint(
                    &options.aws_endpoint,
                )),
                options.site_bucket(),
            )),
        )
        .route("/api", any(rpps_api::not_found))
        .route("/api/", any(rpps_api::not_found))
        .route("/api/{*rest}", any(rpps_api::not_found));
    // As CloudFront does: a file when it exists, otherwise index.html with 200 (deep links),
    // with the deployed Cache-Control and Content-Security-Policy.
    Ok(api
        .fallback_service(site::router(frontend_dir))
        .layer(tower_http::trace::TraceLayer::new_for_http()))
}
