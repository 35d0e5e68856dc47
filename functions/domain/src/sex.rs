//! Sex, one of the strict traits of the national health identity (INS).
//!
//! FranceConnect's `gender` claim is `female` or `male`. A civil status typed by an employer may
//! not give it, so the identity match takes it as an `Option` and only a known, different sex
//! tells two records apart.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Sex as the civil status records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
}

/// Why a value is not a sex FranceConnect sends.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SexError {
    #[error("Le sexe transmis par FranceConnect n'est pas reconnu.")]
    Unknown,
}

impl SexError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            SexError::Unknown => "sex.unknown",
        }
    }
}

impl Sex {
    /// FranceConnect's `gender` claim: `female` or `male` (surrounding spaces and case ignored).
    pub fn from_franceconnect(gender: &str) -> Result<Self, SexError> {
        match gender.trim().to_ascii_lowercase().as_str() {
            "female" => Ok(Sex::Female),
            "male" => Ok(Sex::Male),
            _ => Err(SexError::Unknown),
        }
    }

    /// Stable code: `female`, `male` (FranceConnect's values, and the serde form).
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }

    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            Sex::Female => "Féminin",
            Sex::Male => "Masculin",
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faq_r12_franceconnect_gender() {
        assert_eq!(Sex::from_franceconnect("female"), Ok(Sex::Female));
        assert_eq!(Sex::from_franceconnect(" Male "), Ok(Sex::Male));
        let err = Sex::from_franceconnect("f").expect_err("not a FranceConnect value");
        assert_eq!(err.code(), "sex.unknown");
        assert_eq!(Sex::from_franceconnect(""), Err(SexError::Unknown));
    }

    #[test]
    fn serde_uses_the_franceconnect_values() {
        assert_eq!(
            serde_json::to_string(&Sex::Female).expect("ser"),
            "\"female\""
        );
        assert_eq!(
            serde_json::from_str::<Sex>("\"male\"").expect("de"),
            Sex::Male
        );
        assert_eq!(Sex::Male.code(), "male");
        assert_eq!(Sex::Female.to_string(), "Féminin");
    }
}
