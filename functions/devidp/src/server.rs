//! The endpoints of both issuers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, LOCATION, PRAGMA, WWW_AUTHENTICATE,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use openidconnect::core::{
    CoreGenderClaim, CoreIdToken, CoreIdTokenClaims, CoreJsonWebKey, CoreJwsSigningAlgorithm,
    CoreRsaPrivateSigningKey,
};
use openidconnect::url::{Url, form_urlencoded};
use openidconnect::{
    AccessToken, AdditionalClaims, Audience, AuthenticationContextClass, CsrfToken,
    EmptyAdditionalClaims, EndUserBirthday, EndUserEmail, EndUserFamilyName, EndUserGivenName,
    EndUserUsername, IssuerUrl, LocalizedClaim, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    PrivateSigningKey, StandardClaims, SubjectIdentifier, UserInfoClaims, UserInfoJsonWebToken,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::fault::Fault;
use crate::identities::{
    FranceConnectTestIdentity, PscTestIdentity, franceconnect_identity, psc_identity,
};
use crate::keys::{Es256Key, corrupt_signature, generate_rsa};
use crate::page;
use crate::{CARD_PROBLEM_ERROR, CODE_TTL_SECS, DevClient, DevIdpConfig, DevIdpError, DevIssuer};

const CODE_TTL: Duration = Duration::from_secs(CODE_TTL_SECS);
const ACCESS_TOKEN_TTL: Duration = Duration::from_secs(60);
/// ID tokens stay usable as `id_token_hint` this long.
const ID_TOKEN_HINT_TTL: Duration = Duration::from_secs(12 * 3600);
const ID_TOKEN_LIFETIME_SECS: i64 = 60;
/// Smallest `state` / `nonce` accepted (the portal sends 43 characters).
const MIN_RANDOM_LEN: usize = 32;
const MAX_PARAM_LEN: usize = 2048;
const FC_SCOPES: &[&str] = &[
    "openid",
    "given_name",
    "family_name",
    "birthdate",
    "gender",
    "birthplace",
    "birthcountry",
    "email",
    "preferred_username",
];
const PSC_SCOPES: &[&str] = &["openid", "scope_all"];
const FC_ACR: &[&str] = &["eidas1", "eidas2", "eidas3"];
const PSC_ACR: &[&str] = &["eidas1"];
const UNKNOWN_ACR: &str = "eidas-inconnu";

struct CodeGrant {
    issuer: DevIssuer,
    client_id: String,
    redirect_uri: String,
    identity: &'static str,
    nonce: String,
    code_challenge: Option<String>,
    fault: Option<Fault>,
    issued: Instant,
}

struct AccessGrant {
    issuer: DevIssuer,
    client_id: String,
    identity: &'static str,
    fault: Option<Fault>,
    expires: Instant,
}

struct IssuedIdToken {
    issuer: DevIssuer,
    client_id: String,
    expires: Instant,
}

pub(crate) struct Shared {
    base: String,
    clients: Vec<DevClient>,
    fc_key: Es256Key,
    psc_key: CoreRsaPrivateSigningKey,
    codes: Mutex<HashMap<String, CodeGrant>>,
    tokens: Mutex<HashMap<String, AccessGrant>>,
    id_tokens: Mutex<HashMap<String, IssuedIdToken>>,
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(openidconnect::url::Host::Domain(domain)) => domain == "localhost",
        Some(openidconnect::url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(openidconnect::url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl Shared {
    pub(crate) fn new(config: DevIdpConfig) -> Result<Self, DevIdpError> {
        let base = config.public_base.trim_end_matches('/').to_owned();
        let url = Url::parse(&base)
            .map_err(|err| DevIdpError::Config(format!("public_base `{base}`: {err}")))?;
        if !is_loopback(&url) || !matches!(url.scheme(), "http" | "https") {
            return Err(DevIdpError::NotLoopback(base));
        }
        if config.clients.is_empty() {
            return Err(DevIdpError::Config("no client registered".into()));
        }
        for client in &config.clients {
            if client.client_id.is_empty() || client.client_secret.is_empty() {
                return Err(DevIdpError::Config(
                    "a client needs an id and a secret".into(),
                ));
            }
        }
        let fc_key = Es256Key::generate("dev-franceconnect-es256")?;
        let psc_key = generate_rsa("dev-psc-rs256")?;
        tracing::warn!(
            base = %base,
            "development OpenID provider enabled (test identities, never in production)"
        );
        Ok(Self {
            base,
            clients: config.clients,
            fc_key,
            psc_key,
            codes: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            id_tokens: Mutex::new(HashMap::new()),
        })
    }

    fn client(&self, client_id: &str) -> Option<&DevClient> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    fn issuer_url(&self, issuer: DevIssuer) -> String {
        issuer.issuer_url(&self.base)
    }
}

#[derive(Clone)]
struct IssuerState {
    shared: Arc<Shared>,
    issuer: DevIssuer,
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let mut router = Router::new();
    for issuer in [DevIssuer::FranceConnect, DevIssuer::ProSanteConnect] {
        let routes = Router::new()
            .route(issuer.discovery_path(), get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", axum::routing::post(token))
            .route("/userinfo", get(userinfo).post(userinfo))
            .route("/logout", get(logout))
            .with_state(IssuerState {
                shared: shared.clone(),
                issuer,
            });
        router = router.nest(&format!("/dev-idp/{}", issuer.path_segment()), routes);
    }
    router
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn random() -> String {
    CsrfToken::new_random_len(32).secret().clone()
}

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

fn html(status: StatusCode, body: String) -> Response {
    no_store((status, Html(body)).into_response())
}

fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => no_store((StatusCode::FOUND, [(LOCATION, value)]).into_response()),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// `uri` with `params` appended to its query.
fn redirect_with(issuer: DevIssuer, uri: &str, params: &[(&str, &str)]) -> Response {
    match Url::parse(uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(params);
            found(url.as_str())
        }
        Err(_) => html(
            StatusCode::BAD_REQUEST,
            page::error(issuer, "L'adresse de retour est invalide."),
        ),
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    no_store(
        (
            status,
            Json(json!({"error": error, "error_description": description})),
        )
            .into_response(),
    )
}

// ---------------------------------------------------------------------------------------------
// Discovery and keys

async fn discovery(State(state): State<IssuerState>) -> Response {
    let issuer = state.shared.issuer_url(state.issuer);
    let mut document = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "end_session_endpoint": format!("{issuer}/logout"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "ui_locales_supported": ["fr"],
    });
    let extra = match state.issuer {
        DevIssuer::FranceConnect => json!({
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "userinfo_signing_alg_values_supported": ["ES256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "scopes_supported": FC_SCOPES,
            "claims_supported": ["sub", "given_name", "family_name", "birthdate", "gender",
                "birthplace", "birthcountry", "email", "preferred_username", "acr", "amr"],
            "acr_values_supported": FC_ACR,
        }),
        DevIssuer::ProSanteConnect => json!({
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "scopes_supported": PSC_SCOPES,
            "claims_supported": ["sub", "SubjectNameID", "preferred_username", "given_name",
                "family_name", "SubjectRefPro", "acr"],
            "acr_values_supported": PSC_ACR,
            "code_challenge_methods_supported": ["S256"],
        }),
    };
    if let (Some(document), Value::Object(extra)) = (document.as_object_mut(), extra) {
        document.extend(extra);
    }
    Json(document).into_response()
}

async fn jwks(State(state): State<IssuerState>) -> Response {
    let key: CoreJsonWebKey = match state.issuer {
        DevIssuer::FranceConnect => state.shared.fc_key.as_verification_key(),
        DevIssuer::ProSanteConnect => state.shared.psc_key.as_verification_key(),
    };
    Json(json!({ "keys": [key] })).into_response()
}

// ---------------------------------------------------------------------------------------------
// Authorization

#[derive(Debug, Default, Deserialize)]
struct AuthorizeQuery {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    acr_values: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    login_hint: Option<String>,
    dev_fault: Option<String>,
    dev_action: Option<String>,
}

impl AuthorizeQuery {
    fn too_long(&self) -> bool {
        [
            &self.client_id,
            &self.redirect_uri,
            &self.response_type,
            &self.scope,
            &self.state,
            &self.nonce,
            &self.acr_values,
            &self.code_challenge,
            &self.code_challenge_method,
            &self.login_hint,
            &self.dev_fault,
            &self.dev_action,
        ]
        .iter()
        .any(|value| value.as_ref().is_some_and(|v| v.len() > MAX_PARAM_LEN))
    }

    /// The parameters the choice page carries over.
    fn carried(&self) -> Vec<(&'static str, &str)> {
        [
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("response_type", &self.response_type),
            ("scope", &self.scope),
            ("state", &self.state),
            ("nonce", &self.nonce),
            ("acr_values", &self.acr_values),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.as_deref().map(|v| (key, v)))
        .collect()
    }
}

fn known_identity(issuer: DevIssuer, id: &str) -> Option<&'static str> {
    match issuer {
        DevIssuer::FranceConnect => franceconnect_identity(id).map(|i| i.id),
        DevIssuer::ProSanteConnect => psc_identity(id).map(|i| i.id),
    }
}

async fn authorize(
    State(state): State<IssuerState>,
    query: Result<Query<AuthorizeQuery>, QueryRejection>,
) -> Response {
    let issuer = state.issuer;
    let refuse = |message: &str| html(StatusCode::BAD_REQUEST, page::error(issuer, message));
    let Ok(Query(query)) = query else {
        return refuse("Les paramètres de la requête sont illisibles (paramètre répété ?).");
    };
    if query.too_long() {
        return refuse("Un paramètre de la requête est trop long.");
    }
    // Until client_id and redirect_uri are checked, nothing may be sent to redirect_uri.
    let Some(client) = query
        .client_id
        .as_deref()
        .and_then(|id| state.shared.client(id))
    else {
        return refuse("Ce client (client_id) n'est pas enregistré auprès de ce fournisseur.");
    };
    let Some(redirect_uri) = query
        .redirect_uri
        .as_deref()
        .filter(|uri| client.redirect_uris.iter().any(|r| r == uri))
    else {
        return refuse("L'adresse de retour (redirect_uri) n'est pas enregistrée pour ce client.");
    };
    let client_state = query.state.as_deref().unwrap_or_default();
    let back = |error: &str, description: &str| {
        let mut params = vec![("error", error), ("error_description", description)];
        if !client_state.is_empty() {
            params.push(("state", client_state));
        }
        redirect_with(issuer, redirect_uri, &params)
    };

    if query.response_type.as_deref() != Some("code") {
        return back(
            "unsupported_response_type",
            "response_type doit valoir code",
        );
    }
    let supported = match issuer {
        DevIssuer::FranceConnect => FC_SCOPES,
        DevIssuer::ProSanteConnect => PSC_SCOPES,
    };
    let scopes: Vec<&str> = query
        .scope
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    if !scopes.contains(&"openid") || scopes.iter().any(|s| !supported.contains(s)) {
        return back("invalid_scope", "scope inconnu ou openid absent");
    }
    if client_state.len() < MIN_RANDOM_LEN {
        return back(
            "invalid_request",
            "state absent ou trop court (32 caractères au moins)",
        );
    }
    let nonce = query.nonce.as_deref().unwrap_or_default();
    if nonce.len() < MIN_RANDOM_LEN {
        return back(
            "invalid_request",
            "nonce absent ou trop court (32 caractères au moins)",
        );
    }
    // Both require acr_values: FranceConnect an eIDAS level, PSC eidas1 (its only level).
    let levels = match issuer {
        DevIssuer::FranceConnect => FC_ACR,
        DevIssuer::ProSanteConnect => PSC_ACR,
    };
    let requested_ok = query
        .acr_values
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .any(|acr| levels.contains(&acr));
    if !requested_ok {
        return back(
            "invalid_request",
            &format!("acr_values doit demander {}", levels.join(" ou ")),
        );
    }
    let code_challenge = match (
        query.code_challenge.as_deref(),
        query.code_challenge_method.as_deref(),
    ) {
        (None, _) => None,
        (Some(challenge), Some("S256")) if !challenge.is_empty() => Some(challenge.to_owned()),
        _ => return back("invalid_request", "code_challenge_method doit valoir S256"),
    };
    let fault = match query.dev_fault.as_deref().filter(|f| !f.is_empty()) {
        None => None,
        Some(code) => match Fault::from_code(code) {
            Some(fault) if fault.applies_to(issuer) => Some(fault),
            _ => return back("invalid_request", "dev_fault inconnu pour ce fournisseur"),
        },
    };

    match query.dev_action.as_deref() {
        Some("annuler") => {
            return back("access_denied", "La personne a annulé la connexion.");
        }
        Some("carte_absente") if issuer == DevIssuer::ProSanteConnect => {
            return back(
                CARD_PROBLEM_ERROR,
                "Lecteur de carte ou Cryptolib CPS absent : la carte n'a pas pu être lue.",
            );
        }
        Some(_) => return back("invalid_request", "dev_action inconnue"),
        None => {}
    }

    let Some(login_hint) = query.login_hint.as_deref().filter(|h| !h.is_empty()) else {
        let action = format!("/dev-idp/{}/authorize", issuer.path_segment());
        // The page's own select carries dev_fault.
        let hidden = query.carried();
        return html(
            StatusCode::OK,
            page::choose_identity(issuer, &action, &hidden, fault),
        );
    };
    let Some(identity) = known_identity(issuer, login_hint) else {
        return refuse("Cette identité de test n'existe pas chez ce fournisseur.");
    };

    let code = random();
    {
        let mut codes = lock(&state.shared.codes);
        codes.retain(|_, grant| grant.issued.elapsed() <= CODE_TTL);
        codes.insert(
            code.clone(),
            CodeGrant {
                issuer,
                client_id: client.client_id.clone(),
                redirect_uri: redirect_uri.to_owned(),
                identity,
                nonce: nonce.to_owned(),
                code_challenge,
                fault,
                issued: Instant::now(),
            },
        );
    }
    redirect_with(
        issuer,
        redirect_uri,
        &[("code", &code), ("state", client_state)],
    )
}

// ---------------------------------------------------------------------------------------------
// Token

#[derive(Debug, Default, Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

fn form_decode(text: &str) -> String {
    form_urlencoded::parse(text.as_bytes())
        .next()
        .map(|(key, _)| key.into_owned())
        .unwrap_or_default()
}

/// `client_secret_basic` (RFC 6749 §2.3.1: each part form-urlencoded, then Base64).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id), form_decode(secret)))
}

fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client, authenticated the way this issuer's discovery document says.
fn authenticate<'a>(
    state: &'a IssuerState,
    headers: &HeaderMap,
    form: &TokenForm,
) -> Option<&'a DevClient> {
    let (id, secret) = match state.issuer {
        DevIssuer::FranceConnect => {
            if headers.contains_key(AUTHORIZATION) {
                return None;
            }
            (form.client_id.clone()?, form.client_secret.clone()?)
        }
        DevIssuer::ProSanteConnect => {
            if form.client_secret.is_some() {
                return None;
            }
            basic_credentials(headers)?
        }
    };
    let client = state.shared.client(&id)?;
    same(&client.client_secret, &secret).then_some(client)
}

#[derive(Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    id_token: String,
    scope: String,
}

async fn token(
    State(state): State<IssuerState>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "formulaire illisible",
        );
    };
    let Some(client) = authenticate(&state, &headers, &form) else {
        let mut response = oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "authentification du client refusée",
        );
        if state.issuer == DevIssuer::ProSanteConnect {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"dev-idp\""),
            );
        }
        return response;
    };
    if form.grant_type.as_deref() != Some("authorization_code") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "seul authorization_code est accepté",
        );
    }
    let invalid_grant = |why: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why);
    // Single use: the code is removed whatever happens next.
    let Some(grant) = form
        .code
        .as_deref()
        .and_then(|code| lock(&state.shared.codes).remove(code))
    else {
        return invalid_grant("code inconnu ou déjà utilisé");
    };
    if grant.issued.elapsed() > CODE_TTL {
        return invalid_grant("code expiré");
    }
    if grant.issuer != state.issuer || grant.client_id != client.client_id {
        return invalid_grant("code émis pour un autre client");
    }
    if form.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
        return invalid_grant("redirect_uri différente de celle de l'autorisation");
    }
    if let Some(challenge) = &grant.code_challenge {
        let Some(verifier) = form.code_verifier.as_deref() else {
            return invalid_grant("code_verifier absent");
        };
        let computed = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            verifier.to_owned(),
        ));
        if !same(computed.as_str(), challenge) {
            return invalid_grant("code_verifier ne correspond pas au code_challenge");
        }
    }

    let access_token = random();
    let id_token = match issue_id_token(&state, &grant, &access_token) {
        Ok(id_token) => id_token,
        Err(err) => {
            tracing::error!(error = %err, "development provider could not sign an ID token");
            return oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "signature impossible",
            );
        }
    };
    {
        let mut tokens = lock(&state.shared.tokens);
        tokens.retain(|_, grant| grant.expires > Instant::now());
        tokens.insert(
            access_token.clone(),
            AccessGrant {
                issuer: state.issuer,
                client_id: client.client_id.clone(),
                identity: grant.identity,
                fault: grant.fault,
                expires: Instant::now() + ACCESS_TOKEN_TTL,
            },
        );
    }
    {
        let mut id_tokens = lock(&state.shared.id_tokens);
        id_tokens.retain(|_, issued| issued.expires > Instant::now());
        id_tokens.insert(
            id_token.clone(),
            IssuedIdToken {
                issuer: state.issuer,
                client_id: client.client_id.clone(),
                expires: Instant::now() + ID_TOKEN_HINT_TTL,
            },
        );
    }
    let scope = match state.issuer {
        DevIssuer::FranceConnect => FC_SCOPES.join(" "),
        DevIssuer::ProSanteConnect => PSC_SCOPES.join(" "),
    };
    no_store(
        Json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: ACCESS_TOKEN_TTL.as_secs(),
            id_token,
            scope,
        })
        .into_response(),
    )
}

fn subject(issuer: DevIssuer, identity: &str) -> String {
    match issuer {
        DevIssuer::FranceConnect => franceconnect_identity(identity).map(|i| i.sub),
        DevIssuer::ProSanteConnect => psc_identity(identity).map(|i| i.sub),
    }
    .unwrap_or_default()
    .to_owned()
}

/// `iss` and `aud`, as the fault says.
fn issuer_and_audience(
    state: &IssuerState,
    client_id: &str,
    fault: Option<Fault>,
) -> (String, String) {
    let issuer = match fault {
        Some(Fault::WrongIssuer) => format!("{}/dev-idp/autre-fournisseur", state.shared.base),
        _ => state.shared.issuer_url(state.issuer),
    };
    let audience = match fault {
        Some(Fault::WrongAudience) => "un-autre-client".to_owned(),
        _ => client_id.to_owned(),
    };
    (issuer, audience)
}

fn issue_id_token(
    state: &IssuerState,
    grant: &CodeGrant,
    access_token: &str,
) -> Result<String, String> {
    let fault = grant.fault;
    let (iss, aud) = issuer_and_audience(state, &grant.client_id, fault);
    let now = Utc::now();
    let (iat, exp) = match fault {
        Some(Fault::Expired) => (
            now - chrono::Duration::minutes(10),
            now - chrono::Duration::minutes(5),
        ),
        _ => (now, now + chrono::Duration::seconds(ID_TOKEN_LIFETIME_SECS)),
    };
    let nonce = match fault {
        Some(Fault::WrongNonce) => random(),
        _ => grant.nonce.clone(),
    };
    let acr = match fault {
        Some(Fault::UnknownAcr) => UNKNOWN_ACR,
        _ => "eidas1",
    };
    let claims = CoreIdTokenClaims::new(
        IssuerUrl::new(iss).map_err(|err| err.to_string())?,
        vec![Audience::new(aud)],
        exp,
        iat,
        StandardClaims::new(SubjectIdentifier::new(subject(
            grant.issuer,
            grant.identity,
        ))),
        EmptyAdditionalClaims {},
    )
    .set_nonce(Some(Nonce::new(nonce)))
    .set_auth_context_ref(Some(AuthenticationContextClass::new(acr.to_owned())))
    .set_auth_time(Some(iat));
    let access_token = AccessToken::new(access_token.to_owned());
    let id_token = match state.issuer {
        DevIssuer::FranceConnect => CoreIdToken::new(
            claims,
            &state.shared.fc_key,
            CoreJwsSigningAlgorithm::EcdsaP256Sha256,
            Some(&access_token),
            None,
        ),
        DevIssuer::ProSanteConnect => CoreIdToken::new(
            claims,
            &state.shared.psc_key,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            Some(&access_token),
            None,
        ),
    }
    .map_err(|err| err.to_string())?
    .to_string();
    Ok(match fault {
        Some(Fault::BadSignature) => corrupt_signature(&id_token),
        _ => id_token,
    })
}

// ---------------------------------------------------------------------------------------------
// Userinfo

/// FranceConnect's claims beyond the OpenID standard ones, plus `iat`/`exp` of the JWT.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct FranceConnectExtra {
    birthplace: String,
    birthcountry: String,
    iat: i64,
    exp: i64,
}
impl AdditionalClaims for FranceConnectExtra {}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

async fn userinfo(State(state): State<IssuerState>, headers: HeaderMap) -> Response {
    let grant = bearer(&headers).and_then(|token| {
        let tokens = lock(&state.shared.tokens);
        tokens
            .get(token)
            .filter(|grant| grant.issuer == state.issuer && grant.expires > Instant::now())
            .map(|grant| (grant.client_id.clone(), grant.identity, grant.fault))
    });
    let Some((client_id, identity, fault)) = grant else {
        return no_store(
            (
                StatusCode::UNAUTHORIZED,
                [(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                )],
            )
                .into_response(),
        );
    };
    match state.issuer {
        DevIssuer::FranceConnect => match franceconnect_identity(identity) {
            Some(person) => franceconnect_userinfo(&state, &client_id, person, fault),
            None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        DevIssuer::ProSanteConnect => match psc_identity(identity) {
            Some(person) => no_store(Json(psc_userinfo(person, fault)).into_response()),
            None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
    }
}

fn franceconnect_userinfo(
    state: &IssuerState,
    client_id: &str,
    person: &FranceConnectTestIdentity,
    fault: Option<Fault>,
) -> Response {
    let (iss, aud) = issuer_and_audience(state, client_id, fault);
    let aud = match fault {
        Some(Fault::UserinfoWrongAudience) => "un-autre-client".to_owned(),
        _ => aud,
    };
    let missing = fault == Some(Fault::MissingClaims);
    let mut standard = StandardClaims::<CoreGenderClaim>::new(SubjectIdentifier::new(
        userinfo_subject(person.sub, fault),
    ))
    .set_given_name(Some(LocalizedClaim::from(EndUserGivenName::new(
        person.given_name.to_owned(),
    ))))
    .set_gender(Some(CoreGenderClaim::new(person.gender.to_owned())))
    .set_email(Some(EndUserEmail::new(person.email.to_owned())));
    if !missing {
        standard = standard
            .set_family_name(Some(LocalizedClaim::from(EndUserFamilyName::new(
                person.family_name.to_owned(),
            ))))
            .set_birthdate(Some(EndUserBirthday::new(person.birthdate.to_owned())));
    }
    if let Some(usage_name) = person.preferred_username {
        standard =
            standard.set_preferred_username(Some(EndUserUsername::new(usage_name.to_owned())));
    }
    let now = Utc::now().timestamp();
    let extra = FranceConnectExtra {
        birthplace: person.birthplace.to_owned(),
        birthcountry: person.birthcountry.to_owned(),
        iat: now,
        exp: now + ID_TOKEN_LIFETIME_SECS,
    };
    let issuer = match IssuerUrl::new(iss) {
        Ok(issuer) => issuer,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let claims = UserInfoClaims::new(standard, extra)
        .set_issuer(Some(issuer))
        .set_audiences(Some(vec![Audience::new(aud)]));
    let jwt = UserInfoJsonWebToken::<
        FranceConnectExtra,
        CoreGenderClaim,
        openidconnect::core::CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >::new(
        claims,
        &state.shared.fc_key,
        CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    );
    let jwt = match jwt.map(|jwt| serde_json::to_value(&jwt)) {
        Ok(Ok(Value::String(jwt))) => jwt,
        _ => {
            tracing::error!("development provider could not sign a userinfo");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let jwt = match fault {
        Some(Fault::UserinfoBadSignature) => corrupt_signature(&jwt),
        _ => jwt,
    };
    no_store(
        (
            StatusCode::OK,
            [(CONTENT_TYPE, HeaderValue::from_static("application/jwt"))],
            jwt,
        )
            .into_response(),
    )
}

/// The userinfo's `sub`: the ID token's, unless the fault says otherwise.
fn userinfo_subject(sub: &str, fault: Option<Fault>) -> String {
    match fault {
        Some(Fault::UserinfoWrongSubject) => format!("{sub}-autre"),
        _ => sub.to_owned(),
    }
}

/// The claims of a FranceConnect identity's userinfo (without `sub`, `iss`, `aud`), as another
/// provider configured as FranceConnect is given them (the certified provider of the tests).
pub fn franceconnect_userinfo_claims(person: &FranceConnectTestIdentity) -> Value {
    let mut claims = json!({
        "given_name": person.given_name,
        "family_name": person.family_name,
        "birthdate": person.birthdate,
        "gender": person.gender,
        "birthplace": person.birthplace,
        "birthcountry": person.birthcountry,
        "email": person.email,
    });
    if let (Some(usage_name), Some(object)) = (person.preferred_username, claims.as_object_mut()) {
        object.insert("preferred_username".into(), json!(usage_name));
    }
    claims
}

/// The claims of a Pro Santé Connect identity's userinfo (without `sub`), as another provider
/// configured as Pro Santé Connect is given them.
pub fn psc_userinfo_claims(person: &PscTestIdentity) -> Value {
    let mut claims = psc_userinfo(person, None);
    if let Some(object) = claims.as_object_mut() {
        object.remove("sub");
    }
    claims
}

/// Pro Santé Connect's userinfo, in the shape of the real one (subset).
fn psc_userinfo(person: &PscTestIdentity, fault: Option<Fault>) -> Value {
    let mut practices: Vec<(String, Vec<Value>)> = Vec::new();
    for activity in person.activities {
        let entry = json!({
            "codeModeExercice": "S",
            "codeSecteurDactivite": "SA29",
            "codeSectionPharmacien": "",
            "codeRole": "",
            "numeroSiretSite": "",
            "numeroSirenSite": "",
            "numeroFinessSite": activity.finess_site,
            "numeroFinessetablissementJuridique": activity.finess_legal,
            "identifiantTechniqueDeLaStructure": format!("F{}", activity.finess_site),
            "raisonSocialeSite": activity.site_name,
            "enseigneCommercialeSite": "",
            "codePostal": activity.postal_code,
            "codePays": "99000",
            "ancienIdentifiantDeLaStructure": format!("1{}", activity.finess_site),
            "autoriteDenregistrement": "ARS",
        });
        match practices
            .iter_mut()
            .find(|(code, _)| code == activity.profession_code)
        {
            Some((_, list)) => list.push(entry),
            None => practices.push((activity.profession_code.to_owned(), vec![entry])),
        }
    }
    let exercices: Vec<Value> = practices
        .into_iter()
        .map(|(profession, activities)| {
            json!({
                "codeProfession": profession,
                "codeCategorieProfessionnelle": "C",
                "codeCiviliteDexercice": "",
                "nomDexercice": person.family_name,
                "prenomDexercice": person.given_name,
                "codeTypeSavoirFaire": "",
                "codeSavoirFaire": "",
                "activities": activities,
            })
        })
        .collect();
    let mut info = json!({
        "sub": userinfo_subject(person.sub, fault),
        "given_name": person.given_name,
        "family_name": person.family_name,
        "codeCivilite": person.civility,
        "UITVersion": "1.0",
        "SubjectOrganization": person.activities.first().map(|a| a.site_name).unwrap_or_default(),
        "SubjectRefPro": {"codeCivilite": person.civility, "exercices": exercices},
        "otherIds": [{"identifiant": person.national_id, "origine": "RPPS", "qualite": 1}],
    });
    if let (false, Some(object)) = (fault == Some(Fault::MissingClaims), info.as_object_mut()) {
        object.insert("SubjectNameID".into(), json!(person.national_id));
        object.insert("preferred_username".into(), json!(person.national_id));
    }
    info
}

// ---------------------------------------------------------------------------------------------
// Logout

#[derive(Debug, Default, Deserialize)]
struct LogoutQuery {
    id_token_hint: Option<String>,
    state: Option<String>,
    post_logout_redirect_uri: Option<String>,
}

async fn logout(
    State(state): State<IssuerState>,
    query: Result<Query<LogoutQuery>, QueryRejection>,
) -> Response {
    let issuer = state.issuer;
    let refuse = |message: &str| html(StatusCode::BAD_REQUEST, page::error(issuer, message));
    let Ok(Query(query)) = query else {
        return refuse("Les paramètres de la déconnexion sont illisibles.");
    };
    let Some(hint) = query.id_token_hint.as_deref() else {
        return refuse("id_token_hint est absent.");
    };
    let client_id = {
        let id_tokens = lock(&state.shared.id_tokens);
        id_tokens
            .get(hint)
            .filter(|issued| issued.issuer == issuer && issued.expires > Instant::now())
            .map(|issued| issued.client_id.clone())
    };
    let Some(client) = client_id.and_then(|id| state.shared.client(&id)) else {
        return refuse("id_token_hint n'a pas été émis par ce fournisseur.");
    };
    let Some(destination) = query
        .post_logout_redirect_uri
        .as_deref()
        .filter(|uri| client.post_logout_redirect_uris.iter().any(|r| r == uri))
    else {
        return refuse(
            "L'adresse de retour après déconnexion (post_logout_redirect_uri) n'est pas enregistrée.",
        );
    };
    let Some(client_state) = query
        .state
        .as_deref()
        .filter(|s| s.len() >= MIN_RANDOM_LEN && s.len() <= MAX_PARAM_LEN)
    else {
        return refuse("state est absent ou trop court (32 caractères au moins).");
    };
    lock(&state.shared.id_tokens).remove(hint);
    redirect_with(issuer, destination, &[("state", client_state)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let mut headers = HeaderMap::new();
        let encoded = STANDARD.encode("rpps%2Bplus:s%C3%A9cret");
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {encoded}")).unwrap(),
        );
        assert_eq!(
            basic_credentials(&headers),
            Some(("rpps+plus".to_owned(), "sécret".to_owned()))
        );
    }

    #[test]
    fn psc_userinfo_groups_activities_by_profession() {
        let manager = psc_identity(crate::PSC_MANAGER_A_B).unwrap();
        let info = psc_userinfo(manager, None);
        assert_eq!(info["SubjectNameID"], manager.national_id);
        let exercices = info["SubjectRefPro"]["exercices"].as_array().unwrap();
        assert_eq!(exercices.len(), 1);
        assert_eq!(exercices[0]["activities"].as_array().unwrap().len(), 2);
        let missing = psc_userinfo(manager, Some(Fault::MissingClaims));
        assert!(missing.get("SubjectNameID").is_none());
        assert!(missing.get("preferred_username").is_none());
    }

    #[test]
    fn only_loopback_bases_are_accepted() {
        for base in [
            "https://rpps.sante.gouv.fr",
            "http://10.0.0.1:8080",
            "ftp://127.0.0.1",
        ] {
            let config = DevIdpConfig {
                public_base: base.into(),
                clients: vec![],
            };
            assert!(
                matches!(Shared::new(config), Err(DevIdpError::NotLoopback(_))),
                "{base}"
            );
        }
    }
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod http_tests;
