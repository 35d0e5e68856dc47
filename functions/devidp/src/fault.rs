//! Faults a test asks for with `dev_fault=` at `/authorize`: applied to the tokens and the
//! userinfo issued for that code, so that end-to-end tests prove the client refuses each.

use serde::Serialize;

use crate::DevIssuer;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// The ID token's signature is broken.
    BadSignature,
    /// The ID token (and userinfo) is addressed to another client.
    WrongAudience,
    /// The ID token (and userinfo) claims another issuer.
    WrongIssuer,
    /// The ID token expired five minutes ago.
    Expired,
    /// The ID token carries another nonce than the one sent to `/authorize`.
    WrongNonce,
    /// The ID token's `acr` is a level nobody accepts.
    UnknownAcr,
    /// The userinfo lacks claims the portal needs (FranceConnect: `family_name`, `birthdate`;
    /// Pro Santé Connect: `SubjectNameID` and `preferred_username`).
    MissingClaims,
    /// FranceConnect only: the signed userinfo's signature is broken.
    UserinfoBadSignature,
    /// FranceConnect only: the signed userinfo is addressed to another client (the ID token is
    /// right).
    UserinfoWrongAudience,
    /// The userinfo describes another subject than the ID token.
    UserinfoWrongSubject,
}

impl Fault {
    pub const ALL: [Fault; 10] = [
        Fault::BadSignature,
        Fault::WrongAudience,
        Fault::WrongIssuer,
        Fault::Expired,
        Fault::WrongNonce,
        Fault::UnknownAcr,
        Fault::MissingClaims,
        Fault::UserinfoBadSignature,
        Fault::UserinfoWrongAudience,
        Fault::UserinfoWrongSubject,
    ];

    /// The value of `dev_fault=`.
    pub fn code(self) -> &'static str {
        match self {
            Fault::BadSignature => "bad_signature",
            Fault::WrongAudience => "wrong_audience",
            Fault::WrongIssuer => "wrong_issuer",
            Fault::Expired => "expired",
            Fault::WrongNonce => "wrong_nonce",
            Fault::UnknownAcr => "unknown_acr",
            Fault::MissingClaims => "missing_claims",
            Fault::UserinfoBadSignature => "userinfo_bad_signature",
            Fault::UserinfoWrongAudience => "userinfo_wrong_audience",
            Fault::UserinfoWrongSubject => "userinfo_wrong_subject",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|fault| fault.code() == code)
    }

    /// Whether this fault means something for that issuer (PSC's userinfo is not signed).
    pub fn applies_to(self, issuer: DevIssuer) -> bool {
        let signed_userinfo_only = matches!(
            self,
            Fault::UserinfoBadSignature | Fault::UserinfoWrongAudience
        );
        !(signed_userinfo_only && issuer == DevIssuer::ProSanteConnect)
    }

    /// What the choice page says of it (French).
    pub fn label(self) -> &'static str {
        match self {
            Fault::BadSignature => "Signature du jeton d'identité invalide",
            Fault::WrongAudience => "Jeton destiné à un autre client",
            Fault::WrongIssuer => "Jeton d'un autre émetteur",
            Fault::Expired => "Jeton expiré",
            Fault::WrongNonce => "Nonce différent",
            Fault::UnknownAcr => "Niveau d'authentification (acr) inconnu",
            Fault::MissingClaims => "Informations d'identité manquantes",
            Fault::UserinfoBadSignature => "Signature des informations d'identité invalide",
            Fault::UserinfoWrongAudience => "Informations d'identité destinées à un autre client",
            Fault::UserinfoWrongSubject => "Informations d'identité d'une autre personne",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for fault in Fault::ALL {
            assert_eq!(Fault::from_code(fault.code()), Some(fault));
        }
        assert_eq!(Fault::from_code("nope"), None);
        assert!(!Fault::UserinfoBadSignature.applies_to(DevIssuer::ProSanteConnect));
        assert!(Fault::UserinfoBadSignature.applies_to(DevIssuer::FranceConnect));
    }
}
