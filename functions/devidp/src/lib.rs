//! The development OpenID provider: a FranceConnect-shaped issuer and a Pro Santé
//! Connect-shaped issuer, on the same origin as the app, with test identities to pick from.
//!
//! **Never in production.** This crate is a dependency of the local runner (`functions/local`)
//! and of tests only; no deployed function depends on it, so no Lambda binary contains it.
//! As a second lock, [`try_router`] refuses a `public_base` that is not a loopback address
//! (`127.0.0.0/8`, `[::1]`, `localhost`).
//!
//! Each issuer (`{public_base}/dev-idp/franceconnect`, `{public_base}/dev-idp/psc`) serves:
//! its discovery document (`/.well-known/openid-configuration`; for PSC, like the real one,
//! `/.well-known/wallet-openid-configuration`), `/jwks`, `/authorize` (a French page with one button
//! per identity, "Annuler", and for PSC "Simuler : lecteur de carte ou Cryptolib CPS absent";
//! `login_hint=<identity id>` skips the page), `/token`, `/userinfo`, `/logout`.
//! See `docs/IDENTITY.md` for the faults (`dev_fault=`) and the identities.

mod fault;
mod identities;
mod keys;
mod page;
mod server;

use std::sync::Arc;

pub use fault::Fault;
pub use identities::{
    FC_AIDE_NEE_A_L_ETRANGER, FC_AIDE_SANS_RPPS, FC_PRO_DEJA_RPPS, FINESS_A, FINESS_A_LEGAL,
    FINESS_B, FINESS_B_LEGAL, FranceConnectTestIdentity, PSC_CARTE_NON_GESTIONNAIRE, PSC_MANAGER_A,
    PSC_MANAGER_A_B, PSC_PRO_ECPS, PscTestActivity, PscTestIdentity, RPPS_PRO,
    franceconnect_identities, franceconnect_identity, psc_identities, psc_identity,
};
pub use server::{franceconnect_userinfo_claims, psc_userinfo_claims};

/// The `error` the PSC issuer's "card reader or Cryptolib CPS missing" button sends back
/// (`rpps_identity` maps it to `Guidance::CardOrMiddlewareProblem`).
pub const CARD_PROBLEM_ERROR: &str = "login_required";
/// How long an authorization code can be exchanged.
pub const CODE_TTL_SECS: u64 = 60;

/// A relying party registered with both development issuers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevClient {
    pub client_id: String,
    /// A development secret (not a real credential).
    pub client_secret: String,
    /// Exact-match callbacks (e.g. `{base}/api/auth/franceconnect/callback`).
    pub redirect_uris: Vec<String>,
    /// Exact-match destinations after logout.
    pub post_logout_redirect_uris: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevIdpConfig {
    /// The app's origin, e.g. `http://127.0.0.1:8080` (the issuers live under it).
    pub public_base: String,
    pub clients: Vec<DevClient>,
}

/// One of the two development issuers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DevIssuer {
    FranceConnect,
    ProSanteConnect,
}

impl DevIssuer {
    /// The path segment under `/dev-idp/`.
    pub fn path_segment(self) -> &'static str {
        match self {
            Self::FranceConnect => "franceconnect",
            Self::ProSanteConnect => "psc",
        }
    }

    /// Where the discovery document is, after the issuer: the standard path for FranceConnect,
    /// `/.well-known/wallet-openid-configuration` for Pro Santé Connect (as the real one).
    pub fn discovery_path(self) -> &'static str {
        match self {
            Self::FranceConnect => "/.well-known/openid-configuration",
            Self::ProSanteConnect => "/.well-known/wallet-openid-configuration",
        }
    }

    /// The issuer identifier for a given public base: what `OidcClientConfig.issuer` must be.
    pub fn issuer_url(self, public_base: &str) -> String {
        format!(
            "{}/dev-idp/{}",
            public_base.trim_end_matches('/'),
            self.path_segment()
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DevIdpError {
    #[error(
        "the development OpenID provider only runs on a loopback address, not on `{0}` (it must never be reachable in production)"
    )]
    NotLoopback(String),
    #[error("invalid development provider configuration: {0}")]
    Config(String),
    #[error("could not generate the development signing keys: {0}")]
    Keys(String),
}

/// The router of both issuers, with fresh keys. Fails on a non-loopback `public_base`, an
/// invalid client, or a key-generation failure.
pub fn try_router(config: DevIdpConfig) -> Result<axum::Router, DevIdpError> {
    let shared = Arc::new(server::Shared::new(config)?);
    Ok(server::router(shared))
}

/// [`try_router`] for start-up code.
///
/// # Panics
/// On a configuration [`try_router`] refuses: a start-up error, with its reason.
pub fn router(config: DevIdpConfig) -> axum::Router {
    match try_router(config) {
        Ok(router) => router,
        Err(err) => panic!("{err}"),
    }
}
