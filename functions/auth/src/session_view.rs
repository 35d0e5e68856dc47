//! Who am I (`GET /api/session`), signing out, and the pages the browser lands on around them.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use rpps_api::ApiError;
use rpps_contract::session::{LogoutView, SessionView};
use rpps_domain::Role;
use rpps_identity::Provider;
use rpps_session::{AnySession, SessionData};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use crate::pages::Problem;
use crate::{AuthState, audit, no_store, problem_redirect, see_other};

/// What the browser may know of a session: not the identity token, not the FranceConnect
/// subject or national identifier.
pub fn view(data: SessionData) -> SessionView {
    SessionView {
        authenticated: true,
        role: rpps_api::views::role(&data.role),
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
        civil_status: data
            .civil_status
            .map(|certified| rpps_api::views::civil_status(&certified.civil_status)),
        csrf_token: Some(data.csrf_token),
    }
}

/// Who am I: the role, the establishments, the CSRF token our pages send back.
pub async fn session(
    State(state): State<AuthState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let loaded = rpps_session::load(&state.store, &headers, OffsetDateTime::now_utc()).await?;
    let current = match loaded {
        None => None,
        // A manager's establishments as designated now; revoked everywhere: not signed in.
        Some((_, data)) => rpps_session::with_current_rights(&state.store, data).await?,
    };
    let view = current.map_or_else(SessionView::default, view);
    Ok(no_store(Json(view).into_response()))
}

/// Ends the session (same-origin and CSRF token required), then the provider's session.
pub async fn logout(
    State(state): State<AuthState>,
    headers: HeaderMap,
    AnySession(signed_in): AnySession,
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
    // The provider's logout returns with this `state`; the browser keeps it in a cookie.
    let logout_state = rpps_session::random_token();
    let provider_logout = match state.providers.client(provider).await {
        Ok(client) => client
            .end_session_url(&signed_in.data.id_token, &logout_state)
            .ok(),
        Err(_) => None,
    };
    let bound = provider_logout.is_some();
    let redirect_to = provider_logout.unwrap_or_else(|| "/".to_owned());
    let mut response = Json(LogoutView { redirect_to }).into_response();
    let headers = response.headers_mut();
    headers.insert(header::SET_COOKIE, rpps_session::clear_cookie());
    if bound {
        headers.append(
            header::SET_COOKIE,
            rpps_session::short_cookie(LOGOUT_COOKIE, &logout_state, LOGOUT_TTL),
        );
    }
    Ok(no_store(response))
}

/// The `state` of a provider logout this browser started (same defence as the sign-in's
/// [`LOGIN_COOKIE`](crate::sign_in::LOGIN_COOKIE)).
pub const LOGOUT_COOKIE: &str = "__Host-rpps_logout";
const LOGOUT_TTL: Duration = Duration::minutes(10);

#[derive(Deserialize)]
struct LoggedOutQuery {
    state: Option<String>,
}

/// Where the provider sends the browser back after its logout: home if this browser started
/// that logout (the `state` equals its cookie), else the guidance page. Either way the cookie
/// goes.
pub async fn logged_out(uri: axum::http::Uri, headers: HeaderMap) -> Response {
    let returned = Query::<LoggedOutQuery>::try_from_uri(&uri)
        .ok()
        .and_then(|q| q.0.state);
    let started_here = rpps_session::token_cookie(&headers, LOGOUT_COOKIE)
        .is_some_and(|state| returned.as_deref() == Some(state.as_str()));
    let mut response = if started_here {
        see_other("/")
    } else {
        tracing::info!("logout return with a state this browser did not start");
        problem_redirect(Problem::SignInFailed)
    };
    response.headers_mut().append(
        header::SET_COOKIE,
        rpps_session::short_cookie(LOGOUT_COOKIE, "", Duration::ZERO),
    );
    no_store(response)
}

#[derive(Deserialize)]
struct ProblemQuery {
    reason: Option<String>,
}

/// The guidance page of a refused or failed sign-in (FAQ-R8, R10, R12).
pub async fn problem(uri: axum::http::Uri, headers: HeaderMap) -> Response {
    let reason = Query::<ProblemQuery>::try_from_uri(&uri)
        .ok()
        .and_then(|q| q.0.reason)
        .unwrap_or_default();
    let number = crate::pages::number_from(&headers);
    no_store(Html(Problem::from_code(&reason).html_with_number(number.as_ref())).into_response())
}
