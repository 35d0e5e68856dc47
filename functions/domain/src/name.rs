//! A family name or the given names of a person (civil status).
//!
//! Kept as written, accents included, so that the civil status from FranceConnect is shown and
//! printed faithfully; [`PersonName::folded`] gives the search key (FAQ-R17 style folding).
//! Rules: NFC normalisation; spaces trimmed and collapsed; typographic apostrophes (’ ‘ ʼ) become
//! `'` and Unicode hyphens (‐ ‑ –) become `-`; letters of any script, spaces, hyphens and
//! apostrophes are allowed, at least one letter is required; digits and other symbols are
//! refused; 100 characters at most. FranceConnect's `given_name` (several given names separated
//! by spaces) fits in one `PersonName`.

use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::text::fold;

const MAX_CHARS: usize = 100;

/// A family name or list of given names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

/// Why a value is not an acceptable name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonNameError {
    #[error("Veuillez saisir le nom ou le prénom.")]
    Empty,
    #[error("Un nom ou un prénom ne peut pas dépasser 100 caractères.")]
    TooLong,
    #[error("Un nom ou un prénom ne peut pas contenir de chiffres.")]
    Digits,
    #[error(
        "Le caractère « {character} » n'est pas accepté dans un nom ou un prénom : seuls les lettres, les espaces, les traits d'union et les apostrophes le sont."
    )]
    InvalidCharacter { character: char },
    #[error("Un nom ou un prénom doit contenir au moins une lettre.")]
    NoLetter,
}

impl PersonNameError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            PersonNameError::Empty => "name.empty",
            PersonNameError::TooLong => "name.too_long",
            PersonNameError::Digits => "name.digits",
            PersonNameError::InvalidCharacter { .. } => "name.invalid_character",
            PersonNameError::NoLetter => "name.no_letter",
        }
    }
}

impl PersonName {
    /// Parses and normalises a name.
    pub fn parse(input: &str) -> Result<Self, PersonNameError> {
        let normalised: String = input
            .nfc()
            .map(|c| match c {
                '\u{2019}' | '\u{2018}' | '\u{02BC}' => '\'',
                '\u{2010}' | '\u{2011}' | '\u{2013}' => '-',
                other => other,
            })
            .collect();
        let name = normalised.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(PersonNameError::Empty);
        }
        if name.chars().any(char::is_numeric) {
            return Err(PersonNameError::Digits);
        }
        if let Some(character) = name.chars().find(|&c| {
            !(c.is_alphabetic() || is_combining_mark(c) || matches!(c, ' ' | '-' | '\''))
        }) {
            return Err(PersonNameError::InvalidCharacter { character });
        }
        if !name.chars().any(char::is_alphabetic) {
            return Err(PersonNameError::NoLetter);
        }
        if name.chars().count() > MAX_CHARS {
            return Err(PersonNameError::TooLong);
        }
        Ok(Self(name))
    }

    /// The name as written (normalised).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Search key: lower case, no accents, punctuation as spaces (see [`crate::text::fold`]).
    pub fn folded(&self) -> String {
        fold(&self.0)
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PersonName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PersonName {
    type Error = PersonNameError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PersonName> for String {
    fn from(value: PersonName) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_hyphens_and_apostrophes_are_kept() {
        let n = PersonName::parse("  Hélène   Marie-Thérèse ").expect("valid");
        assert_eq!(n.as_str(), "Hélène Marie-Thérèse");
        assert_eq!(n.to_string(), "Hélène Marie-Thérèse");
        assert_eq!(
            PersonName::parse("D’Artagnan").map(|n| n.as_str().to_owned()),
            Ok("D'Artagnan".to_owned())
        );
        assert!(PersonName::parse("N'Diaye").is_ok());
        assert!(PersonName::parse("Œuvray").is_ok());
        assert!(PersonName::parse("Ægir").is_ok());
    }

    #[test]
    fn decomposed_input_is_nfc_normalised() {
        let decomposed = "Zoe\u{0301}";
        let n = PersonName::parse(decomposed).expect("valid");
        assert_eq!(n.as_str(), "Zoé");
        assert_eq!(n.as_str().chars().count(), 3);
    }

    #[test]
    fn folded_key_for_search() {
        let n = PersonName::parse("Le Bœuf-D’Élie").expect("valid");
        assert_eq!(n.folded(), "le boeuf d elie");
    }

    #[test]
    fn several_given_names_fit_one_name() {
        let given = PersonName::parse("Marie Claire Aïssatou").expect("FranceConnect given_name");
        assert_eq!(given.as_str(), "Marie Claire Aïssatou");
    }

    #[test]
    fn digits_and_symbols_are_refused() {
        assert_eq!(PersonName::parse("Jean2"), Err(PersonNameError::Digits));
        assert_eq!(
            PersonName::parse("Louis XIV ²"),
            Err(PersonNameError::Digits)
        );
        let err = PersonName::parse("Jean@Dupont").expect_err("symbol");
        assert_eq!(err, PersonNameError::InvalidCharacter { character: '@' });
        assert_eq!(err.code(), "name.invalid_character");
        assert!(err.to_string().contains("« @ »"));
        assert_eq!(
            PersonName::parse("Dupont."),
            Err(PersonNameError::InvalidCharacter { character: '.' })
        );
    }

    #[test]
    fn needs_a_letter_and_fits_100_characters() {
        assert_eq!(PersonName::parse("   "), Err(PersonNameError::Empty));
        assert_eq!(PersonName::parse("- '"), Err(PersonNameError::NoLetter));
        assert!(PersonName::parse(&"é".repeat(100)).is_ok());
        assert_eq!(
            PersonName::parse(&"é".repeat(101)),
            Err(PersonNameError::TooLong)
        );
    }

    #[test]
    fn serde_round_trip() {
        let n = PersonName::parse("Hélène").expect("valid");
        let json = serde_json::to_string(&n).expect("serialize");
        assert_eq!(json, "\"Hélène\"");
        assert_eq!(serde_json::from_str::<PersonName>(&json).ok(), Some(n));
        assert!(serde_json::from_str::<PersonName>("\"R2D2\"").is_err());
    }
}
