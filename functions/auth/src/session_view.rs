//! Who am I (`GET /api/session`), signing out, and the pages the browser lands on around them.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use rpps_api::ApiError;
use rpps_contract::session::{LogoutView, SessionView};
use rpps_domain::Role;
use rpps_identity::Provider;
use rpps_session::{SessionData, SignedIn};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::pages::Problem;
use crate::{AuthState, audit, no_store, see_other};

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
    let view = match rpps_session::load(&state.store, &headers, OffsetDateTime::now_utc()).await? {
        None => SessionView::default(),
        Some((_, data)) => view(data),
    };
    Ok(no_store(Json(view).into_response()))
}

/// Ends the session (same-origin and CSRF token required), then the provider's session.
pub async fn logout(
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
    let mut response = Json(LogoutView { redirect_to }).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, rpps_session::clear_cookie());
    Ok(no_store(response))
}

/// Where the provider sends the browser back after its logout.
pub async fn logged_out() -> Response {
    see_other("/")
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
