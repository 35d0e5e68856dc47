//! The sign-in function: FranceConnect (applicants) and Pro Santé Connect (professionals with
//! e-CPS, RPPS+ managers with a CPx card), sessions, sign-out, and the guidance pages.
//!
//! Routes: `GET /api/auth/franceconnect/login`, `GET /api/auth/franceconnect/callback`,
//! `GET /api/auth/psc/login[?profil=gestionnaire|professionnel]`, `GET /api/auth/psc/callback`,
//! `POST /api/auth/logout`, `GET /api/auth/logged-out`, `GET /api/auth/problem?reason=…`,
//! `GET /api/session`.

pub mod pages;

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rpps_api::ApiError;
use rpps_domain::{BirthDate, BirthPlace, CivilStatus, Finess, PersonName, Role, RppsNumber};
use rpps_identity::{
    CallbackParams, FranceConnectIdentity, IdentityError, OidcClient, OidcClientConfig,
    PendingLogin, Provider, PscIdentity, SecretString, SignedInIdentity,
};
use rpps_session::{SessionContext, SessionData, SignedIn};
use rpps_store::{AuditEntry, Store};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use tokio::sync::OnceCell;

pub use pages::Problem;

/// A login's server-side record, kept under its `state` until the callback (ten minutes).
const LOGIN_TTL: Duration = Duration::minutes(10);

/// Where each role lands after signing in (pages of the web app).
pub fn landing(role: &Role) -> &'static str {
    match role {
        Role::Applicant => "/demande",
        Role::Professional { .. } => "/mon-dossier",
        Role::Manager { .. } => "/gestion",
        _ => "/",
    }
}

/// Which space a Pro Santé Connect sign-in is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Intent {
    /// The managers' space (CPx card): only designated managers (FAQ-R8, R9).
    Gestionnaire,
    /// A professional's own record (e-CPS): only RPPS holders (FAQ-R13).
    Professionnel,
}

#[derive(Serialize, Deserialize)]
struct LoginRecord {
    pending: PendingLogin,
    intent: Option<Intent>,
}

/// The providers' clients, discovered on first use (the development provider lives in the
/// same process as the local runner, so nothing may call it before the server listens).
pub struct Providers {
    franceconnect: OidcClientConfig,
    psc: OidcClientConfig,
    /// Deployed: the client secrets are in Secrets Manager, read once, by the first sign-in that
    /// needs them (`client_config`), and again by the next one if that read failed. Locally and
    /// in tests the configurations carry their secrets.
    secrets: Option<Secrets>,
    franceconnect_client: OnceCell<OidcClient>,
    psc_client: OnceCell<OidcClient>,
}

struct Secrets {
    source: config::SecretSource,
    read: OnceCell<(SecretString, SecretString)>,
}

impl Providers {
    /// Configurations that carry their client secrets.
    pub fn new(franceconnect: OidcClientConfig, psc: OidcClientConfig) -> Self {
        Self {
            franceconnect,
            psc,
            secrets: None,
            franceconnect_client: OnceCell::new(),
            psc_client: OnceCell::new(),
        }
    }

    /// Configurations whose client secrets are read from `source`.
    pub fn with_secrets_from(
        franceconnect: OidcClientConfig,
        psc: OidcClientConfig,
        source: config::SecretSource,
    ) -> Self {
        Self {
            secrets: Some(Secrets {
                source,
                read: OnceCell::new(),
            }),
            ..Self::new(franceconnect, psc)
        }
    }

    /// Whether the client secrets are in memory (always, for configurations that carry them).
    pub fn secrets_are_read(&self) -> bool {
        self.secrets
            .as_ref()
            .is_none_or(|secrets| secrets.read.initialized())
    }

    /// Reads the client secrets if they are not yet (one read at a time; a failed read leaves
    /// them unread, for the next call to try again).
    pub async fn read_secrets(&self) -> Result<(), IdentityError> {
        self.secrets().await.map(|_| ())
    }

    async fn secrets(&self) -> Result<Option<&(SecretString, SecretString)>, IdentityError> {
        let Some(secrets) = &self.secrets else {
            return Ok(None);
        };
        secrets
            .read
            .get_or_try_init(|| async {
                secrets.source.read().await.map_err(|e| {
                    IdentityError::Unavailable(format!("the client secrets are unreadable: {e:#}"))
                })
            })
            .await
            .map(Some)
    }

    /// A provider's client configuration with its secret (read first if needed). A failed read
    /// here is a sign-in that cannot happen: logged with `event = "auth.secrets_unreadable"`,
    /// which the template's `AuthSecretsUnreadableAlarm` counts.
    pub async fn client_config(
        &self,
        provider: Provider,
    ) -> Result<OidcClientConfig, IdentityError> {
        let mut config = match provider {
            Provider::FranceConnect => self.franceconnect.clone(),
            Provider::ProSanteConnect => self.psc.clone(),
        };
        let secrets = self.secrets().await.inspect_err(|e| {
            tracing::error!(
                event = "auth.secrets_unreadable",
                error = %e,
                provider = provider.code(),
                "OpenID client secrets unreadable: sign-in unavailable"
            );
        })?;
        if let Some((franceconnect, psc)) = secrets {
            config.client_secret = match provider {
                Provider::FranceConnect => franceconnect.clone(),
                Provider::ProSanteConnect => psc.clone(),
            };
        }
        Ok(config)
    }

    async fn client(&self, provider: Provider) -> Result<&OidcClient, IdentityError> {
        let cell = match provider {
            Provider::FranceConnect => &self.franceconnect_client,
            Provider::ProSanteConnect => &self.psc_client,
        };
        cell.get_or_try_init(|| async {
            OidcClient::discover(self.client_config(provider).await?).await
        })
        .await
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

/// A refused sign-in: audited, no session, the guidance page.
async fn refuse(
    store: &Store,
    provider: Provider,
    actor: &str,
    problem: Problem,
    code: &str,
) -> Response {
    tracing::info!(
        provider = provider.code(),
        reason = problem.code(),
        code,
        "sign-in refused"
    );
    audit(
        store,
        provider,
        actor,
        "auth.refused",
        serde_json::json!({ "reason": problem.code(), "code": code }),
    )
    .await;
    problem_redirect(problem)
}

async fn login(state: &AuthState, provider: Provider, intent: Option<Intent>) -> Response {
    let client = match state.providers.client(provider).await {
        Ok(client) => client,
        Err(e) => {
            tracing::warn!(error = %e, provider = provider.code(), "provider discovery failed");
            return problem_redirect(Problem::from_guidance(e.guidance()));
        }
    };
    let (url, pending) = client.begin();
    let record = LoginRecord { pending, intent };
    let expires = OffsetDateTime::now_utc() + LOGIN_TTL;
    if let Err(e) = state
        .store
        .put_login_state(&record.pending.state, &record, expires)
        .await
    {
        tracing::warn!(error = %e, "login state not stored");
        return problem_redirect(Problem::ProviderUnavailable);
    }
    see_other(&url)
}

async fn franceconnect_login(State(state): State<AuthState>) -> Response {
    login(&state, Provider::FranceConnect, None).await
}

#[derive(Deserialize)]
struct PscLoginQuery {
    profil: Option<String>,
}

async fn psc_login(State(state): State<AuthState>, uri: Uri) -> Response {
    let intent = match Query::<PscLoginQuery>::try_from_uri(&uri)
        .ok()
        .and_then(|q| q.0.profil)
    {
        None => None,
        Some(p) if p == "gestionnaire" => Some(Intent::Gestionnaire),
        Some(p) if p == "professionnel" => Some(Intent::Professionnel),
        Some(_) => return problem_redirect(Problem::SignInFailed),
    };
    login(&state, Provider::ProSanteConnect, intent).await
}

/// The civil status FranceConnect certifies, parsed by the domain's rules (FAQ-R11); the error
/// is the code of the first claim that does not parse.
pub fn civil_status(
    family_name: &str,
    given_name: &str,
    birthdate: &str,
    birthplace: Option<&str>,
    birthcountry: &str,
    today: time::Date,
) -> Result<CivilStatus, &'static str> {
    Ok(CivilStatus {
        family_name: PersonName::parse(family_name).map_err(|e| e.code())?,
        given_names: PersonName::parse(given_name).map_err(|e| e.code())?,
        birth_date: BirthDate::from_franceconnect(birthdate, today).map_err(|e| e.code())?,
        birth_place: BirthPlace::from_franceconnect(birthplace.unwrap_or(""), birthcountry)
            .map_err(|e| e.code())?,
    })
}

/// What a successful sign-in becomes: a session, or a refusal page.
enum Outcome {
    Session(Box<SessionData>),
    Refused(Problem, &'static str),
}

async fn franceconnect_outcome(
    store: &Store,
    identity: FranceConnectIdentity,
    now: OffsetDateTime,
) -> Result<Outcome, ApiError> {
    let civil = civil_status(
        &identity.family_name,
        &identity.given_name,
        &identity.birthdate,
        identity.birthplace.as_deref(),
        &identity.birthcountry,
        rpps_domain::paris::date_in_paris(now),
    );
    let civil = match civil {
        Ok(civil) => civil,
        Err(code) => {
            tracing::warn!(code, "FranceConnect civil status unreadable");
            return Ok(Outcome::Refused(
                Problem::IdentityUnreadable,
                "civil_status_unreadable",
            ));
        }
    };
    // FAQ-R12: FranceConnect is for a first pre-registration only.
    let unavailable = |e: rpps_store::StoreError| {
        if e.is_unavailable() {
            ApiError::unavailable("La connexion")
        } else {
            ApiError::internal(&e)
        }
    };
    if store
        .rpps_of_franceconnect_subject(&identity.sub)
        .await
        .map_err(unavailable)?
        .is_some()
        || store
            .rpps_of_civil_identity(&civil.identity_key())
            .await
            .map_err(unavailable)?
            .is_some()
    {
        return Ok(Outcome::Refused(Problem::AlreadyRpps, "already_rpps"));
    }
    let details = serde_json::json!({
        "civil_status": civil,
        "usage_name": identity.preferred_username,
        "gender": identity.gender,
        "email": identity.email,
    });
    Ok(Outcome::Session(Box::new(SessionData {
        role: Role::Applicant,
        actor_id: identity.sub,
        provider: Provider::FranceConnect.code().to_owned(),
        given_name: identity.given_name,
        family_name: identity.family_name,
        civil_status: Some(details),
        id_token: identity.id_token,
        csrf_token: rpps_session::random_token(),
        created_at: now,
        absolute_expiry: now + rpps_session::ABSOLUTE_TIMEOUT,
        refreshed_at: now,
    })))
}

async fn psc_outcome(
    store: &Store,
    identity: PscIdentity,
    intent: Option<Intent>,
    now: OffsetDateTime,
) -> Result<Outcome, ApiError> {
    let managed: Vec<Finess> = store
        .establishments_managed_by(&identity.national_id)
        .await
        .map_err(|e| {
            if e.is_unavailable() {
                ApiError::unavailable("La connexion")
            } else {
                ApiError::internal(&e)
            }
        })?;
    // FAQ-R18: PSC names RPPS holders "8" + RPPS; the token is verified, so format suffices.
    let rpps = RppsNumber::from_psc_identifier(&identity.national_id).ok();
    let role = match (intent, managed.is_empty(), rpps) {
        (Some(Intent::Gestionnaire), false, _) | (None, false, _) => Role::Manager {
            establishments: managed,
        },
        (Some(Intent::Gestionnaire), true, _) => {
            return Ok(Outcome::Refused(Problem::NotAuthorised, "not_a_manager"));
        }
        (_, _, Some(rpps)) => Role::Professional { rpps },
        (Some(Intent::Professionnel), _, None) => {
            return Ok(Outcome::Refused(Problem::NotEligible, "no_rpps"));
        }
        (None, true, None) => return Ok(Outcome::Refused(Problem::NotAuthorised, "not_a_manager")),
    };
    Ok(Outcome::Session(Box::new(SessionData {
        role,
        actor_id: identity.national_id,
        provider: Provider::ProSanteConnect.code().to_owned(),
        given_name: identity.given_name,
        family_name: identity.family_name,
        civil_status: None,
        id_token: identity.id_token,
        csrf_token: rpps_session::random_token(),
        created_at: now,
        absolute_expiry: now + rpps_session::ABSOLUTE_TIMEOUT,
        refreshed_at: now,
    })))
}

async fn callback(
    state: &AuthState,
    provider: Provider,
    headers: &HeaderMap,
    uri: &Uri,
) -> Response {
    let store = &state.store;
    let Ok(Query(params)) = Query::<CallbackParams>::try_from_uri(uri) else {
        return refuse(
            store,
            provider,
            "anonymous",
            Problem::SignInFailed,
            "malformed_callback",
        )
        .await;
    };
    let Some(state_param) = params
        .state
        .as_deref()
        .filter(|s| !s.is_empty() && s.len() <= 128)
    else {
        return refuse(
            store,
            provider,
            "anonymous",
            Problem::SignInFailed,
            "state_missing",
        )
        .await;
    };
    let now = OffsetDateTime::now_utc();
    let record: Option<LoginRecord> = match store.take_login_state(state_param, now).await {
        Ok(record) => record,
        Err(e) => {
            tracing::warn!(error = %e, "login state unreadable");
            return problem_redirect(Problem::ProviderUnavailable);
        }
    };
    // Unknown, replayed, expired, or another provider's: never a session.
    let Some(record) = record.filter(|r| r.pending.provider == provider) else {
        return refuse(
            store,
            provider,
            "anonymous",
            Problem::SignInFailed,
            "state_unknown",
        )
        .await;
    };
    let client = match state.providers.client(provider).await {
        Ok(client) => client,
        Err(e) => {
            return refuse(
                store,
                provider,
                "anonymous",
                Problem::from_guidance(e.guidance()),
                e.code(),
            )
            .await;
        }
    };
    let identity = match client.finish(&record.pending, &params).await {
        Ok(identity) => identity,
        Err(e) => {
            if e.is_suspicious() {
                tracing::warn!(error = %e, provider = provider.code(), "suspicious sign-in refused");
            }
            return refuse(
                store,
                provider,
                "anonymous",
                Problem::from_guidance(e.guidance()),
                e.code(),
            )
            .await;
        }
    };
    let actor = identity.sub().to_owned();
    let outcome = match identity {
        SignedInIdentity::FranceConnect(fc) => franceconnect_outcome(store, fc, now).await,
        SignedInIdentity::ProSanteConnect(psc) => psc_outcome(store, psc, record.intent, now).await,
    };
    let data = match outcome {
        Ok(Outcome::Session(data)) => data,
        Ok(Outcome::Refused(problem, code)) => {
            return refuse(store, provider, &actor, problem, code).await;
        }
        Err(_) => return problem_redirect(Problem::ProviderUnavailable),
    };
    // No fixation: whatever session the browser had ends; the new one has a new id.
    if let Err(e) = rpps_session::destroy(store, headers).await {
        tracing::warn!(error = %e, "previous session not deleted");
    }
    let session_id = match rpps_session::create(store, &data).await {
        Ok(id) => id,
        Err(_) => return problem_redirect(Problem::ProviderUnavailable),
    };
    audit(
        store,
        provider,
        &data.actor_id,
        "auth.sign_in",
        serde_json::json!({ "role": data.role.code() }),
    )
    .await;
    let mut response = see_other(landing(&data.role));
    response.headers_mut().insert(
        header::SET_COOKIE,
        rpps_session::session_cookie(&session_id),
    );
    response
}

async fn franceconnect_callback(
    State(state): State<AuthState>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    callback(&state, Provider::FranceConnect, &headers, &uri).await
}

async fn psc_callback(State(state): State<AuthState>, headers: HeaderMap, uri: Uri) -> Response {
    callback(&state, Provider::ProSanteConnect, &headers, &uri).await
}

#[derive(Serialize)]
struct LogoutResponse {
    /// Where the browser goes next: the provider's logout, or the home page.
    redirect_to: String,
}

/// Ends the session (same-origin and CSRF token required), then the provider's session.
async fn logout(
    State(state): State<AuthState>,
    headers: HeaderMap,
    signed_in: SignedIn,
) -> Result<Response, ApiError> {
    rpps_session::destroy(&state.store, &headers).await?;
    let provider = Provider::from_code(&signed_in.data.provider).unwrap_or(Provider::FranceConnect);
    audit(
        &state.store,
        provider,
        &signed_in.data.actor_id,
        "auth.sign_out",
        serde_json::json!({}),
    )
    .await;
    let redirect_to = match state.providers.client(provider).await {
        Ok(client) => client
            .end_session_url(&signed_in.data.id_token, &rpps_session::random_token())
            .unwrap_or_else(|_| "/".to_owned()),
        Err(_) => "/".to_owned(),
    };
    let mut response = Json(LogoutResponse { redirect_to }).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, rpps_session::clear_cookie());
    Ok(no_store(response))
}

/// Where the provider sends the browser back after its logout.
async fn logged_out() -> Response {
    see_other("/")
}

#[derive(Deserialize)]
struct ProblemQuery {
    reason: Option<String>,
}

async fn problem(uri: Uri) -> Response {
    let reason = Query::<ProblemQuery>::try_from_uri(&uri)
        .ok()
        .and_then(|q| q.0.reason)
        .unwrap_or_default();
    no_store(Html(Problem::from_code(&reason).html()).into_response())
}

#[derive(Serialize)]
struct SessionView {
    authenticated: bool,
    role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    family_name: Option<String>,
    /// Managers: the establishments they manage (FAQ-R9).
    #[serde(skip_serializing_if = "Option::is_none")]
    establishments: Option<Vec<String>>,
    /// Professionals: always the 11 digits (FAQ-R18).
    #[serde(skip_serializing_if = "Option::is_none")]
    rpps: Option<String>,
    /// Applicants: the civil status from FranceConnect, read-only (FAQ-R11).
    #[serde(skip_serializing_if = "Option::is_none")]
    civil_status: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<String>,
}

/// Who am I: the role, the establishments, the CSRF token our pages send back.
async fn session(State(state): State<AuthState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let view = match rpps_session::load(&state.store, &headers, OffsetDateTime::now_utc()).await? {
        None => SessionView {
            authenticated: false,
            role: Role::Anonymous.code(),
            provider: None,
            given_name: None,
            family_name: None,
            establishments: None,
            rpps: None,
            civil_status: None,
            csrf_token: None,
        },
        Some((_, data)) => SessionView {
            authenticated: true,
            role: data.role.code(),
            provider: Some(data.provider),
            given_name: Some(data.given_name),
            family_name: Some(data.family_name),
            establishments: match &data.role {
                Role::Manager { establishments } => {
                    Some(establishments.iter().map(ToString::to_string).collect())
                }
                _ => None,
            },
            rpps: match &data.role {
                Role::Professional { rpps } => Some(rpps.to_string()),
                _ => None,
            },
            civil_status: data.civil_status,
            csrf_token: Some(data.csrf_token),
        },
    };
    Ok(no_store(Json(view).into_response()))
}

/// The routes `router` serves, (method, path): the SAM template's `HttpApi` events of this
/// function must be exactly these (checked by `tests/tests/template.rs`).
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
        .route("/api/auth/franceconnect/login", get(franceconnect_login))
        .route(
            "/api/auth/franceconnect/callback",
            get(franceconnect_callback),
        )
        .route("/api/auth/psc/login", get(psc_login))
        .route("/api/auth/psc/callback", get(psc_callback))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/logged-out", get(logged_out))
        .route("/api/auth/problem", get(problem))
        .route("/api/session", get(session))
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
    let config = rpps_api::Config::from_env()?;
    let public_origin = config.public_origin()?;
    let sdk = rpps_api::aws::from_env();
    let (franceconnect, psc, secrets) = config::providers_from_env(&sdk, &public_origin)?;
    Ok(AuthState {
        store: Store::from_config(&config, &sdk),
        providers: Arc::new(Providers::with_secrets_from(franceconnect, psc, secrets)),
        public_origin,
    })
}

pub fn state_from_parts(
    config: &rpps_api::Config,
    sdk: &rpps_api::aws::SdkConfig,
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
