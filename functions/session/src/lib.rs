//! Sessions.
//!
//! - The cookie `__Host-rpps_session` carries 32 random bytes (base64url); it is `HttpOnly;
//!   Secure; SameSite=Lax; Path=/`, no `Domain` (the `__Host-` prefix makes browsers enforce it).
//! - The record lives in the sessions table under the SHA-256 of the id, with an idle expiry
//!   (30 minutes, slid forward as the person uses the site) and an absolute one (12 hours).
//! - A new id is issued at every sign-in and the previous session deleted (no fixation).
//! - CSRF, on every state-changing request: the `Origin` (or `Sec-Fetch-Site`) must be our own
//!   origin, **and** the `X-CSRF-Token` header must equal the session's token, which only our
//!   own pages can read (from `GET /api/session`). `SameSite=Lax` is a third layer.

pub mod rights;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rpps_api::ApiError;
use rpps_domain::{CivilStatus, Role};
use rpps_store::Store;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

pub const COOKIE_NAME: &str = "__Host-rpps_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// The idle expiry is moved forward at most this often (one write per five minutes of use).
const SLIDE_EVERY: Duration = Duration::minutes(5);

/// 32 bytes from the operating system's CSPRNG, base64url (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The key under which a session is stored: the id itself never reaches the database.
pub fn id_hash(id: &str) -> String {
    Sha256::digest(id.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Who is signed in, as stored. Private data stays server-side: the browser only holds the id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionData {
    pub role: Role,
    /// The FranceConnect `sub` or the PSC national identifier: the actor of audit entries.
    pub actor_id: String,
    /// `franceconnect` or `psc`.
    pub provider: String,
    pub given_name: String,
    pub family_name: String,
    /// What FranceConnect certified of an applicant (read-only, FAQ-R11).
    pub civil_status: Option<CertifiedIdentity>,
    /// An applicant whose employer already started their request (the same person, found at
    /// sign-in): the request they follow (FAQ-R1, R12).
    #[serde(default)]
    pub followed_request: Option<String>,
    /// For the provider's logout (`id_token_hint`); never sent to the browser.
    pub id_token: String,
    pub csrf_token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub absolute_expiry: OffsetDateTime,
}

/// What FranceConnect certified of an applicant at sign-in: the civil status (parsed by the
/// domain's rules) and the other claims, as they came.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertifiedIdentity {
    pub civil_status: CivilStatus,
    /// The usage name (e.g. a spouse's name), when there is one.
    #[serde(default)]
    pub usage_name: Option<String>,
    /// `female` or `male`.
    #[serde(default)]
    pub gender: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

impl SessionData {
    fn expiry_from(&self, now: OffsetDateTime) -> OffsetDateTime {
        (now + IDLE_TIMEOUT).min(self.absolute_expiry)
    }
}

/// The `Set-Cookie` value that installs a session.
pub fn session_cookie(id: &str) -> HeaderValue {
    let value = format!(
        "{COOKIE_NAME}={id}; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age={}",
        ABSOLUTE_TIMEOUT.whole_seconds()
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that removes it.
pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static(
        "__Host-rpps_session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0",
    )
}

/// The value of the cookie `name` in the request's `Cookie` headers, if any.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, _)| *cookie == name)
        .map(|(_, value)| value.to_owned())
}

/// The value of the cookie `name` if it is one of our [`random_token`]s (43 base64url
/// characters), else `None`.
pub fn token_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    cookie_value(headers, name).filter(|v| {
        v.len() == 43
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// The session id in the request's cookies, if any (only a well-formed one).
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    token_cookie(headers, COOKIE_NAME)
}

/// A short-lived `__Host-` cookie (`HttpOnly; Secure; SameSite=Lax; Path=/`) holding one of our
/// tokens: `Lax`, so that the provider's redirect back (a top-level `GET` from its site) carries
/// it. `max_age` 0 removes it.
pub fn short_cookie(name: &str, value: &str, max_age: Duration) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age={}",
        max_age.whole_seconds()
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn unavailable(e: rpps_store::StoreError) -> ApiError {
    ApiError::from_store(e, "La connexion")
}

/// Creates a session (a new id) and returns the id to put in the cookie.
pub async fn create(store: &Store, data: &SessionData) -> Result<String, ApiError> {
    let id = random_token();
    store
        .put_session(&id_hash(&id), data, data.expiry_from(data.created_at))
        .await
        .map_err(unavailable)?;
    Ok(id)
}

/// Reads the live session of a request and slides its idle expiry forward.
pub async fn load(
    store: &Store,
    headers: &HeaderMap,
    now: OffsetDateTime,
) -> Result<Option<(String, SessionData)>, ApiError> {
    let Some(id) = session_id(headers) else {
        return Ok(None);
    };
    let hash = id_hash(&id);
    let Some((data, expiry)) = store
        .session::<SessionData>(&hash, now)
        .await
        .map_err(unavailable)?
    else {
        return Ok(None);
    };
    if now >= data.absolute_expiry {
        return Ok(None);
    }
    // The idle expiry moves on when it would move by five minutes or more (one write per five
    // minutes of use), never past the absolute expiry. Only the expiry is written: the
    // functions other than sign-in may update that attribute and nothing else (IAM), so none
    // of them can write a session's content.
    let slid = data.expiry_from(now);
    if slid - expiry >= SLIDE_EVERY {
        let live = store
            .refresh_session(&hash, slid, now)
            .await
            .map_err(unavailable)?;
        if !live {
            // Ended (signed out) since it was read: the sign-out wins, this request is anonymous.
            return Ok(None);
        }
    }
    Ok(Some((id, data)))
}

/// The session's data with a manager's rights as designated now ([`rights`]): the
/// establishments re-read (at most a minute old), `None` if the person manages none any more
/// (revoked). Other roles are returned as they are.
pub async fn with_current_rights(
    store: &Store,
    mut data: SessionData,
) -> Result<Option<SessionData>, ApiError> {
    if let Role::Manager { establishments } = &mut data.role {
        let managed = rights::managed_now(store, &data.actor_id)
            .await
            .map_err(unavailable)?;
        if managed.is_empty() {
            return Ok(None);
        }
        *establishments = managed;
    }
    Ok(Some(data))
}

/// Ends the request's session, if any.
pub async fn destroy(store: &Store, headers: &HeaderMap) -> Result<(), ApiError> {
    if let Some(id) = session_id(headers) {
        store
            .delete_session(&id_hash(&id))
            .await
            .map_err(unavailable)?;
    }
    Ok(())
}

/// Same-origin check for state-changing requests: `Origin` must be ours; without `Origin`,
/// `Sec-Fetch-Site` must say `same-origin`. Safe methods pass.
pub fn check_same_origin(
    method: &Method,
    headers: &HeaderMap,
    public_origin: &str,
) -> Result<(), ApiError> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let ok = match (origin, fetch_site) {
        (Some(origin), _) => origin == public_origin,
        (None, Some(site)) => site == "same-origin",
        (None, None) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf.origin",
            "Cette action doit être faite depuis le portail RPPS+ lui-même. Rechargez la page et réessayez.",
        ))
    }
}

/// Constant-time comparison of the CSRF header with the session's token.
pub fn check_csrf_token(headers: &HeaderMap, session: &SessionData) -> Result<(), ApiError> {
    let sent = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let expected = session.csrf_token.as_bytes();
    let same = sent.len() == expected.len()
        && sent
            .bytes()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf.token",
            "Votre session a changé depuis l'affichage de cette page. Rechargez la page et réessayez.",
        ))
    }
}

/// What a route needs to know about sessions: the store and our own origin.
pub trait SessionContext {
    fn store(&self) -> &Store;
    fn public_origin(&self) -> &str;
}

/// A signed-in person. As an extractor: 401 when there is no live session; on state-changing
/// methods also the same-origin and CSRF-token checks (403); a manager's establishments as
/// designated now, 403 `manager.revoked` when none is left ([`with_current_rights`]).
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub session_id: String,
    pub data: SessionData,
}

/// The live session of a request, with the same-origin and CSRF checks, the rights as recorded
/// at sign-in.
async fn live_session<S: SessionContext>(parts: &Parts, state: &S) -> Result<SignedIn, ApiError> {
    check_same_origin(&parts.method, &parts.headers, state.public_origin())?;
    let Some((session_id, data)) =
        load(state.store(), &parts.headers, OffsetDateTime::now_utc()).await?
    else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "session.none",
            "Vous n'êtes pas connecté, ou votre session a expiré. Connectez-vous pour continuer.",
        ));
    };
    if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        check_csrf_token(&parts.headers, &data)?;
    }
    Ok(SignedIn { session_id, data })
}

impl<S: SessionContext + Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let SignedIn { session_id, data } = live_session(parts, state).await?;
        let Some(data) = with_current_rights(state.store(), data).await? else {
            return Err(ApiError::forbidden(
                "manager.revoked",
                "Vous n'êtes plus gestionnaire RPPS+ d'aucun établissement : votre désignation a été retirée. Déconnectez-vous ; si c'est une erreur, adressez-vous à l'administrateur RPPS+.",
            ));
        };
        Ok(Self { session_id, data })
    }
}

/// A signed-in person whatever their rights now: for signing out, which a revoked manager must
/// still be able to do. Same checks as [`SignedIn`] but the re-read of a manager's rights.
#[derive(Clone, Debug)]
pub struct AnySession(pub SignedIn);

impl<S: SessionContext + Send + Sync> FromRequestParts<S> for AnySession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        live_session(parts, state).await.map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_urlsafe_characters_and_distinct() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
        assert_eq!(id_hash(&a).len(), 64);
    }

    #[test]
    fn the_cookie_has_every_attribute() {
        let cookie = session_cookie(&"a".repeat(43));
        let cookie = cookie.to_str().unwrap();
        for attr in [
            "__Host-rpps_session=",
            "HttpOnly",
            "Secure",
            "SameSite=Lax",
            "Path=/",
        ] {
            assert!(cookie.contains(attr), "{cookie}");
        }
        assert!(!cookie.contains("Domain"));
    }

    #[test]
    fn only_a_well_formed_session_cookie_is_read() {
        let id = random_token();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("other=1; {COOKIE_NAME}={id}")).unwrap(),
        );
        assert_eq!(session_id(&headers), Some(id));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("__Host-rpps_session=short"),
        );
        assert_eq!(session_id(&headers), None);
    }

    #[test]
    fn state_changing_requests_must_come_from_our_origin() {
        let origin = "https://rpps.example.org";
        let mut headers = HeaderMap::new();
        assert!(check_same_origin(&Method::GET, &headers, origin).is_ok());
        assert!(check_same_origin(&Method::POST, &headers, origin).is_err());
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert_eq!(
            check_same_origin(&Method::POST, &headers, origin)
                .unwrap_err()
                .code,
            "csrf.origin"
        );
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://rpps.example.org"),
        );
        assert!(check_same_origin(&Method::POST, &headers, origin).is_ok());
        let mut fetch = HeaderMap::new();
        fetch.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(check_same_origin(&Method::DELETE, &fetch, origin).is_ok());
        fetch.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(check_same_origin(&Method::DELETE, &fetch, origin).is_err());
    }
}
