//! SIREN (company, 9 digits) and SIRET (establishment, 14 digits = SIREN + NIC + key) numbers.
//!
//! Both carry a Luhn key. Exception: the establishments of La Poste share the SIREN 356000000
//! and are too many for the NIC's key; their SIRET is valid when the sum of its digits is a
//! multiple of 5 — except the head office, 35600000000048, which follows Luhn.
//!
//! The portal searches establishments by FINESS number; a SIREN or SIRET typed there gets an
//! explanation (FAQ-R15), which [`looks_like_siren_or_siret`] detects.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::compact::{all_ascii_digits, without_whitespace};
use crate::luhn;

const LA_POSTE_SIREN: &str = "356000000";
const LA_POSTE_HEAD_OFFICE: &str = "35600000000048";

/// A SIREN number (9 digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siren(String);

/// A SIRET number (14 digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siret(String);

/// Which kind of company number an input looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiretKind {
    Siren,
    Siret,
}

/// Why a value is not a SIREN number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SirenError {
    #[error("Veuillez saisir le numéro SIREN.")]
    Empty,
    #[error("Le numéro SIREN ne doit contenir que des chiffres.")]
    Characters,
    #[error("Le numéro SIREN doit comporter 9 chiffres.")]
    Length,
    #[error(
        "Ce numéro SIREN n'est pas valide : vérifiez-le, un chiffre a peut-être été mal recopié."
    )]
    Key,
}

impl SirenError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            SirenError::Empty => "siren.empty",
            SirenError::Characters => "siren.characters",
            SirenError::Length => "siren.length",
            SirenError::Key => "siren.key",
        }
    }
}

/// Why a value is not a SIRET number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiretError {
    #[error("Veuillez saisir le numéro SIRET.")]
    Empty,
    #[error("Le numéro SIRET ne doit contenir que des chiffres.")]
    Characters,
    #[error("Le numéro SIRET doit comporter 14 chiffres.")]
    Length,
    #[error(
        "Ce numéro SIRET n'est pas valide : vérifiez-le, un chiffre a peut-être été mal recopié."
    )]
    Key,
}

impl SiretError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            SiretError::Empty => "siret.empty",
            SiretError::Characters => "siret.characters",
            SiretError::Length => "siret.length",
            SiretError::Key => "siret.key",
        }
    }
}

impl Siren {
    /// Parses a SIREN number; spaces are ignored.
    pub fn parse(input: &str) -> Result<Self, SirenError> {
        let compact = without_whitespace(input);
        if compact.is_empty() {
            return Err(SirenError::Empty);
        }
        if !all_ascii_digits(&compact) {
            return Err(SirenError::Characters);
        }
        if compact.len() != 9 {
            return Err(SirenError::Length);
        }
        if !luhn::is_valid(&compact) {
            return Err(SirenError::Key);
        }
        Ok(Self(compact))
    }

    /// The 9 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Siret {
    /// Parses a SIRET number; spaces are ignored. Its first 9 digits must be a valid SIREN and
    /// the whole a valid key (Luhn, or the La Poste rule).
    pub fn parse(input: &str) -> Result<Self, SiretError> {
        let compact = without_whitespace(input);
        if compact.is_empty() {
            return Err(SiretError::Empty);
        }
        if !all_ascii_digits(&compact) {
            return Err(SiretError::Characters);
        }
        if compact.len() != 14 {
            return Err(SiretError::Length);
        }
        if !luhn::is_valid(&compact[..9]) || !siret_key_is_valid(&compact) {
            return Err(SiretError::Key);
        }
        Ok(Self(compact))
    }

    /// The 14 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The company's SIREN: the first 9 digits (checked by [`Siret::parse`]).
    pub fn siren(&self) -> Siren {
        Siren(self.0[..9].to_owned())
    }

    /// The establishment's internal number (NIC): the last 5 digits.
    pub fn nic(&self) -> &str {
        &self.0[9..]
    }
}

/// The key of 14 ASCII digits: La Poste rule for its establishments, Luhn otherwise.
fn siret_key_is_valid(digits: &str) -> bool {
    if digits.starts_with(LA_POSTE_SIREN) && digits != LA_POSTE_HEAD_OFFICE {
        let sum: u32 = digits.bytes().map(|b| u32::from(b - b'0')).sum();
        sum.is_multiple_of(5)
    } else {
        luhn::is_valid(digits)
    }
}

/// `Some` when the input (spaces removed) is a valid SIREN (9 digits) or SIRET (14 digits).
///
/// Used by the establishment search to explain that a FINESS number is needed (FAQ-R15). A
/// FINESS number is also 9 digits with a Luhn key, so it may look like a SIREN: try
/// [`crate::Finess::parse`] first and call this only when the input is not a FINESS number.
pub fn looks_like_siren_or_siret(input: &str) -> Option<SiretKind> {
    let compact = without_whitespace(input);
    match compact.len() {
        9 => Siren::parse(&compact).ok().map(|_| SiretKind::Siren),
        14 => Siret::parse(&compact).ok().map(|_| SiretKind::Siret),
        _ => None,
    }
}

impl fmt::Display for Siren {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Siret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Siren {
    type Error = SirenError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Siren> for String {
    fn from(value: Siren) -> Self {
        value.0
    }
}

impl TryFrom<String> for Siret {
    type Error = SiretError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Siret> for String {
    fn from(value: Siret) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siret_from_the_finess_file_sample_is_valid() {
        let siret = Siret::parse("26010004500012").expect("CH de Bourg-en-Bresse");
        assert_eq!(siret.as_str(), "26010004500012");
        assert_eq!(siret.siren().as_str(), "260100045");
        assert_eq!(siret.nic(), "00012");
        assert!(Siren::parse("260100045").is_ok());
    }

    #[test]
    fn spaces_are_ignored() {
        assert!(Siret::parse("260 100 045 00012").is_ok());
        assert!(Siren::parse("260 100 045").is_ok());
    }

    #[test]
    fn wrong_keys_are_rejected() {
        assert_eq!(Siret::parse("26010004500013"), Err(SiretError::Key));
        assert_eq!(Siren::parse("260100046"), Err(SirenError::Key));
        assert_eq!(SiretError::Key.code(), "siret.key");
    }

    #[test]
    fn siret_whose_siren_part_has_a_wrong_key_is_rejected() {
        // 26010004600002 passes Luhn over 14 digits, but 260100046 is not a valid SIREN.
        assert!(luhn::is_valid("26010004600002"));
        assert_eq!(Siret::parse("26010004600002"), Err(SiretError::Key));
    }

    #[test]
    fn la_poste_head_office_follows_luhn() {
        assert!(luhn::is_valid(LA_POSTE_HEAD_OFFICE));
        let head = Siret::parse("35600000000048").expect("head office");
        assert_eq!(head.siren().as_str(), "356000000");
    }

    #[test]
    fn la_poste_establishments_need_a_digit_sum_multiple_of_5() {
        // 3+5+6+0+0+0+0+0+0+4+9+1+7+0 = 35, a multiple of 5 (and not a Luhn number).
        assert!(!luhn::is_valid("35600000049170"));
        assert!(Siret::parse("35600000049170").is_ok());
        assert_eq!(Siret::parse("35600000049171"), Err(SiretError::Key));
        // Another digit of the key: sum 36, rejected. And the head office keeps Luhn (sum 27).
        assert_eq!(Siret::parse("35600000000049"), Err(SiretError::Key));
    }

    #[test]
    fn errors_distinguish_length_and_characters() {
        assert_eq!(Siret::parse(""), Err(SiretError::Empty));
        assert_eq!(Siret::parse("2601000450001"), Err(SiretError::Length));
        assert_eq!(Siret::parse("2601000450001A"), Err(SiretError::Characters));
        assert_eq!(Siren::parse("26010004"), Err(SirenError::Length));
        assert_eq!(Siren::parse("26010004-"), Err(SirenError::Characters));
        assert_eq!(Siren::parse(" "), Err(SirenError::Empty));
    }

    #[test]
    fn faq_r15_siren_or_siret_typed_in_the_establishment_search_is_recognised() {
        assert_eq!(
            looks_like_siren_or_siret("260 100 045 00012"),
            Some(SiretKind::Siret)
        );
        assert_eq!(
            looks_like_siren_or_siret("260100045"),
            Some(SiretKind::Siren)
        );
        assert_eq!(
            looks_like_siren_or_siret("35600000049170"),
            Some(SiretKind::Siret)
        );
        assert_eq!(looks_like_siren_or_siret("26010004500013"), None);
        assert_eq!(looks_like_siren_or_siret("hôpital"), None);
        assert_eq!(looks_like_siren_or_siret("2A0000123"), None);
    }

    #[test]
    fn serde_round_trip() {
        let siret = Siret::parse("26010004500012").expect("valid");
        let json = serde_json::to_string(&siret).expect("serialize");
        assert_eq!(json, "\"26010004500012\"");
        assert_eq!(serde_json::from_str::<Siret>(&json).ok(), Some(siret));
        assert!(serde_json::from_str::<Siren>("\"260100046\"").is_err());
    }
}
