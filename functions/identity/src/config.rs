//! Which provider, and how this service is registered with it.

use std::fmt;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// The two OpenID providers the portal accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Provider {
    /// FranceConnect v2: a first pre-registration (civil status from the State's records).
    #[serde(rename = "franceconnect")]
    FranceConnect,
    /// Pro Santé Connect: CPx card or e-CPS of health and care professionals and managers.
    #[serde(rename = "psc")]
    ProSanteConnect,
}

impl Provider {
    /// Stable short name, used in routes, stored login state and audit entries.
    pub fn code(self) -> &'static str {
        match self {
            Self::FranceConnect => "franceconnect",
            Self::ProSanteConnect => "psc",
        }
    }

    /// The name a person reads.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::FranceConnect => "FranceConnect",
            Self::ProSanteConnect => "Pro Santé Connect",
        }
    }

    /// Parses [`Provider::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "franceconnect" => Some(Self::FranceConnect),
            "psc" => Some(Self::ProSanteConnect),
            _ => None,
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The scopes FranceConnect v2 is asked for (the identity pivot plus email and usage name).
pub const FRANCECONNECT_SCOPES: &[&str] = &[
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

/// The scopes Pro Santé Connect is asked for.
pub const PSC_SCOPES: &[&str] = &["openid", "scope_all"];

/// The eIDAS level asked of FranceConnect (and accepted back, with the higher ones).
pub const FRANCECONNECT_ACR: &str = "eidas1";

/// The level asked of, and accepted from, Pro Santé Connect.
pub const PSC_ACR: &str = "eidas1";

/// How this service is registered with one provider. Built once at start-up from configuration
/// (in AWS the secret comes from Secrets Manager or SSM, never from code).
#[derive(Clone, Debug)]
pub struct OidcClientConfig {
    pub provider: Provider,
    /// The issuer, exactly as the provider's discovery document states it (no trailing `/`
    /// unless the provider's has one). Must be `https://`, except on a loopback host.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// This service's callback, registered with the provider (exact match).
    pub redirect_uri: String,
    /// Where the provider sends the person back after logout, registered with the provider.
    pub post_logout_redirect_uri: String,
    /// Scopes requested (`openid` is always sent).
    pub scopes: Vec<String>,
    /// `acr_values` requested at the authorization endpoint (FranceConnect: `["eidas1"]`).
    pub acr_values: Vec<String>,
    /// `acr` values accepted in the ID token; anything else is refused.
    pub accepted_acr: Vec<String>,
    /// Where the discovery document is, after the issuer: `/.well-known/openid-configuration`
    /// (FranceConnect), `/.well-known/wallet-openid-configuration` (Pro Santé Connect).
    pub discovery_path: String,
}

/// The standard discovery path (OpenID Connect Discovery 1.0).
pub const STANDARD_DISCOVERY_PATH: &str = "/.well-known/openid-configuration";
/// Pro Santé Connect's discovery path: the document there gives the e-CPS / card wallet's
/// authorization endpoint.
pub const PSC_DISCOVERY_PATH: &str = "/.well-known/wallet-openid-configuration";

impl OidcClientConfig {
    /// FranceConnect v2 with its defaults: the identity-pivot scopes, `acr_values=eidas1`,
    /// and `eidas1`, `eidas2`, `eidas3` accepted back (a higher level satisfies a lower one).
    pub fn franceconnect(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: SecretString,
        redirect_uri: impl Into<String>,
        post_logout_redirect_uri: impl Into<String>,
    ) -> Self {
        Self {
            provider: Provider::FranceConnect,
            issuer: issuer.into(),
            client_id: client_id.into(),
            client_secret,
            redirect_uri: redirect_uri.into(),
            post_logout_redirect_uri: post_logout_redirect_uri.into(),
            scopes: FRANCECONNECT_SCOPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            acr_values: vec![FRANCECONNECT_ACR.to_owned()],
            accepted_acr: ["eidas1", "eidas2", "eidas3"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            discovery_path: STANDARD_DISCOVERY_PATH.to_owned(),
        }
    }

    /// Pro Santé Connect with its defaults: scope `openid scope_all`, `acr_values=eidas1` (the
    /// only level it accepts today) and `eidas1` accepted back, discovery at
    /// `{issuer}/.well-known/wallet-openid-configuration`. Change `acr_values` /
    /// `accepted_acr` if the agency asks for another level.
    pub fn psc(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: SecretString,
        redirect_uri: impl Into<String>,
        post_logout_redirect_uri: impl Into<String>,
    ) -> Self {
        Self {
            provider: Provider::ProSanteConnect,
            issuer: issuer.into(),
            client_id: client_id.into(),
            client_secret,
            redirect_uri: redirect_uri.into(),
            post_logout_redirect_uri: post_logout_redirect_uri.into(),
            scopes: PSC_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            acr_values: vec![PSC_ACR.to_owned()],
            accepted_acr: vec![PSC_ACR.to_owned()],
            discovery_path: PSC_DISCOVERY_PATH.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_codes_round_trip_and_match_serde() {
        for provider in [Provider::FranceConnect, Provider::ProSanteConnect] {
            assert_eq!(Provider::from_code(provider.code()), Some(provider));
            let json = serde_json::to_string(&provider).unwrap();
            assert_eq!(json, format!("\"{}\"", provider.code()));
        }
        assert_eq!(Provider::from_code("google"), None);
    }

    #[test]
    fn franceconnect_defaults_follow_the_provider_documentation() {
        let config = OidcClientConfig::franceconnect(
            "https://fc.example/api/v2",
            "id",
            SecretString::from("s"),
            "https://rpps.example/api/auth/franceconnect/callback",
            "https://rpps.example/",
        );
        assert_eq!(
            config.scopes.join(" "),
            "openid given_name family_name birthdate gender birthplace birthcountry email preferred_username"
        );
        assert_eq!(config.acr_values, vec!["eidas1"]);
        assert!(config.accepted_acr.contains(&"eidas1".to_owned()));
        assert!(
            !format!("{config:?}").contains("\"s\""),
            "the secret is redacted"
        );
    }

    #[test]
    fn psc_defaults() {
        let config = OidcClientConfig::psc(
            "https://psc.example/auth/realms/esante-wallet",
            "id",
            SecretString::from("s"),
            "https://rpps.example/api/auth/psc/callback",
            "https://rpps.example/",
        );
        assert_eq!(config.scopes.join(" "), "openid scope_all");
        assert_eq!(config.provider.code(), "psc");
        assert_eq!(config.acr_values, vec!["eidas1"]);
        assert_eq!(config.discovery_path, PSC_DISCOVERY_PATH);
    }
}
