//! What a login keeps between its start and its callback, and who signed in.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::Provider;
use crate::error::IdentityError;

/// A callback parameter longer than this is refused (real codes and states are < 200 bytes).
pub const MAX_CALLBACK_PARAM_LEN: usize = 2048;

/// What the server keeps between [`crate::OidcClient::begin`] and
/// [`crate::OidcClient::finish`]: server-side only (never in a cookie the browser can read or
/// change), used once, with a short TTL (ten minutes is plenty).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    pub provider: Provider,
    /// 43 URL-safe characters from a CSPRNG (32 bytes).
    pub state: String,
    /// 43 URL-safe characters from a CSPRNG (32 bytes).
    pub nonce: String,
    /// PKCE S256 verifier, when the provider's discovery document advertises S256.
    pub pkce_verifier: Option<String>,
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("provider", &self.provider)
            .field("state", &"[redacted]")
            .field("nonce", &"[redacted]")
            .field("pkce", &self.pkce_verifier.is_some())
            .finish()
    }
}

/// The query string of the callback (`GET …/callback?code=…&state=…` or `?error=…&state=…`).
/// Deserialize it with axum's `Query`; unknown parameters are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// The issuer of the authorization response (RFC 9207), when the provider sends it.
    pub iss: Option<String>,
}

impl CallbackParams {
    /// Refuses a parameter over [`MAX_CALLBACK_PARAM_LEN`] bytes. [`crate::OidcClient::finish`]
    /// does it first; call it yourself before using `state` as a lookup key.
    pub fn check_sizes(&self) -> Result<(), IdentityError> {
        for (name, value) in [
            ("code", &self.code),
            ("state", &self.state),
            ("error", &self.error),
            ("error_description", &self.error_description),
            ("iss", &self.iss),
        ] {
            if value
                .as_ref()
                .is_some_and(|v| v.len() > MAX_CALLBACK_PARAM_LEN)
            {
                return Err(IdentityError::OversizedParameter(name));
            }
        }
        Ok(())
    }
}

/// A verified sign-in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignedInIdentity {
    FranceConnect(FranceConnectIdentity),
    ProSanteConnect(PscIdentity),
}

impl SignedInIdentity {
    pub fn provider(&self) -> Provider {
        match self {
            Self::FranceConnect(_) => Provider::FranceConnect,
            Self::ProSanteConnect(_) => Provider::ProSanteConnect,
        }
    }

    /// The provider's subject identifier.
    pub fn sub(&self) -> &str {
        match self {
            Self::FranceConnect(identity) => &identity.sub,
            Self::ProSanteConnect(identity) => &identity.sub,
        }
    }

    /// The raw ID token, kept for the provider's logout (`id_token_hint`).
    pub fn id_token(&self) -> &str {
        match self {
            Self::FranceConnect(identity) => &identity.id_token,
            Self::ProSanteConnect(identity) => &identity.id_token,
        }
    }
}

/// The identity pivot FranceConnect certifies (from the verified, signed userinfo), raw as the
/// provider sends it: the domain parses it (names, birth date, INSEE codes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FranceConnectIdentity {
    /// Pairwise subject: stable for this person and this service.
    pub sub: String,
    /// All given names, space-separated, as in the civil register.
    pub given_name: String,
    /// Birth name.
    pub family_name: String,
    /// Usage name (e.g. a spouse's name), when there is one.
    pub preferred_username: Option<String>,
    /// `YYYY-MM-DD`; a presumed day or month is sent as `01`.
    pub birthdate: String,
    /// `male` or `female`.
    pub gender: String,
    /// INSEE commune code; `None` for people born abroad (FranceConnect sends it empty).
    pub birthplace: Option<String>,
    /// INSEE country code `99xxx`; `99100` is France.
    pub birthcountry: String,
    pub email: Option<String>,
    /// For the provider's logout.
    pub id_token: String,
    /// The eIDAS level of this authentication (`eidas1`…).
    pub acr: String,
}

/// A Pro Santé Connect sign-in (CPx card or e-CPS).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PscIdentity {
    pub sub: String,
    /// The national identifier (`SubjectNameID`, else `preferred_username`): `8` + RPPS for RPPS
    /// holders (FAQ-R18: `rpps_domain::RppsNumber::from_psc_identifier`), `0` + ADELI,
    /// `3` + FINESS + `/` + internal id for establishment staff, …
    pub national_id: String,
    pub given_name: String,
    pub family_name: String,
    /// Each activity of each practice (`SubjectRefPro.exercices[].activities[]`).
    pub activities: Vec<PscActivity>,
    /// For the provider's logout.
    pub id_token: String,
    pub acr: String,
}

/// One activity from `SubjectRefPro`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PscActivity {
    /// `codeProfession` of the practice the activity belongs to (e.g. `10` physician, `60`
    /// nurse).
    pub profession_code: Option<String>,
    /// `numeroFinessSite`: FINESS of the site (établissement géographique).
    pub finess_site: Option<String>,
    /// `numeroFinessetablissementJuridique`: FINESS of the legal entity.
    pub finess_legal: Option<String>,
    /// `raisonSocialeSite` (else `enseigneCommercialeSite`).
    pub site_name: Option<String>,
}
