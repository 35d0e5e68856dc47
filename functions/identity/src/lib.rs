//! OpenID Connect for the portal: FranceConnect v2 (first pre-registration) and Pro Santé
//! Connect (professionals with e-CPS, managers with a CPx card). No AWS here: the routes, the
//! sessions and the storage of [`PendingLogin`] belong to the caller.
//!
//! ```text
//! login:    let (url, pending) = client.begin();      store `pending` server-side (TTL, once)
//!           303 → url
//! callback: let pending = take(state)?;                 // single use
//!           client.finish(&pending, &params).await     // → SignedInIdentity | IdentityError
//! logout:   client.end_session_url(&id_token, &random_token())
//! ```
//!
//! Every check is done with `openidconnect` (discovery, JWKS, ID token) and, for FranceConnect's
//! signed userinfo, `jsonwebtoken`; see `docs/IDENTITY.md`.

mod claims;
mod client;
mod config;
mod error;
mod http;
mod identity;

pub use claims::MAX_PSC_ACTIVITIES;
pub use client::{OidcClient, random_token};
pub use config::{
    FRANCECONNECT_ACR, FRANCECONNECT_SCOPES, OidcClientConfig, PSC_ACR, PSC_DISCOVERY_PATH,
    PSC_SCOPES, Provider, STANDARD_DISCOVERY_PATH,
};
pub use error::{Guidance, IdentityError};
pub use http::{CONNECT_TIMEOUT, MAX_RESPONSE_BYTES, TOTAL_TIMEOUT, install_tls_provider};
pub use identity::{
    CallbackParams, FranceConnectIdentity, MAX_CALLBACK_PARAM_LEN, PendingLogin, PscActivity,
    PscIdentity, SignedInIdentity,
};
pub use secrecy::SecretString;
