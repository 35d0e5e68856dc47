//! The OpenID Connect relying party: discovery, authorization URL, callback, checks.

use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod,
    CoreGenderClaim, CoreGrantType, CoreIdToken, CoreIdTokenClaims, CoreJsonWebKey,
    CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreJwsSigningAlgorithm, CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::http::{HeaderValue, Method, header};
use openidconnect::{
    AccessToken, AccessTokenHash, AdditionalProviderMetadata, AsyncHttpClient, AuthType, AuthUrl,
    AuthenticationContextClass, AuthenticationFlow, AuthorizationCode, ClaimsVerificationError,
    ClientId, ClientSecret, CsrfToken, DiscoveryError, EndSessionUrl, EndpointNotSet, EndpointSet,
    IssuerUrl, JsonWebKeySetUrl, LogoutProviderMetadata, LogoutRequest, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadata, RedirectUrl,
    RequestTokenError, Scope, SignatureVerificationError, SubjectIdentifier, TokenResponse,
    TokenUrl, UserInfoClaims, UserInfoError, UserInfoUrl,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::claims::{FranceConnectUserInfo, PscClaims, psc_activities, psc_name, psc_national_id};
use crate::config::{OidcClientConfig, Provider};
use crate::error::IdentityError;
use crate::http::{HttpClient, HttpError};
use crate::identity::{CallbackParams, PendingLogin, PscIdentity, SignedInIdentity};

/// An `id_token_hint` longer than this is refused.
const MAX_ID_TOKEN_LEN: usize = 16 * 1024;
/// The provider's keys are fetched again (on an unknown key id) at most this often.
const MIN_KEY_REFRESH: Duration = Duration::from_secs(60);
/// Clock skew tolerated on the userinfo JWT's `exp` / `nbf`.
const USERINFO_LEEWAY_SECS: u64 = 60;
/// Random bytes in a state or nonce (43 base64url characters).
const RANDOM_BYTES: usize = 32;

/// What the discovery document says beyond OpenID Connect Discovery core.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
struct ExtraMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code_challenge_methods_supported: Option<Vec<String>>,
    /// RFC 9207: the provider names itself (`iss`) in every authorization response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    authorization_response_iss_parameter_supported: Option<bool>,
}
impl AdditionalProviderMetadata for ExtraMetadata {}

type Metadata = ProviderMetadata<
    LogoutProviderMetadata<ExtraMetadata>,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// authorization + token + userinfo endpoints set.
type Inner = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    EndpointSet,
>;

/// The provider's keys and the `openidconnect` client built on them; replaced whole when the
/// provider rotates its keys.
struct Keys {
    client: Arc<Inner>,
    jwks: Arc<CoreJsonWebKeySet>,
    fetched: Instant,
}

/// The endpoints found by discovery.
#[derive(Clone)]
struct Endpoints {
    auth: AuthUrl,
    token: TokenUrl,
    userinfo: UserInfoUrl,
    jwks: JsonWebKeySetUrl,
    end_session: Option<EndSessionUrl>,
}

/// One provider's OpenID Connect client. Build it once ([`OidcClient::discover`]) and share it
/// (`Arc`); it is `Send + Sync` and its futures are `Send`.
pub struct OidcClient {
    config: OidcClientConfig,
    http: HttpClient,
    issuer: IssuerUrl,
    endpoints: Endpoints,
    auth_type: AuthType,
    pkce: bool,
    /// The provider always sends `iss` in its authorization responses (RFC 9207).
    iss_required: bool,
    id_token_algs: Vec<CoreJwsSigningAlgorithm>,
    userinfo_algs: Vec<CoreJwsSigningAlgorithm>,
    keys: RwLock<Keys>,
}

impl std::fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcClient")
            .field("provider", &self.config.provider)
            .field("issuer", &self.issuer.as_str())
            .field("client_id", &self.config.client_id)
            .field("pkce", &self.pkce)
            .finish_non_exhaustive()
    }
}

/// 43 URL-safe characters (32 random bytes from `rand`'s `thread_rng`, a CSPRNG seeded by the
/// operating system, through `openidconnect`), for a state, a nonce, or a logout `state`.
pub fn random_token() -> String {
    CsrfToken::new_random_len(RANDOM_BYTES as u32)
        .secret()
        .clone()
}

/// `https://`, or `http://` on a loopback host (the development provider).
fn check_url(what: &str, value: &str) -> Result<openidconnect::url::Url, IdentityError> {
    let url = openidconnect::url::Url::parse(value)
        .map_err(|err| IdentityError::Misconfigured(format!("{what} `{value}`: {err}")))?;
    let loopback = match url.host() {
        Some(openidconnect::url::Host::Domain(domain)) => domain == "localhost",
        Some(openidconnect::url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(openidconnect::url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(IdentityError::Misconfigured(format!(
            "{what} `{value}` must be https (http only on a loopback host)"
        ))),
    }
}

fn check_config(config: &OidcClientConfig) -> Result<(), IdentityError> {
    check_url("issuer", &config.issuer)?;
    check_url("redirect_uri", &config.redirect_uri)?;
    check_url("post_logout_redirect_uri", &config.post_logout_redirect_uri)?;
    if config.client_id.trim().is_empty() {
        return Err(IdentityError::Misconfigured("empty client_id".into()));
    }
    if config.client_secret.expose_secret().is_empty() {
        return Err(IdentityError::Misconfigured("empty client secret".into()));
    }
    if !config.discovery_path.starts_with("/.well-known/") {
        return Err(IdentityError::Misconfigured(format!(
            "discovery_path `{}` must start with /.well-known/",
            config.discovery_path
        )));
    }
    if config.accepted_acr.is_empty() {
        return Err(IdentityError::Misconfigured(
            "no accepted acr value: every sign-in would be refused".into(),
        ));
    }
    Ok(())
}

fn discovery_error(what: &str, err: DiscoveryError<HttpError>) -> IdentityError {
    match err {
        DiscoveryError::Request(err) => IdentityError::Unavailable(format!("{what}: {err}")),
        DiscoveryError::Response(status, _, message) => {
            IdentityError::Misconfigured(format!("{what}: HTTP {status}: {message}"))
        }
        DiscoveryError::Parse(err) => {
            IdentityError::Misconfigured(format!("{what}: unreadable document: {err}"))
        }
        DiscoveryError::UrlParse(err) => IdentityError::Misconfigured(format!("{what}: {err}")),
        DiscoveryError::Validation(message) => {
            IdentityError::Misconfigured(format!("{what}: {message}"))
        }
        other => IdentityError::Unavailable(format!("{what}: {other}")),
    }
}

/// The discovery document at `{issuer}{path}` (Pro Santé Connect serves it at a non-standard
/// path, so `openidconnect`'s `discover_async` cannot fetch it), checked and completed with the
/// provider's keys by `openidconnect`.
async fn fetch_metadata(
    http: &HttpClient,
    issuer: &IssuerUrl,
    path: &str,
) -> Result<Metadata, IdentityError> {
    let url = format!("{}{path}", issuer.as_str().trim_end_matches('/'));
    let request = openidconnect::http::Request::builder()
        .method(Method::GET)
        .uri(url.as_str())
        .header(header::ACCEPT, HeaderValue::from_static("application/json"))
        .body(Vec::new())
        .map_err(|err| IdentityError::Misconfigured(format!("discovery `{url}`: {err}")))?;
    let response = http
        .call(request)
        .await
        .map_err(|err| IdentityError::Unavailable(format!("discovery: {err}")))?;
    if !response.status().is_success() {
        return Err(IdentityError::Misconfigured(format!(
            "discovery `{url}`: HTTP {}",
            response.status().as_u16()
        )));
    }
    let metadata: Metadata = serde_json::from_slice(response.body()).map_err(|err| {
        IdentityError::Misconfigured(format!("discovery `{url}`: unreadable document: {err}"))
    })?;
    if metadata.issuer() != issuer {
        return Err(IdentityError::Misconfigured(format!(
            "discovery `{url}`: issuer `{}` instead of `{}`",
            metadata.issuer().as_str(),
            issuer.as_str()
        )));
    }
    let jwks = CoreJsonWebKeySet::fetch_async(metadata.jwks_uri(), http)
        .await
        .map_err(|err| discovery_error("keys", err))?;
    Ok(metadata.set_jwks(jwks))
}

fn token_error(
    err: RequestTokenError<
        HttpError,
        openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    >,
) -> IdentityError {
    use openidconnect::core::CoreErrorResponseType as E;
    match err {
        RequestTokenError::ServerResponse(response) => match response.error() {
            E::InvalidClient | E::UnauthorizedClient => IdentityError::Misconfigured(format!(
                "the token endpoint refused this client: {}",
                response.error()
            )),
            other => IdentityError::CodeRejected(other.to_string()),
        },
        RequestTokenError::Request(err) => IdentityError::Unavailable(format!("token: {err}")),
        RequestTokenError::Parse(err, _) => {
            IdentityError::Unavailable(format!("token: unreadable response: {err}"))
        }
        other => IdentityError::Unavailable(format!("token: {other}")),
    }
}

fn claims_error(err: &ClaimsVerificationError) -> IdentityError {
    let detail = match err {
        ClaimsVerificationError::SignatureVerification(inner) => {
            format!("ID token signature: {inner}")
        }
        other => format!("ID token: {other}"),
    };
    IdentityError::TokenRejected(detail)
}

fn is_unknown_key(err: &ClaimsVerificationError) -> bool {
    matches!(
        err,
        ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)
    )
}

/// Compares without stopping at the first difference.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// RS256 and ES256 only (FranceConnect signs with either, Pro Santé Connect with RS256): never
/// a shared-secret algorithm, never `none`.
fn asymmetric_algs(advertised: &[CoreJwsSigningAlgorithm]) -> Vec<CoreJwsSigningAlgorithm> {
    [
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    ]
    .into_iter()
    .filter(|alg| advertised.contains(alg))
    .collect()
}

fn build_inner(
    config: &OidcClientConfig,
    issuer: &IssuerUrl,
    endpoints: &Endpoints,
    auth_type: &AuthType,
    jwks: CoreJsonWebKeySet,
) -> Result<Inner, IdentityError> {
    let redirect = RedirectUrl::new(config.redirect_uri.clone())
        .map_err(|err| IdentityError::Misconfigured(format!("redirect_uri: {err}")))?;
    Ok(CoreClient::new(
        ClientId::new(config.client_id.clone()),
        issuer.clone(),
        jwks,
    )
    .set_client_secret(ClientSecret::new(
        config.client_secret.expose_secret().to_owned(),
    ))
    .set_auth_uri(endpoints.auth.clone())
    .set_token_uri(endpoints.token.clone())
    .set_user_info_url(endpoints.userinfo.clone())
    .set_redirect_uri(redirect)
    .set_auth_type(auth_type.clone()))
}

/// Why an attempt to verify with the current keys failed.
enum Check<T> {
    Done(Result<T, IdentityError>),
    UnknownKey(IdentityError),
}

impl<T> Check<T> {
    fn into_result(self) -> Result<T, IdentityError> {
        match self {
            Self::Done(result) => result,
            Self::UnknownKey(err) => Err(err),
        }
    }
}

impl OidcClient {
    /// Reads the provider's discovery document and keys; checks that the document's issuer is
    /// exactly `config.issuer`. Call once at start-up (or lazily, retrying on
    /// [`IdentityError::Unavailable`]).
    pub async fn discover(config: OidcClientConfig) -> Result<Self, IdentityError> {
        check_config(&config)?;
        let http = HttpClient::new()
            .map_err(|err| IdentityError::Misconfigured(format!("HTTP client: {err}")))?;
        let issuer = IssuerUrl::new(config.issuer.clone())
            .map_err(|err| IdentityError::Misconfigured(format!("issuer: {err}")))?;
        let metadata = fetch_metadata(&http, &issuer, &config.discovery_path).await?;

        let token = metadata.token_endpoint().cloned().ok_or_else(|| {
            IdentityError::Misconfigured("the provider has no token endpoint".into())
        })?;
        let userinfo = metadata.userinfo_endpoint().cloned().ok_or_else(|| {
            IdentityError::Misconfigured("the provider has no userinfo endpoint".into())
        })?;
        let id_token_algs = asymmetric_algs(metadata.id_token_signing_alg_values_supported());
        if id_token_algs.is_empty() {
            return Err(IdentityError::Misconfigured(
                "the provider signs ID tokens with neither RS256 nor ES256".into(),
            ));
        }
        let userinfo_algs = match metadata.userinfo_signing_alg_values_supported() {
            Some(advertised) => asymmetric_algs(advertised),
            None => id_token_algs.clone(),
        };
        if config.provider == Provider::FranceConnect && userinfo_algs.is_empty() {
            return Err(IdentityError::Misconfigured(
                "FranceConnect signs userinfo with neither RS256 nor ES256".into(),
            ));
        }
        let extra = &metadata.additional_metadata().additional_metadata;
        let pkce = extra
            .code_challenge_methods_supported
            .as_ref()
            .is_some_and(|methods| methods.iter().any(|m| m == "S256"));
        let iss_required = extra.authorization_response_iss_parameter_supported == Some(true);
        // FranceConnect documents client_secret_post, Pro Santé Connect client_secret_basic;
        // follow the discovery document when it allows only the other one.
        let supported = metadata.token_endpoint_auth_methods_supported();
        let supports = |method: &CoreClientAuthMethod| {
            supported.is_none_or(|methods| methods.contains(method))
        };
        let auth_type = match config.provider {
            Provider::FranceConnect if supports(&CoreClientAuthMethod::ClientSecretPost) => {
                AuthType::RequestBody
            }
            Provider::ProSanteConnect if supports(&CoreClientAuthMethod::ClientSecretBasic) => {
                AuthType::BasicAuth
            }
            _ if supports(&CoreClientAuthMethod::ClientSecretBasic) => AuthType::BasicAuth,
            _ if supports(&CoreClientAuthMethod::ClientSecretPost) => AuthType::RequestBody,
            _ => {
                return Err(IdentityError::Misconfigured(
                    "the token endpoint accepts neither client_secret_basic nor client_secret_post"
                        .into(),
                ));
            }
        };
        let endpoints = Endpoints {
            auth: metadata.authorization_endpoint().clone(),
            token,
            userinfo,
            jwks: metadata.jwks_uri().clone(),
            end_session: metadata.additional_metadata().end_session_endpoint.clone(),
        };
        let jwks = metadata.jwks().clone();
        let inner = build_inner(&config, &issuer, &endpoints, &auth_type, jwks.clone())?;
        let client = Self {
            config,
            http,
            issuer,
            endpoints,
            auth_type,
            pkce,
            iss_required,
            id_token_algs,
            userinfo_algs,
            keys: RwLock::new(Keys {
                client: Arc::new(inner),
                jwks: Arc::new(jwks),
                fetched: Instant::now(),
            }),
        };
        tracing::info!(
            provider = client.config.provider.code(),
            issuer = client.issuer.as_str(),
            pkce = client.pkce,
            iss_required = client.iss_required,
            "OpenID provider discovered"
        );
        Ok(client)
    }

    fn snapshot(&self) -> (Arc<Inner>, Arc<CoreJsonWebKeySet>) {
        let keys = self
            .keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (keys.client.clone(), keys.jwks.clone())
    }

    /// Fetches the provider's keys again (after a rotation). Returns false when they were
    /// fetched less than a minute ago (nothing done).
    pub async fn refresh_keys(&self) -> Result<bool, IdentityError> {
        {
            let keys = self
                .keys
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if keys.fetched.elapsed() < MIN_KEY_REFRESH {
                return Ok(false);
            }
        }
        let jwks = CoreJsonWebKeySet::fetch_async(&self.endpoints.jwks, &self.http)
            .await
            .map_err(|err| discovery_error("keys", err))?;
        let inner = build_inner(
            &self.config,
            &self.issuer,
            &self.endpoints,
            &self.auth_type,
            jwks.clone(),
        )?;
        let mut keys = self
            .keys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *keys = Keys {
            client: Arc::new(inner),
            jwks: Arc::new(jwks),
            fetched: Instant::now(),
        };
        tracing::info!(
            provider = self.config.provider.code(),
            "provider keys fetched again"
        );
        Ok(true)
    }

    pub fn provider(&self) -> Provider {
        self.config.provider
    }

    /// Whether this provider's discovery advertises PKCE S256 (then every login uses it).
    pub fn uses_pkce(&self) -> bool {
        self.pkce
    }

    /// The authorization URL to redirect the browser to, and what the server must keep
    /// (server-side, single use, short TTL) until the callback.
    pub fn begin(&self) -> (String, PendingLogin) {
        let (client, _) = self.snapshot();
        let state = random_token();
        let nonce = random_token();
        let (state_for_url, nonce_for_url) = (state.clone(), nonce.clone());
        let mut request = client.authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            move || CsrfToken::new(state_for_url),
            move || Nonce::new(nonce_for_url),
        );
        for scope in &self.config.scopes {
            if scope != "openid" {
                request = request.add_scope(Scope::new(scope.clone()));
            }
        }
        for acr in &self.config.acr_values {
            request = request.add_auth_context_value(AuthenticationContextClass::new(acr.clone()));
        }
        let pkce_verifier = if self.pkce {
            let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
            request = request.set_pkce_challenge(challenge);
            Some(verifier.secret().clone())
        } else {
            None
        };
        let (url, _, _) = request.url();
        (
            url.to_string(),
            PendingLogin {
                provider: self.config.provider,
                state,
                nonce,
                pkce_verifier,
            },
        )
    }

    /// Completes the sign-in from the callback: checks the state, exchanges the code, verifies
    /// the ID token (signature, `iss`, `aud`, `exp`, `nonce`, `at_hash`, `acr`), reads and
    /// verifies the userinfo (FranceConnect: signed JWT), and maps the claims.
    pub async fn finish(
        &self,
        pending: &PendingLogin,
        callback: &CallbackParams,
    ) -> Result<SignedInIdentity, IdentityError> {
        callback.check_sizes()?;
        if pending.provider != self.config.provider {
            return Err(IdentityError::StateMismatch);
        }
        match callback.state.as_deref() {
            Some(state) if same_secret(state, &pending.state) => {}
            _ => return Err(IdentityError::StateMismatch),
        }
        // RFC 9207, for error responses too: an answer from another issuer (a mix-up) is
        // refused, and so is one without `iss` from a provider that always sends it.
        match callback.iss.as_deref() {
            Some(iss) if iss == self.issuer.as_str() => {}
            Some(_) => return Err(IdentityError::IssuerMismatch),
            None if self.iss_required => return Err(IdentityError::IssuerMismatch),
            None => {}
        }
        if let Some(error) = callback.error.as_deref() {
            return Err(IdentityError::ProviderRefused {
                error: error.to_owned(),
                description: callback.error_description.clone(),
            });
        }
        let code = callback
            .code
            .as_deref()
            .filter(|code| !code.is_empty())
            .ok_or(IdentityError::MissingCode)?;

        let (client, _) = self.snapshot();
        let mut request = client.exchange_code(AuthorizationCode::new(code.to_owned()));
        if let Some(verifier) = &pending.pkce_verifier {
            request = request.set_pkce_verifier(PkceCodeVerifier::new(verifier.clone()));
        }
        let token = request
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let id_token = token
            .id_token()
            .ok_or_else(|| {
                IdentityError::TokenRejected("no ID token in the token response".into())
            })?
            .clone();
        let access_token = token.access_token().clone();
        let nonce = Nonce::new(pending.nonce.clone());

        let mut claims = self.check_id_token(&id_token, &nonce, &access_token);
        // The provider may have rotated its keys since discovery: fetch them once more.
        if let Check::UnknownKey(_) = claims
            && self.refresh_keys().await?
        {
            claims = self.check_id_token(&id_token, &nonce, &access_token);
        }
        let claims = claims.into_result()?;
        let acr = self.check_acr(&claims)?;
        let sub = claims.subject().as_str().to_owned();
        let raw_id_token = id_token.to_string();

        match self.config.provider {
            Provider::FranceConnect => {
                let info = self.franceconnect_userinfo(&access_token, &sub).await?;
                Ok(SignedInIdentity::FranceConnect(
                    info.into_identity(raw_id_token, acr)?,
                ))
            }
            Provider::ProSanteConnect => {
                let identity = self
                    .psc_userinfo(&access_token, sub, raw_id_token, acr)
                    .await?;
                Ok(SignedInIdentity::ProSanteConnect(identity))
            }
        }
    }

    fn check_id_token(
        &self,
        id_token: &CoreIdToken,
        nonce: &Nonce,
        access_token: &AccessToken,
    ) -> Check<CoreIdTokenClaims> {
        let (client, _) = self.snapshot();
        let verifier = client
            .id_token_verifier()
            .set_allowed_algs(self.id_token_algs.clone());
        let claims = match id_token.claims(&verifier, nonce) {
            Ok(claims) => claims.clone(),
            Err(err) if is_unknown_key(&err) => return Check::UnknownKey(claims_error(&err)),
            Err(err) => return Check::Done(Err(claims_error(&err))),
        };
        if let Some(expected) = claims.access_token_hash() {
            let actual = id_token
                .signing_alg()
                .and_then(|alg| id_token.signing_key(&verifier).map(|key| (alg, key)))
                .map_err(|err| IdentityError::TokenRejected(format!("at_hash: {err}")))
                .and_then(|(alg, key)| {
                    AccessTokenHash::from_token(access_token, alg, key)
                        .map_err(|err| IdentityError::TokenRejected(format!("at_hash: {err}")))
                });
            match actual {
                Ok(actual) if actual == *expected => {}
                Ok(_) => {
                    return Check::Done(Err(IdentityError::TokenRejected(
                        "at_hash does not match the access token".into(),
                    )));
                }
                Err(err) => return Check::Done(Err(err)),
            }
        }
        Check::Done(Ok(claims))
    }

    fn check_acr(&self, claims: &CoreIdTokenClaims) -> Result<String, IdentityError> {
        let acr = claims
            .auth_context_ref()
            .map(|acr| acr.as_str().to_owned())
            .ok_or_else(|| IdentityError::TokenRejected("ID token without acr".into()))?;
        if self.config.accepted_acr.contains(&acr) {
            Ok(acr)
        } else {
            let shown: String = acr.chars().take(32).collect();
            Err(IdentityError::TokenRejected(format!(
                "acr `{shown}` is not accepted"
            )))
        }
    }

    async fn franceconnect_userinfo(
        &self,
        access_token: &AccessToken,
        sub: &str,
    ) -> Result<FranceConnectUserInfo, IdentityError> {
        let request = openidconnect::http::Request::builder()
            .method(Method::GET)
            .uri(self.endpoints.userinfo.as_str())
            .header(header::ACCEPT, HeaderValue::from_static("application/jwt"))
            .header(
                header::AUTHORIZATION,
                HeaderValue::from_str(&format!("Bearer {}", access_token.secret()))
                    .map_err(|_| IdentityError::TokenRejected("unusable access token".into()))?,
            )
            .body(Vec::new())
            .map_err(|err| IdentityError::Misconfigured(format!("userinfo request: {err}")))?;
        let response = self
            .http
            .call(request)
            .await
            .map_err(|err| IdentityError::Unavailable(format!("userinfo: {err}")))?;
        if !response.status().is_success() {
            return Err(IdentityError::TokenRejected(format!(
                "userinfo answered HTTP {}",
                response.status().as_u16()
            )));
        }
        let is_jwt = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/jwt"));
        if !is_jwt {
            return Err(IdentityError::TokenRejected(
                "FranceConnect userinfo is not a signed JWT".into(),
            ));
        }
        let jwt = std::str::from_utf8(response.body())
            .map_err(|_| IdentityError::TokenRejected("userinfo is not UTF-8".into()))?
            .trim()
            .to_owned();

        let mut info = self.verify_userinfo_jwt(&jwt);
        if let Check::UnknownKey(_) = info
            && self.refresh_keys().await?
        {
            info = self.verify_userinfo_jwt(&jwt);
        }
        let info = info.into_result()?;
        if !same_secret(&info.sub, sub) {
            return Err(IdentityError::TokenRejected(
                "userinfo subject differs from the ID token's".into(),
            ));
        }
        Ok(info)
    }

    /// Verifies FranceConnect's userinfo JWT with `jsonwebtoken` (`openidconnect` 4 verifies
    /// signed userinfo only in RS256, FranceConnect may sign in ES256): algorithm among those
    /// advertised (RS256/ES256), signature with the provider's key, `iss`, `aud` = client id,
    /// `exp`/`nbf` when present.
    fn verify_userinfo_jwt(&self, jwt: &str) -> Check<FranceConnectUserInfo> {
        let reject = |what: String| Check::Done(Err(IdentityError::TokenRejected(what)));
        let header = match jsonwebtoken::decode_header(jwt) {
            Ok(header) => header,
            Err(err) => return reject(format!("userinfo JWT: {err}")),
        };
        let alg = match header.alg {
            jsonwebtoken::Algorithm::ES256 => CoreJwsSigningAlgorithm::EcdsaP256Sha256,
            jsonwebtoken::Algorithm::RS256 => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            other => return reject(format!("userinfo JWT algorithm {other:?} is not accepted")),
        };
        if !self.userinfo_algs.contains(&alg) {
            return reject(format!(
                "userinfo JWT algorithm {:?} is not advertised",
                header.alg
            ));
        }
        let (_, jwks) = self.snapshot();
        let candidates: Vec<Jwk> = jwks
            .keys()
            .iter()
            .filter_map(|key| serde_json::to_value(key).ok())
            .filter_map(|value| serde_json::from_value::<Jwk>(value).ok())
            .filter(|jwk| header.kid.is_none() || jwk.common.key_id == header.kid)
            .filter(|jwk| {
                matches!(
                    jwk.common.public_key_use,
                    None | Some(PublicKeyUse::Signature)
                )
            })
            .filter(|jwk| match (&jwk.algorithm, header.alg) {
                (AlgorithmParameters::EllipticCurve(ec), jsonwebtoken::Algorithm::ES256) => {
                    ec.curve == EllipticCurve::P256
                }
                (AlgorithmParameters::RSA(_), jsonwebtoken::Algorithm::RS256) => true,
                _ => false,
            })
            .collect();
        let jwk = match candidates.as_slice() {
            [jwk] => jwk,
            [] => {
                return Check::UnknownKey(IdentityError::TokenRejected(
                    "userinfo JWT: no matching provider key".into(),
                ));
            }
            _ => return reject("userinfo JWT: ambiguous provider key".into()),
        };
        let key = match jsonwebtoken::DecodingKey::from_jwk(jwk) {
            Ok(key) => key,
            Err(err) => return reject(format!("userinfo JWT key: {err}")),
        };
        let mut validation = jsonwebtoken::Validation::new(header.alg);
        validation.set_issuer(&[self.issuer.as_str()]);
        validation.set_audience(&[self.config.client_id.as_str()]);
        validation.set_required_spec_claims(&["iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = USERINFO_LEEWAY_SECS;
        match jsonwebtoken::decode::<FranceConnectUserInfo>(jwt, &key, &validation) {
            Ok(data) => Check::Done(Ok(data.claims)),
            Err(err) => reject(format!("userinfo JWT: {err}")),
        }
    }

    async fn psc_userinfo(
        &self,
        access_token: &AccessToken,
        sub: String,
        id_token: String,
        acr: String,
    ) -> Result<PscIdentity, IdentityError> {
        let (client, _) = self.snapshot();
        let claims: UserInfoClaims<PscClaims, CoreGenderClaim> = client
            .user_info(
                access_token.clone(),
                Some(SubjectIdentifier::new(sub.clone())),
            )
            .request_async(&self.http)
            .await
            .map_err(|err| match err {
                UserInfoError::Request(err) => {
                    IdentityError::Unavailable(format!("userinfo: {err}"))
                }
                UserInfoError::ClaimsVerification(err) => {
                    IdentityError::TokenRejected(format!("userinfo: {err}"))
                }
                UserInfoError::Response(status, _, message) => IdentityError::TokenRejected(
                    format!("userinfo answered HTTP {}: {message}", status.as_u16()),
                ),
                UserInfoError::Parse(err) => {
                    IdentityError::TokenRejected(format!("userinfo unreadable: {err}"))
                }
                other => IdentityError::Unavailable(format!("userinfo: {other}")),
            })?;
        let extra = claims.additional_claims();
        let national_id = psc_national_id(
            extra.subject_name_id.clone(),
            claims
                .preferred_username()
                .map(|name| name.as_str().to_owned()),
        )?;
        let given_name = psc_name(
            claims
                .given_name()
                .and_then(|name| name.get(None))
                .map(|name| name.as_str().to_owned()),
            "given_name",
        )?;
        let family_name = psc_name(
            claims
                .family_name()
                .and_then(|name| name.get(None))
                .map(|name| name.as_str().to_owned()),
            "family_name",
        )?;
        Ok(PscIdentity {
            sub,
            national_id,
            given_name,
            family_name,
            activities: psc_activities(extra.subject_ref_pro.as_ref()),
            id_token,
            acr,
        })
    }

    /// The provider's logout URL (FranceConnect: `id_token_hint`, `state`,
    /// `post_logout_redirect_uri`; the provider sends the browser back to the latter with
    /// `state`). `state` comes from [`random_token`] and is checked on the way back.
    pub fn end_session_url(
        &self,
        id_token_hint: &str,
        state: &str,
    ) -> Result<String, IdentityError> {
        let endpoint = self.endpoints.end_session.clone().ok_or_else(|| {
            IdentityError::Misconfigured("the provider advertises no end_session_endpoint".into())
        })?;
        if id_token_hint.len() > MAX_ID_TOKEN_LEN {
            return Err(IdentityError::OversizedParameter("id_token_hint"));
        }
        if state.is_empty() || state.len() > crate::MAX_CALLBACK_PARAM_LEN {
            return Err(IdentityError::OversizedParameter("state"));
        }
        let hint = CoreIdToken::from_str(id_token_hint)
            .map_err(|err| IdentityError::TokenRejected(format!("id_token_hint: {err}")))?;
        let post_logout = PostLogoutRedirectUrl::new(self.config.post_logout_redirect_uri.clone())
            .map_err(|err| {
                IdentityError::Misconfigured(format!("post_logout_redirect_uri: {err}"))
            })?;
        Ok(LogoutRequest::from(endpoint)
            .set_id_token_hint(&hint)
            .set_post_logout_redirect_uri(post_logout)
            .set_state(CsrfToken::new(state.to_owned()))
            .http_get_url()
            .to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_are_long_and_distinct() {
        let a = random_token();
        let b = random_token();
        assert!(a.len() >= 32, "{a}");
        assert_ne!(a, b);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn same_secret_compares_whole_strings() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }

    #[test]
    fn production_urls_must_be_https() {
        assert!(check_url("issuer", "https://auth.example.gouv.fr/api/v2").is_ok());
        assert!(check_url("issuer", "http://127.0.0.1:8080/dev-idp/psc").is_ok());
        assert!(check_url("issuer", "http://localhost:8080/dev-idp/psc").is_ok());
        assert!(check_url("issuer", "http://auth.example.gouv.fr/api/v2").is_err());
        assert!(check_url("issuer", "not a url").is_err());
    }

    #[test]
    fn only_asymmetric_algorithms_are_kept() {
        let kept = asymmetric_algs(&[
            CoreJwsSigningAlgorithm::HmacSha256,
            CoreJwsSigningAlgorithm::EcdsaP256Sha256,
            CoreJwsSigningAlgorithm::None,
        ]);
        assert_eq!(kept, vec![CoreJwsSigningAlgorithm::EcdsaP256Sha256]);
    }
}
