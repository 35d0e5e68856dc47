//! Why a sign-in failed, and what the person should be told.

use serde::Serialize;

/// Every way a sign-in can fail. `code()` is stable (audit entries, logs, metrics); `guidance()`
/// tells which French page to show. `Display` never contains a secret or a token.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The provider sent the person back with `error=…` (`access_denied`, `login_required`,
    /// `temporarily_unavailable`…).
    #[error("the provider refused the sign-in: {error}")]
    ProviderRefused {
        error: String,
        description: Option<String>,
    },
    /// The callback's `state` is missing or is not the one this login started with
    /// (tampered, replayed, or another tab's).
    #[error("the callback's state does not match the login in progress")]
    StateMismatch,
    /// The authorization response names another issuer than this client's provider, or names
    /// none although the provider says it always does (RFC 9207: a mix-up, an answer meant for
    /// another provider's sign-in).
    #[error("the authorization response comes from another issuer")]
    IssuerMismatch,
    /// The callback has neither `code` nor `error`.
    #[error("the callback carries no authorization code")]
    MissingCode,
    /// A callback parameter is longer than [`crate::MAX_CALLBACK_PARAM_LEN`].
    #[error("the callback parameter `{0}` is too long")]
    OversizedParameter(&'static str),
    /// The token endpoint refused the code (`invalid_grant`: reused, expired, PKCE mismatch…).
    #[error("the provider refused the authorization code: {0}")]
    CodeRejected(String),
    /// The ID token or the userinfo response failed a check (signature, `iss`, `aud`, `exp`,
    /// `nonce`, `acr`, subject).
    #[error("token rejected: {0}")]
    TokenRejected(String),
    /// A claim the portal needs is absent or empty.
    #[error("the provider did not send the claim `{0}`")]
    MissingClaim(&'static str),
    /// The provider could not be reached, timed out, or answered 5xx.
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
    /// This service's configuration, or the provider's discovery document, is unusable.
    #[error("OpenID Connect misconfigured: {0}")]
    Misconfigured(String),
}

/// What the person is told: each value is one French page the routes render (FAQ-R10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Guidance {
    /// They cancelled at the provider (or were refused there): they may simply try again.
    Cancelled,
    /// Pro Santé Connect could not read a card: reader, card or CPS middleware (Cryptolib CPS)
    /// missing; suggest the e-CPS app or installing the middleware.
    CardOrMiddlewareProblem,
    /// The provider (or this service's link to it) is down: temporary, retry later.
    ProviderUnavailable,
    /// Anything else, including everything suspicious (tampering, a bad token): start again.
    SignInFailed,
}

impl Guidance {
    /// Stable short name (for query strings and tests).
    pub fn code(self) -> &'static str {
        match self {
            Self::Cancelled => "cancelled",
            Self::CardOrMiddlewareProblem => "card_or_middleware",
            Self::ProviderUnavailable => "provider_unavailable",
            Self::SignInFailed => "sign_in_failed",
        }
    }
}

impl IdentityError {
    /// Stable machine code for audit entries and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ProviderRefused { .. } => "provider_refused",
            Self::StateMismatch => "state_mismatch",
            Self::IssuerMismatch => "issuer_mismatch",
            Self::MissingCode => "missing_code",
            Self::OversizedParameter(_) => "oversized_parameter",
            Self::CodeRejected(_) => "code_rejected",
            Self::TokenRejected(_) => "token_rejected",
            Self::MissingClaim(_) => "missing_claim",
            Self::Unavailable(_) => "provider_unavailable",
            Self::Misconfigured(_) => "misconfigured",
        }
    }

    /// Which page the person sees.
    pub fn guidance(&self) -> Guidance {
        match self {
            Self::ProviderRefused { error, .. } => match error.as_str() {
                "access_denied" => Guidance::Cancelled,
                // Pro Santé Connect could not authenticate the card holder (reader, card or
                // middleware); the development provider's "card reader missing" button sends
                // `login_required`.
                "login_required" | "interaction_required" => Guidance::CardOrMiddlewareProblem,
                "temporarily_unavailable" | "server_error" => Guidance::ProviderUnavailable,
                _ => Guidance::SignInFailed,
            },
            Self::Unavailable(_) | Self::Misconfigured(_) => Guidance::ProviderUnavailable,
            Self::StateMismatch
            | Self::IssuerMismatch
            | Self::MissingCode
            | Self::OversizedParameter(_)
            | Self::CodeRejected(_)
            | Self::TokenRejected(_)
            | Self::MissingClaim(_) => Guidance::SignInFailed,
        }
    }

    /// True when this failure looks like tampering or a forged/replayed response rather than
    /// an ordinary outcome (the routes may audit it at a higher level).
    pub fn is_suspicious(&self) -> bool {
        matches!(
            self,
            Self::StateMismatch
                | Self::IssuerMismatch
                | Self::OversizedParameter(_)
                | Self::CodeRejected(_)
                | Self::TokenRejected(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(error: &str) -> IdentityError {
        IdentityError::ProviderRefused {
            error: error.to_owned(),
            description: None,
        }
    }

    #[test]
    fn faq_r10_each_provider_error_has_a_page() {
        assert_eq!(refused("access_denied").guidance(), Guidance::Cancelled);
        assert_eq!(
            refused("login_required").guidance(),
            Guidance::CardOrMiddlewareProblem
        );
        assert_eq!(
            refused("temporarily_unavailable").guidance(),
            Guidance::ProviderUnavailable
        );
        assert_eq!(refused("invalid_scope").guidance(), Guidance::SignInFailed);
        assert_eq!(
            IdentityError::Unavailable("timeout".into()).guidance(),
            Guidance::ProviderUnavailable
        );
        assert_eq!(
            IdentityError::StateMismatch.guidance(),
            Guidance::SignInFailed
        );
    }

    #[test]
    fn codes_are_distinct() {
        let all = [
            refused("x"),
            IdentityError::StateMismatch,
            IdentityError::IssuerMismatch,
            IdentityError::MissingCode,
            IdentityError::OversizedParameter("code"),
            IdentityError::CodeRejected("invalid_grant".into()),
            IdentityError::TokenRejected("nonce".into()),
            IdentityError::MissingClaim("sub"),
            IdentityError::Unavailable("x".into()),
            IdentityError::Misconfigured("x".into()),
        ];
        let codes: std::collections::HashSet<_> = all.iter().map(IdentityError::code).collect();
        assert_eq!(codes.len(), all.len());
    }
}
