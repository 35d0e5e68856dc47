//! Signing in (FAQ-R8 to R12): the login redirects to the provider with a pending login kept
//! under its `state` and bound to the browser ([`LOGIN_COOKIE`]); the callback checks both,
//! finishes the OpenID exchange, and turns the identity into a session or a refusal page
//! ([`outcome`](crate::outcome)).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri, header};
use axum::response::Response;
use rpps_domain::PscSpace;
use rpps_identity::{CallbackParams, PendingLogin, Provider, SignedInIdentity};
use rpps_store::Store;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::outcome::{self, Outcome};
use crate::pages::Problem;
use crate::{AuthState, audit, landing, problem_redirect, see_other};

/// A login's server-side record, kept under its `state` until the callback (ten minutes).
const LOGIN_TTL: Duration = Duration::minutes(10);

/// The cookie that binds a sign-in to the browser that started it (FranceConnect's partner
/// guide): a random token set by the login, whose hash the login's record keeps. The callback
/// refuses a `state` this browser did not start: someone who starts a sign-in with their own
/// account cannot send the callback's address to someone else and sign them in as themselves
/// (login CSRF). Logins started in two tabs share the browser's token.
pub const LOGIN_COOKIE: &str = "__Host-rpps_login";

#[derive(Serialize, Deserialize)]
struct LoginRecord {
    pending: PendingLogin,
    /// Which space a Pro Santé Connect sign-in is for (`intent`: the name it is stored under).
    #[serde(rename = "intent")]
    space: Option<PscSpace>,
    /// SHA-256 of the browser's [`LOGIN_COOKIE`] (empty in records written before it existed:
    /// those are refused, and the person starts again).
    #[serde(default)]
    browser: String,
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

async fn login(
    state: &AuthState,
    headers: &HeaderMap,
    provider: Provider,
    space: Option<PscSpace>,
) -> Response {
    let client = match state.providers.client(provider).await {
        Ok(client) => client,
        Err(e) => {
            tracing::warn!(error = %e, provider = provider.code(), "provider discovery failed");
            return problem_redirect(Problem::from_guidance(e.guidance()));
        }
    };
    let (url, pending) = client.begin();
    let browser = rpps_session::token_cookie(headers, LOGIN_COOKIE)
        .unwrap_or_else(rpps_session::random_token);
    let record = LoginRecord {
        pending,
        space,
        browser: rpps_session::id_hash(&browser),
    };
    let expires = OffsetDateTime::now_utc() + LOGIN_TTL;
    if let Err(e) = state
        .store
        .put_login_state(&record.pending.state, &record, expires)
        .await
    {
        tracing::warn!(error = %e, "login state not stored");
        return problem_redirect(Problem::ProviderUnavailable);
    }
    let mut response = see_other(&url);
    response.headers_mut().append(
        header::SET_COOKIE,
        rpps_session::short_cookie(LOGIN_COOKIE, &browser, LOGIN_TTL),
    );
    response
}

pub async fn franceconnect_login(State(state): State<AuthState>, headers: HeaderMap) -> Response {
    login(&state, &headers, Provider::FranceConnect, None).await
}

#[derive(Deserialize)]
struct PscLoginQuery {
    profil: Option<String>,
}

/// `?profil=gestionnaire|professionnel` names the space; anything else is refused.
pub async fn psc_login(State(state): State<AuthState>, headers: HeaderMap, uri: Uri) -> Response {
    let profil = Query::<PscLoginQuery>::try_from_uri(&uri)
        .ok()
        .and_then(|q| q.0.profil);
    let space = match profil.as_deref().map(PscSpace::from_code) {
        None => None,
        Some(Some(space)) => Some(space),
        Some(None) => return problem_redirect(Problem::SignInFailed),
    };
    login(&state, &headers, Provider::ProSanteConnect, space).await
}

async fn callback(
    state: &AuthState,
    provider: Provider,
    headers: &HeaderMap,
    uri: &Uri,
) -> Response {
    let store = &state.store;
    let refused = |problem, code| refuse(store, provider, "anonymous", problem, code);
    let Ok(Query(params)) = Query::<CallbackParams>::try_from_uri(uri) else {
        return refused(Problem::SignInFailed, "malformed_callback").await;
    };
    let Some(state_param) = params
        .state
        .as_deref()
        .filter(|s| !s.is_empty() && s.len() <= 128)
    else {
        return refused(Problem::SignInFailed, "state_missing").await;
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
        return refused(Problem::SignInFailed, "state_unknown").await;
    };
    // Started by another browser (or before the binding existed): never a session here, and
    // whatever session this browser has is left as it is.
    let started_here = rpps_session::token_cookie(headers, LOGIN_COOKIE)
        .is_some_and(|browser| rpps_session::id_hash(&browser) == record.browser);
    if !started_here {
        return refused(Problem::SignInFailed, "state_foreign").await;
    }
    let client = match state.providers.client(provider).await {
        Ok(client) => client,
        Err(e) => return refused(Problem::from_guidance(e.guidance()), e.code()).await,
    };
    let identity = match client.finish(&record.pending, &params).await {
        Ok(identity) => identity,
        Err(e) => {
            if e.is_suspicious() {
                tracing::warn!(error = %e, provider = provider.code(), "suspicious sign-in refused");
            }
            return refused(Problem::from_guidance(e.guidance()), e.code()).await;
        }
    };
    let actor = identity.sub().to_owned();
    let outcome = match identity {
        SignedInIdentity::FranceConnect(fc) => outcome::franceconnect(store, fc, now).await,
        SignedInIdentity::ProSanteConnect(psc) => outcome::psc(store, psc, record.space, now).await,
    };
    let data = match outcome {
        Ok(Outcome::Session(data)) => data,
        Ok(Outcome::Refused(problem, code)) => {
            return refuse(store, provider, &actor, problem, code).await;
        }
        Ok(Outcome::AlreadyNumbered(rpps)) => {
            let mut response = refuse(
                store,
                provider,
                &actor,
                Problem::AlreadyRpps,
                "already_rpps",
            )
            .await;
            response
                .headers_mut()
                .append(header::SET_COOKIE, crate::pages::number_cookie(&rpps));
            return response;
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

pub async fn franceconnect_callback(
    State(state): State<AuthState>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    callback(&state, Provider::FranceConnect, &headers, &uri).await
}

pub async fn psc_callback(
    State(state): State<AuthState>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    callback(&state, Provider::ProSanteConnect, &headers, &uri).await
}
