//! Email address of a professional (contact data, FAQ-R11/R13; the RPPS number is sent there,
//! FAQ-R3).
//!
//! A deliberately plain check, the one that catches typing mistakes without refusing real
//! addresses: one `@`, a local part of 1–64 characters without spaces, a domain with at least
//! one dot and non-empty labels, 254 characters at most. The domain is lower-cased (it is
//! case-insensitive); the local part is kept as typed. Quoted local parts are not accepted.

use std::fmt;

use serde::{Deserialize, Serialize};

const MAX_LENGTH: usize = 254;
const MAX_LOCAL_LENGTH: usize = 64;
/// Characters that only appear in a local part when it is quoted.
const FORBIDDEN_IN_LOCAL: &[char] = &['"', '(', ')', ',', ':', ';', '<', '>', '[', '\\', ']'];

/// A syntactically valid email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

/// Why a value is not an email address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Veuillez saisir une adresse e-mail.")]
    Empty,
    #[error("L'adresse e-mail ne doit pas contenir d'espace.")]
    Whitespace,
    #[error("L'adresse e-mail est trop longue (254 caractères au maximum).")]
    TooLong,
    #[error("L'adresse e-mail doit contenir un @, par exemple prenom.nom@exemple.fr.")]
    MissingAt,
    #[error("L'adresse e-mail ne doit contenir qu'un seul @.")]
    SeveralAt,
    #[error("Il manque la partie avant le @ dans l'adresse e-mail.")]
    EmptyLocalPart,
    #[error("La partie avant le @ de l'adresse e-mail est trop longue (64 caractères au maximum).")]
    LocalPartTooLong,
    #[error("La partie avant le @ de l'adresse e-mail contient un caractère non accepté.")]
    InvalidLocalPart,
    #[error(
        "La partie après le @ de l'adresse e-mail n'est pas valide : elle doit ressembler à exemple.fr."
    )]
    InvalidDomain,
}

impl EmailError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            EmailError::Empty => "email.empty",
            EmailError::Whitespace => "email.whitespace",
            EmailError::TooLong => "email.too_long",
            EmailError::MissingAt => "email.missing_at",
            EmailError::SeveralAt => "email.several_at",
            EmailError::EmptyLocalPart => "email.local_part_empty",
            EmailError::LocalPartTooLong => "email.local_part_too_long",
            EmailError::InvalidLocalPart => "email.local_part_invalid",
            EmailError::InvalidDomain => "email.domain_invalid",
        }
    }
}

impl Email {
    /// Parses an address: surrounding spaces are trimmed, the domain lower-cased.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.chars().any(char::is_whitespace) {
            return Err(EmailError::Whitespace);
        }
        if trimmed.chars().count() > MAX_LENGTH {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = match trimmed.split_once('@') {
            None => return Err(EmailError::MissingAt),
            Some((_, rest)) if rest.contains('@') => return Err(EmailError::SeveralAt),
            Some(parts) => parts,
        };
        check_local_part(local)?;
        let domain = domain.to_lowercase();
        check_domain(&domain)?;
        Ok(Self(format!("{local}@{domain}")))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@` (lower case).
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

fn check_local_part(local: &str) -> Result<(), EmailError> {
    if local.is_empty() {
        return Err(EmailError::EmptyLocalPart);
    }
    if local.chars().count() > MAX_LOCAL_LENGTH {
        return Err(EmailError::LocalPartTooLong);
    }
    let bad_char = local
        .chars()
        .any(|c| c.is_control() || FORBIDDEN_IN_LOCAL.contains(&c));
    if bad_char || local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(EmailError::InvalidLocalPart);
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), EmailError> {
    let labels: Vec<&str> = domain.split('.').collect();
    let valid = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.chars().count() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if valid {
        Ok(())
    } else {
        Err(EmailError::InvalidDomain)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_addresses_are_trimmed_and_their_domain_lower_cased() {
        let e = Email::parse("  Marie.Dupont@Exemple.FR ").expect("valid");
        assert_eq!(e.as_str(), "Marie.Dupont@exemple.fr");
        assert_eq!(e.domain(), "exemple.fr");
        assert!(Email::parse("aide+rpps@mail.sante.gouv.fr").is_ok());
        assert!(Email::parse("o'brien@exemple.ie").is_ok());
        assert!(Email::parse("élodie@société.fr").is_ok());
    }

    #[test]
    fn one_at_sign_and_a_local_part() {
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        assert_eq!(Email::parse("marie.exemple.fr"), Err(EmailError::MissingAt));
        assert_eq!(Email::parse("a@b@exemple.fr"), Err(EmailError::SeveralAt));
        assert_eq!(Email::parse("@exemple.fr"), Err(EmailError::EmptyLocalPart));
        assert_eq!(Email::parse("marie@"), Err(EmailError::InvalidDomain));
    }

    #[test]
    fn no_spaces() {
        let err = Email::parse("marie dupont@exemple.fr").expect_err("space");
        assert_eq!(err, EmailError::Whitespace);
        assert_eq!(err.code(), "email.whitespace");
    }

    #[test]
    fn domain_needs_a_dot_and_non_empty_labels() {
        assert_eq!(
            Email::parse("marie@localhost"),
            Err(EmailError::InvalidDomain)
        );
        assert_eq!(
            Email::parse("marie@exemple..fr"),
            Err(EmailError::InvalidDomain)
        );
        assert_eq!(
            Email::parse("marie@.exemple.fr"),
            Err(EmailError::InvalidDomain)
        );
        assert_eq!(
            Email::parse("marie@exemple.fr."),
            Err(EmailError::InvalidDomain)
        );
        assert_eq!(
            Email::parse("marie@exem_ple.fr"),
            Err(EmailError::InvalidDomain)
        );
        assert_eq!(
            Email::parse("marie@-exemple.fr"),
            Err(EmailError::InvalidDomain)
        );
    }

    #[test]
    fn local_part_rules() {
        assert_eq!(
            Email::parse(".marie@exemple.fr"),
            Err(EmailError::InvalidLocalPart)
        );
        assert_eq!(
            Email::parse("marie..d@exemple.fr"),
            Err(EmailError::InvalidLocalPart)
        );
        assert_eq!(
            Email::parse("<marie>@exemple.fr"),
            Err(EmailError::InvalidLocalPart)
        );
        let long_local = format!("{}@exemple.fr", "a".repeat(65));
        assert_eq!(Email::parse(&long_local), Err(EmailError::LocalPartTooLong));
        assert!(Email::parse(&format!("{}@exemple.fr", "a".repeat(64))).is_ok());
    }

    #[test]
    fn at_most_254_characters() {
        let label = "a".repeat(60);
        let domain = format!("{label}.{label}.{label}.{label}.fr");
        let ok = format!("{}@{domain}", "b".repeat(254 - 1 - domain.len()));
        assert_eq!(ok.len(), 254);
        assert!(Email::parse(&ok).is_ok());
        let too_long = format!("b{ok}");
        assert_eq!(Email::parse(&too_long), Err(EmailError::TooLong));
    }

    #[test]
    fn serde_round_trip() {
        let e = Email::parse("marie@exemple.fr").expect("valid");
        let json = serde_json::to_string(&e).expect("serialize");
        assert_eq!(json, "\"marie@exemple.fr\"");
        assert_eq!(serde_json::from_str::<Email>(&json).ok(), Some(e));
        assert!(serde_json::from_str::<Email>("\"pas une adresse\"").is_err());
    }
}
