//! The FINESS number of an establishment (FAQ-R15): 9 characters, the département first.
//!
//! Accepted départements: `01`–`95` except `20` (Corsica is `2A`/`2B`), `2A`, `2B`, and overseas
//! numbers starting `97` or `98`. The published extraction numbers overseas establishments
//! `970` + the territory (`9701…` Guadeloupe, e.g. 970100012; `9704…` La Réunion, e.g.
//! 970400024) and Mayotte `9805…` (e.g. 980501506), while its `departement` column says `9A`–`9F`
//! (9A Guadeloupe 971, 9B Martinique 972, 9C Guyane 973, 9D La Réunion 974, 9E Saint-Pierre-et-
//! Miquelon 975, 9F Mayotte 976); numbers written `971…`–`978…` and `9A…`–`9F…` are accepted too.
//! The other characters are digits.
//!
//! The last digit is a Luhn key over the 9 digits for all-digit numbers (every known sample
//! satisfies it, e.g. 010000024, 010780054). For numbers with a letter (`2A`, `2B`, `9A`–`9F`)
//! no source describes the key, so only the format is checked.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::compact::without_whitespace;
use crate::luhn;

/// A FINESS number (establishment or legal entity), upper-case, 9 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Finess(String);

/// Why a value is not a FINESS number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FinessError {
    #[error("Veuillez saisir le numéro FINESS.")]
    Empty,
    #[error("Le numéro FINESS doit comporter 9 caractères.")]
    Length,
    #[error(
        "Le numéro FINESS ne doit contenir que des chiffres (sauf 2A ou 2B pour la Corse au début)."
    )]
    Characters,
    #[error(
        "Le numéro FINESS doit commencer par un numéro de département valide (01 à 95, 2A, 2B, ou 971 à 978 pour l'outre-mer)."
    )]
    Departement,
    #[error(
        "Ce numéro FINESS n'est pas valide : vérifiez-le, un chiffre a peut-être été mal recopié."
    )]
    Key,
}

impl FinessError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            FinessError::Empty => "finess.empty",
            FinessError::Length => "finess.length",
            FinessError::Characters => "finess.characters",
            FinessError::Departement => "finess.departement",
            FinessError::Key => "finess.key",
        }
    }
}

impl Finess {
    /// Parses a FINESS number; spaces are ignored and letters upper-cased.
    pub fn parse(input: &str) -> Result<Self, FinessError> {
        let compact = without_whitespace(input).to_uppercase();
        if compact.is_empty() {
            return Err(FinessError::Empty);
        }
        let chars: Vec<char> = compact.chars().collect();
        if chars.len() != 9 {
            return Err(FinessError::Length);
        }
        if !chars[..2].iter().all(char::is_ascii_alphanumeric)
            || !chars[2..].iter().all(char::is_ascii_digit)
        {
            return Err(FinessError::Characters);
        }
        let all_digits = chars.iter().all(char::is_ascii_digit);
        if !departement_is_valid(chars[0], chars[1], chars[2]) {
            return Err(
                if all_digits || chars[..2].iter().any(char::is_ascii_digit) {
                    FinessError::Departement
                } else {
                    FinessError::Characters
                },
            );
        }
        if all_digits && !luhn::is_valid(&compact) {
            return Err(FinessError::Key);
        }
        Ok(Self(compact))
    }

    /// The 9 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first two characters as written (`01`, `2A`, `97`, `9A`…).
    pub fn departement_code(&self) -> &str {
        &self.0[..2]
    }

    /// The INSEE code of the département: `01`…`95`, `2A`, `2B`, or `971`…`978` for overseas,
    /// whether the number writes it `971…` or `9A…`.
    pub fn insee_departement_code(&self) -> &str {
        let head = &self.0[..2];
        match (head, &self.0[2..3], &self.0[3..4]) {
            // `970k…`: the territory in the fourth digit (9701… → 971).
            ("97", "0", territory) => match territory {
                "1" => "971",
                "2" => "972",
                "3" => "973",
                "4" => "974",
                "5" => "975",
                "6" => "976",
                _ => head,
            },
            ("97", _, _) => &self.0[..3],
            ("98", "0", "5") => "976",
            _ => finess_file_departement_to_insee(head).unwrap_or(head),
        }
    }

    /// Whether the Luhn key was checked (all-digit numbers) or only the format (letters).
    pub fn has_checked_key(&self) -> bool {
        self.0.bytes().all(|b| b.is_ascii_digit())
    }
}

/// The INSEE code of an overseas département written the FINESS way (`9A` → `971`, …,
/// `9F` → `976`); `None` for any other code. Useful for the `departement` column of the
/// FINESS file.
pub fn finess_file_departement_to_insee(code: &str) -> Option<&'static str> {
    match code {
        "9A" => Some("971"),
        "9B" => Some("972"),
        "9C" => Some("973"),
        "9D" => Some("974"),
        "9E" => Some("975"),
        "9F" => Some("976"),
        _ => None,
    }
}

fn departement_is_valid(first: char, second: char, third: char) -> bool {
    match (first, second) {
        ('2', 'A' | 'B') => true,
        ('9', 'A'..='F') => true,
        ('9', '7') => third.is_ascii_digit() && third != '9',
        ('9', '8') => third == '0',
        (a, b) if a.is_ascii_digit() && b.is_ascii_digit() => {
            let n = (a as u8 - b'0') * 10 + (b as u8 - b'0');
            (1..=95).contains(&n) && n != 20
        }
        _ => false,
    }
}

impl fmt::Display for Finess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Finess {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Finess {
    type Error = FinessError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Finess> for String {
    fn from(value: Finess) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faq_r15_finess_samples_from_the_file_are_valid() {
        let et = Finess::parse("010000024").expect("establishment");
        assert_eq!(et.as_str(), "010000024");
        assert_eq!(et.departement_code(), "01");
        assert_eq!(et.insee_departement_code(), "01");
        assert_eq!(et.to_string(), "010000024");
        assert!(et.has_checked_key());
        assert!(Finess::parse("010780054").is_ok());
    }

    #[test]
    fn spaces_are_ignored() {
        assert_eq!(
            Finess::parse(" 01 000 002 4 ").map(|f| f.to_string()),
            Ok("010000024".to_owned())
        );
    }

    #[test]
    fn wrong_key_is_rejected() {
        let err = Finess::parse("010000025").expect_err("key");
        assert_eq!(err, FinessError::Key);
        assert_eq!(err.code(), "finess.key");
        assert_eq!(Finess::parse("010000042"), Err(FinessError::Key));
    }

    #[test]
    fn errors_distinguish_length_characters_and_departement() {
        assert_eq!(Finess::parse(""), Err(FinessError::Empty));
        assert_eq!(Finess::parse("01000002"), Err(FinessError::Length));
        assert_eq!(Finess::parse("0100000245"), Err(FinessError::Length));
        assert_eq!(Finess::parse("01000A024"), Err(FinessError::Characters));
        assert_eq!(Finess::parse("01-000024"), Err(FinessError::Characters));
        assert_eq!(Finess::parse("AB0000024"), Err(FinessError::Characters));
        assert_eq!(Finess::parse("000000000"), Err(FinessError::Departement));
        assert_eq!(Finess::parse("200000000"), Err(FinessError::Departement));
        assert_eq!(Finess::parse("960000000"), Err(FinessError::Departement));
        assert_eq!(Finess::parse("979000000"), Err(FinessError::Departement));
        assert_eq!(Finess::parse("981000000"), Err(FinessError::Departement));
        assert_eq!(Finess::parse("990000000"), Err(FinessError::Departement));
        assert_eq!(Finess::parse("2C0000000"), Err(FinessError::Departement));
        assert_eq!(Finess::parse("9G0000000"), Err(FinessError::Departement));
    }

    #[test]
    fn corsica_numbers_are_checked_on_format_only() {
        let f = Finess::parse("2a0000123").expect("Corse-du-Sud, lower case typed");
        assert_eq!(f.as_str(), "2A0000123");
        assert_eq!(f.departement_code(), "2A");
        assert_eq!(f.insee_departement_code(), "2A");
        assert!(!f.has_checked_key());
        assert!(Finess::parse("2B0000124").is_ok());
    }

    #[test]
    fn overseas_numbers_as_the_finess_extraction_writes_them() {
        // Samples of the published extraction: Guadeloupe, La Réunion, Mayotte.
        for (number, departement) in [
            ("970100012", "971"),
            ("970400024", "974"),
            ("980501506", "976"),
        ] {
            let f = Finess::parse(number).expect(number);
            assert!(f.has_checked_key());
            assert_eq!(f.insee_departement_code(), departement, "{number}");
        }
    }

    #[test]
    fn overseas_numbers_in_digits_and_in_finess_letters() {
        let digits = Finess::parse(&format!(
            "97400001{}",
            luhn::check_digit("97400001").unwrap_or(0)
        ))
        .expect("La Réunion in digits");
        assert_eq!(digits.departement_code(), "97");
        assert_eq!(digits.insee_departement_code(), "974");
        let letters = Finess::parse("9D0000017").expect("La Réunion, FINESS letters");
        assert_eq!(letters.departement_code(), "9D");
        assert_eq!(letters.insee_departement_code(), "974");
        assert_eq!(
            Finess::parse("9F0000017").map(|f| f.insee_departement_code().to_owned()),
            Ok("976".to_owned())
        );
        assert_eq!(finess_file_departement_to_insee("9A"), Some("971"));
        assert_eq!(finess_file_departement_to_insee("01"), None);
    }

    #[test]
    fn serde_round_trip_and_strict_deserialisation() {
        let f = Finess::parse("010780054").expect("valid");
        let json = serde_json::to_string(&f).expect("serialize");
        assert_eq!(json, "\"010780054\"");
        assert_eq!(serde_json::from_str::<Finess>(&json).ok(), Some(f));
        assert!(serde_json::from_str::<Finess>("\"010780055\"").is_err());
    }
}
