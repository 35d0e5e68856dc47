//! The RPPS number: 11 digits, first digit 1, a Luhn key as last digit (FAQ-R18).
//!
//! Three ways in, with three levels of checking (see REQUIREMENTS.md, identifier rules):
//! - [`RppsNumber::parse`] for a number typed by a person: format and Luhn key;
//! - [`RppsNumber::from_psc_identifier`] for the `idNat_PS` of a verified Pro Santé Connect token:
//!   format only (the token is signed, and test identities of the agency fail the key);
//! - [`RppsNumber::from_sequence`] for the numbers this system allocates: always a valid key.
//!
//! Deserialisation (stored data, sessions) checks the format only, for the same reason as PSC
//! identifiers: a number that came from a verified token must load back.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::compact::{all_ascii_digits, without_whitespace};
use crate::luhn;

/// Prefix of the PSC national identifier (`idNat_PS`) of an RPPS holder.
const PSC_RPPS_PREFIX: char = '8';
/// Largest sequence number that fits in the 9 digits after the leading `1`.
const MAX_SEQUENCE: u64 = 999_999_999;

/// An RPPS number, always held as its 11 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RppsNumber(String);

/// Why a value is not an RPPS number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RppsError {
    #[error("Veuillez saisir le numéro RPPS.")]
    Empty,
    #[error("Le numéro RPPS ne doit contenir que des chiffres.")]
    NotDigits,
    #[error("Le numéro RPPS doit comporter 11 chiffres et commencer par 1.")]
    Length,
    #[error("Le numéro RPPS doit comporter 11 chiffres et commencer par 1.")]
    FirstDigit,
    #[error(
        "Ce numéro RPPS n'est pas valide : vérifiez-le, un chiffre a peut-être été mal recopié."
    )]
    Key,
    #[error(
        "Pro Santé Connect a transmis un identifiant inattendu. Réessayez plus tard ou contactez le support."
    )]
    PscFormat,
    #[error(
        "Votre carte n'est pas associée à un numéro RPPS. Cet espace est réservé aux professionnels enregistrés au RPPS."
    )]
    NotAnRppsHolder,
    #[error(
        "Plus aucun numéro RPPS ne peut être attribué pour le moment. Merci de contacter le support technique."
    )]
    SequenceExhausted,
}

impl RppsError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            RppsError::Empty => "rpps.empty",
            RppsError::NotDigits => "rpps.characters",
            RppsError::Length => "rpps.length",
            RppsError::FirstDigit => "rpps.first_digit",
            RppsError::Key => "rpps.key",
            RppsError::PscFormat => "rpps.psc_format",
            RppsError::NotAnRppsHolder => "rpps.not_an_rpps_holder",
            RppsError::SequenceExhausted => "rpps.sequence_exhausted",
        }
    }
}

impl RppsNumber {
    /// A number typed by a person: spaces are ignored; the 11-digit form and the 12-character
    /// Pro Santé Connect form (`8` + RPPS, FAQ-R18) are accepted; the Luhn key is checked.
    pub fn parse(input: &str) -> Result<Self, RppsError> {
        let compact = without_whitespace(input);
        if compact.is_empty() {
            return Err(RppsError::Empty);
        }
        if !all_ascii_digits(&compact) {
            return Err(RppsError::NotDigits);
        }
        let digits = match compact.strip_prefix(PSC_RPPS_PREFIX) {
            Some(rest) if compact.len() == 12 => rest,
            _ => compact.as_str(),
        };
        check_format(digits)?;
        if !luhn::is_valid(digits) {
            return Err(RppsError::Key);
        }
        Ok(Self(digits.to_owned()))
    }

    /// The `idNat_PS` claim of a verified Pro Santé Connect token: `8` followed by the 11 digits.
    /// Format only, no key check (the token is signed by PSC). Other prefixes (`0` ADELI, `3`
    /// FINESS, `4` SIREN, `5` SIRET…) identify card holders who have no RPPS number.
    pub fn from_psc_identifier(id_nat_ps: &str) -> Result<Self, RppsError> {
        let mut chars = id_nat_ps.chars();
        match chars.next() {
            Some(PSC_RPPS_PREFIX) => {
                let digits = chars.as_str();
                if all_ascii_digits(digits) && check_format(digits).is_ok() {
                    Ok(Self(digits.to_owned()))
                } else {
                    Err(RppsError::PscFormat)
                }
            }
            Some(c) if c.is_ascii_digit() => Err(RppsError::NotAnRppsHolder),
            _ => Err(RppsError::PscFormat),
        }
    }

    /// The number allocated for sequence value `seq`: `1`, then `seq` on 9 digits, then the
    /// Luhn key. Distinct sequence values give distinct numbers.
    pub fn from_sequence(seq: u64) -> Result<Self, RppsError> {
        if seq > MAX_SEQUENCE {
            return Err(RppsError::SequenceExhausted);
        }
        let payload = format!("1{seq:09}");
        let key = luhn::check_digit(&payload).ok_or(RppsError::SequenceExhausted)?;
        Ok(Self(format!("{payload}{key}")))
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The Pro Santé Connect national identifier: `8` followed by the 11 digits.
    pub fn psc_identifier(&self) -> String {
        format!("{PSC_RPPS_PREFIX}{}", self.0)
    }

    /// Whether the last digit is a valid Luhn key. Always true for typed and allocated numbers;
    /// may be false for a number received from Pro Santé Connect (test identities).
    pub fn has_valid_key(&self) -> bool {
        luhn::is_valid(&self.0)
    }
}

/// 11 ASCII digits (already checked to be digits), the first one `1`.
fn check_format(digits: &str) -> Result<(), RppsError> {
    if digits.len() != 11 {
        return Err(RppsError::Length);
    }
    if !digits.starts_with('1') {
        return Err(RppsError::FirstDigit);
    }
    Ok(())
}

/// The part of the RPPS sequence this instance may allocate (FAQ-R3, R18): a deployment
/// parameter, the range reserved for it in the national register (docs/DEPLOY.md). Allocation
/// never hands out a sequence value outside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SequenceRange {
    first: u64,
    last: u64,
}

/// Why a sequence range is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the RPPS sequence range must be 1 <= first <= last <= {MAX_SEQUENCE} (got {first}..={last})"
)]
pub struct SequenceRangeError {
    pub first: u64,
    pub last: u64,
}

impl SequenceRange {
    /// The whole sequence: `1` to `999 999 999`.
    pub const FULL: SequenceRange = SequenceRange {
        first: 1,
        last: MAX_SEQUENCE,
    };

    pub fn new(first: u64, last: u64) -> Result<Self, SequenceRangeError> {
        if first >= 1 && first <= last && last <= MAX_SEQUENCE {
            Ok(Self { first, last })
        } else {
            Err(SequenceRangeError { first, last })
        }
    }

    /// The first sequence value this instance may allocate.
    pub fn first(self) -> u64 {
        self.first
    }

    /// The last one.
    pub fn last(self) -> u64 {
        self.last
    }
}

impl fmt::Display for RppsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for RppsNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Stored form: exactly 11 digits starting with 1 (format only, see the module notes).
impl TryFrom<String> for RppsNumber {
    type Error = RppsError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.is_empty() {
            return Err(RppsError::Empty);
        }
        if !all_ascii_digits(&value) {
            return Err(RppsError::NotDigits);
        }
        check_format(&value)?;
        Ok(Self(value))
    }
}

impl From<RppsNumber> for String {
    fn from(value: RppsNumber) -> Self {
        value.0
    }
}

#[cfg(test)]
mod range_tests {
    use super::*;

    #[test]
    fn faq_r3_a_sequence_range_lies_within_the_nine_digits() {
        let range = SequenceRange::new(500_000_000, 599_999_999).expect("valid");
        assert_eq!((range.first(), range.last()), (500_000_000, 599_999_999));
        assert!(SequenceRange::new(0, 10).is_err());
        assert!(SequenceRange::new(10, 9).is_err());
        assert!(SequenceRange::new(1, 1_000_000_000).is_err());
        assert_eq!(SequenceRange::new(7, 7).map(|r| r.last()), Ok(7));
        assert_eq!(SequenceRange::FULL.last(), 999_999_999);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faq_r18_rpps_is_11_digits_starting_with_1() {
        let n = RppsNumber::parse("10001045367").expect("valid");
        assert_eq!(n.as_str(), "10001045367");
        assert_eq!(n.to_string(), "10001045367");
        assert!(RppsNumber::parse("10104335319").is_ok());
        assert_eq!(RppsNumber::parse("1000104536"), Err(RppsError::Length));
        assert_eq!(RppsNumber::parse("100010453670"), Err(RppsError::Length));
        assert_eq!(RppsNumber::parse("20001045367"), Err(RppsError::FirstDigit));
    }

    #[test]
    fn faq_r18_psc_identifier_is_8_plus_rpps() {
        let typed = RppsNumber::parse("810001045367").expect("PSC form typed");
        assert_eq!(typed.as_str(), "10001045367");
        assert_eq!(typed.psc_identifier(), "810001045367");
        let from_token = RppsNumber::from_psc_identifier("810104335319").expect("token");
        assert_eq!(from_token.as_str(), "10104335319");
        assert_eq!(from_token.to_string(), "10104335319");
    }

    #[test]
    fn typed_numbers_ignore_spaces() {
        let n = RppsNumber::parse("  100 0104 5367 ").expect("spaces");
        assert_eq!(n.as_str(), "10001045367");
        assert!(RppsNumber::parse("8 1000 1045 367").is_ok());
        assert!(RppsNumber::parse("1000\u{a0}1045367").is_ok());
    }

    #[test]
    fn typed_number_with_a_wrong_key_asks_to_check_it() {
        let err = RppsNumber::parse("10003461033").expect_err("synthetic FHIR example");
        assert_eq!(err, RppsError::Key);
        assert_eq!(err.code(), "rpps.key");
        assert!(err.to_string().contains("vérifiez"));
        assert_eq!(RppsNumber::parse("10102727017"), Err(RppsError::Key));
    }

    #[test]
    fn typed_input_errors_are_distinct() {
        assert_eq!(RppsNumber::parse("   "), Err(RppsError::Empty));
        assert_eq!(RppsNumber::parse("1000104536A"), Err(RppsError::NotDigits));
        assert_eq!(
            RppsNumber::parse("1000-104-5367"),
            Err(RppsError::NotDigits)
        );
        assert_eq!(
            RppsNumber::parse("1000").map_err(|e| e.to_string()),
            Err("Le numéro RPPS doit comporter 11 chiffres et commencer par 1.".to_owned())
        );
    }

    #[test]
    fn psc_identifier_is_checked_on_format_only() {
        // The agency's synthetic test numbers fail Luhn but are accepted from a signed token.
        let n = RppsNumber::from_psc_identifier("810003461033").expect("format only");
        assert!(!n.has_valid_key());
        assert_eq!(
            RppsNumber::from_psc_identifier("820003461033"),
            Err(RppsError::PscFormat)
        );
        assert_eq!(
            RppsNumber::from_psc_identifier("81000346103"),
            Err(RppsError::PscFormat)
        );
        assert_eq!(
            RppsNumber::from_psc_identifier(" 810001045367"),
            Err(RppsError::PscFormat)
        );
        assert_eq!(
            RppsNumber::from_psc_identifier(""),
            Err(RppsError::PscFormat)
        );
    }

    #[test]
    fn psc_identifiers_of_other_card_holders_have_no_rpps() {
        for id in [
            "0751234567",
            "3010000024/CPE123",
            "4123456789",
            "5260100045000/12",
        ] {
            let err = RppsNumber::from_psc_identifier(id).expect_err(id);
            assert_eq!(err, RppsError::NotAnRppsHolder);
            assert_eq!(err.code(), "rpps.not_an_rpps_holder");
        }
    }

    #[test]
    fn allocated_numbers_carry_a_luhn_key() {
        let first = RppsNumber::from_sequence(0).expect("seq 0");
        assert_eq!(first.as_str(), "10000000009");
        assert!(first.has_valid_key());
        // 10001045367 is a real number: its payload 1000104536 is sequence 104 536.
        let n = RppsNumber::from_sequence(104_536).expect("seq");
        assert_eq!(n.as_str(), "10001045367");
        let last = RppsNumber::from_sequence(999_999_999).expect("last");
        assert!(last.as_str().starts_with("1999999999"));
        assert!(last.has_valid_key());
        assert_eq!(
            RppsNumber::from_sequence(1_000_000_000),
            Err(RppsError::SequenceExhausted)
        );
        assert_eq!(
            RppsError::SequenceExhausted.code(),
            "rpps.sequence_exhausted"
        );
    }

    #[test]
    fn allocated_number_parses_back_as_typed() {
        for seq in [0, 1, 9, 42, 104_536, 123_456_789, 999_999_999] {
            let n = RppsNumber::from_sequence(seq).expect("seq");
            assert_eq!(RppsNumber::parse(n.as_str()), Ok(n.clone()));
            assert_eq!(RppsNumber::parse(&n.psc_identifier()), Ok(n));
        }
    }

    #[test]
    fn serde_uses_the_11_digit_string() {
        let n = RppsNumber::parse("10001045367").expect("valid");
        let json = serde_json::to_string(&n).expect("serialize");
        assert_eq!(json, "\"10001045367\"");
        let back: RppsNumber = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, n);
        // Stored numbers that came from PSC load back even without a valid key.
        assert!(serde_json::from_str::<RppsNumber>("\"10003461033\"").is_ok());
        // Anything not in the stored form is refused.
        assert!(serde_json::from_str::<RppsNumber>("\"810001045367\"").is_err());
        assert!(serde_json::from_str::<RppsNumber>("\"1000 1045367\"").is_err());
        assert!(serde_json::from_str::<RppsNumber>("\"20001045367\"").is_err());
    }
}
