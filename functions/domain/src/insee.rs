//! INSEE codes of the place of birth (FAQ-R17): a commune of France, or a country (`99xxx`).
//!
//! A commune code matches `(([0-8][0-9AB])|(9[0-8AB]))[0-9]{3}` (the pattern FranceConnect
//! documents), narrowed so that `A`/`B` only follow a leading `2` (Corsica, `2A`/`2B`): no
//! `9A`/`9B` commune exists. `20xxx` is kept: it is the Corsican code of births before 1976.
//! Municipal arrondissements (Paris 75101–75120, Lyon 69381–69389, Marseille 13201–13216) are
//! communes of birth in their own right. Whether a code exists is a matter for the commune
//! referential, not for this format check.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::compact::{all_ascii_digits, without_whitespace};

/// An INSEE commune code (5 characters, `2A`/`2B` upper-case).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InseeCommuneCode(String);

/// An INSEE country or territory code (`99` + 3 digits), for births abroad.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InseeCountryCode(String);

/// Why a value is not an INSEE commune code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InseeCommuneError {
    #[error("Veuillez indiquer la commune de naissance.")]
    Empty,
    #[error(
        "Le code INSEE d'une commune comporte 5 caractères, par exemple 75056 pour Paris ou 2A004 pour Ajaccio."
    )]
    Format,
    #[error("Un code commençant par 99 désigne un pays de naissance, pas une commune.")]
    CountryCode,
}

impl InseeCommuneError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            InseeCommuneError::Empty => "insee_commune.empty",
            InseeCommuneError::Format => "insee_commune.format",
            InseeCommuneError::CountryCode => "insee_commune.country_code",
        }
    }
}

/// Why a value is not an INSEE country code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InseeCountryError {
    #[error("Veuillez indiquer le pays de naissance.")]
    Empty,
    #[error(
        "Le code INSEE d'un pays comporte 5 chiffres et commence par 99, par exemple 99100 pour la France."
    )]
    Format,
}

impl InseeCountryError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            InseeCountryError::Empty => "insee_country.empty",
            InseeCountryError::Format => "insee_country.format",
        }
    }
}

impl InseeCommuneCode {
    /// Parses a commune code; spaces are ignored, `2a`/`2b` are upper-cased.
    pub fn parse(input: &str) -> Result<Self, InseeCommuneError> {
        let code = without_whitespace(input).to_uppercase();
        if code.is_empty() {
            return Err(InseeCommuneError::Empty);
        }
        let b = code.as_bytes();
        if b.len() != 5 || !b[2..].iter().all(u8::is_ascii_digit) {
            return Err(InseeCommuneError::Format);
        }
        match (b[0], b[1]) {
            (b'9', b'9') => Err(InseeCommuneError::CountryCode),
            (b'2', b'A' | b'B') => Ok(Self(code)),
            (b'0'..=b'9', b'0'..=b'9') => Ok(Self(code)),
            _ => Err(InseeCommuneError::Format),
        }
    }

    /// The 5 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The département (or overseas collectivity) part: 2 characters (`75`, `2A`), or 3 for
    /// codes starting with `97` or `98` (`974`, `976`, `988`).
    pub fn departement_code(&self) -> &str {
        if self.0.starts_with("97") || self.0.starts_with("98") {
            &self.0[..3]
        } else {
            &self.0[..2]
        }
    }

    /// Whether the code is a municipal arrondissement of Paris, Lyon or Marseille.
    pub fn is_municipal_arrondissement(&self) -> bool {
        match self.0.parse::<u32>() {
            Ok(code) => matches!(code, 75101..=75120 | 69381..=69389 | 13201..=13216),
            Err(_) => false,
        }
    }
}

impl InseeCountryCode {
    /// Parses a country code (`99` + 3 digits); surrounding spaces are ignored.
    pub fn parse(input: &str) -> Result<Self, InseeCountryError> {
        let code = without_whitespace(input);
        if code.is_empty() {
            return Err(InseeCountryError::Empty);
        }
        if code.len() != 5 || !all_ascii_digits(&code) || !code.starts_with("99") {
            return Err(InseeCountryError::Format);
        }
        Ok(Self(code))
    }

    /// France, 99100 (what FranceConnect sends as `birthcountry` for births in France).
    pub fn france() -> Self {
        Self("99100".to_owned())
    }

    /// Whether this is France (99100).
    pub fn is_france(&self) -> bool {
        self.0 == "99100"
    }

    /// The 5 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InseeCommuneCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for InseeCountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for InseeCommuneCode {
    type Error = InseeCommuneError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<InseeCommuneCode> for String {
    fn from(value: InseeCommuneCode) -> Self {
        value.0
    }
}

impl TryFrom<String> for InseeCountryCode {
    type Error = InseeCountryError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<InseeCountryCode> for String {
    fn from(value: InseeCountryCode) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faq_r17_paris_arrondissements_have_their_own_codes() {
        for n in 1..=20 {
            let code = InseeCommuneCode::parse(&format!("751{n:02}")).expect("arrondissement");
            assert_eq!(code.departement_code(), "75");
            assert!(code.is_municipal_arrondissement());
        }
        let paris = InseeCommuneCode::parse("75056").expect("Paris");
        assert!(!paris.is_municipal_arrondissement());
        assert!(
            InseeCommuneCode::parse("69381")
                .expect("Lyon 1er")
                .is_municipal_arrondissement()
        );
        assert!(
            InseeCommuneCode::parse("13216")
                .expect("Marseille 16e")
                .is_municipal_arrondissement()
        );
        assert!(
            !InseeCommuneCode::parse("75121")
                .expect("format only")
                .is_municipal_arrondissement()
        );
    }

    #[test]
    fn corsica_2a_2b_lower_case_accepted() {
        let ajaccio = InseeCommuneCode::parse("2a004").expect("Ajaccio");
        assert_eq!(ajaccio.as_str(), "2A004");
        assert_eq!(ajaccio.departement_code(), "2A");
        let bastia = InseeCommuneCode::parse("2B033").expect("Bastia");
        assert_eq!(bastia.departement_code(), "2B");
        // Before 1976 Corsica was département 20.
        assert!(InseeCommuneCode::parse("20004").is_ok());
    }

    #[test]
    fn a_and_b_only_after_a_leading_2() {
        assert_eq!(
            InseeCommuneCode::parse("9A001"),
            Err(InseeCommuneError::Format)
        );
        assert_eq!(
            InseeCommuneCode::parse("1A001"),
            Err(InseeCommuneError::Format)
        );
        assert_eq!(
            InseeCommuneCode::parse("2C004"),
            Err(InseeCommuneError::Format)
        );
    }

    #[test]
    fn overseas_departement_has_3_characters() {
        let saint_denis = InseeCommuneCode::parse("97411").expect("Saint-Denis (La Réunion)");
        assert_eq!(saint_denis.departement_code(), "974");
        assert_eq!(
            InseeCommuneCode::parse("97611")
                .expect("Mamoudzou")
                .departement_code(),
            "976"
        );
        assert_eq!(
            InseeCommuneCode::parse("98818")
                .expect("Nouméa")
                .departement_code(),
            "988"
        );
        assert_eq!(
            InseeCommuneCode::parse("01451")
                .expect("Viriat")
                .departement_code(),
            "01"
        );
    }

    #[test]
    fn commune_code_errors() {
        assert_eq!(InseeCommuneCode::parse(""), Err(InseeCommuneError::Empty));
        assert_eq!(
            InseeCommuneCode::parse("7505"),
            Err(InseeCommuneError::Format)
        );
        assert_eq!(
            InseeCommuneCode::parse("750566"),
            Err(InseeCommuneError::Format)
        );
        assert_eq!(
            InseeCommuneCode::parse("7505A"),
            Err(InseeCommuneError::Format)
        );
        assert_eq!(
            InseeCommuneCode::parse("Paris"),
            Err(InseeCommuneError::Format)
        );
        let err = InseeCommuneCode::parse("99100").expect_err("a country");
        assert_eq!(err, InseeCommuneError::CountryCode);
        assert_eq!(err.code(), "insee_commune.country_code");
    }

    #[test]
    fn country_codes_are_99_and_3_digits() {
        let france = InseeCountryCode::france();
        assert!(france.is_france());
        assert_eq!(france.as_str(), "99100");
        assert_eq!(InseeCountryCode::parse(" 99100 ").ok(), Some(france));
        let algeria = InseeCountryCode::parse("99352").expect("Algérie");
        assert!(!algeria.is_france());
        assert_eq!(algeria.to_string(), "99352");
        assert_eq!(InseeCountryCode::parse(""), Err(InseeCountryError::Empty));
        assert_eq!(
            InseeCountryCode::parse("75056"),
            Err(InseeCountryError::Format)
        );
        assert_eq!(
            InseeCountryCode::parse("9910"),
            Err(InseeCountryError::Format)
        );
        assert_eq!(
            InseeCountryCode::parse("99A00"),
            Err(InseeCountryError::Format)
        );
    }

    #[test]
    fn serde_round_trip() {
        let code = InseeCommuneCode::parse("2A004").expect("valid");
        let json = serde_json::to_string(&code).expect("serialize");
        assert_eq!(json, "\"2A004\"");
        assert_eq!(
            serde_json::from_str::<InseeCommuneCode>(&json).ok(),
            Some(code)
        );
        assert!(serde_json::from_str::<InseeCountryCode>("\"75056\"").is_err());
        assert_eq!(
            serde_json::from_str::<InseeCountryCode>("\"99100\"").ok(),
            Some(InseeCountryCode::france())
        );
    }
}
