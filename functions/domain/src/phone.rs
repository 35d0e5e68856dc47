//! French mobile phone number (contact data, FAQ-R11/R13/R14), stored in E.164 form.
//!
//! Mobile ranges of the national numbering plan (ARCEP, decision 2018-0881 and the overseas
//! allocations it keeps):
//!
//! | national prefix | territory | E.164 country code |
//! | --- | --- | --- |
//! | `06` (except the overseas blocks below), `073`–`079` | metropolitan France | +33 |
//! | `0690`, `0691` | Guadeloupe, Saint-Martin, Saint-Barthélemy | +590 |
//! | `0696`, `0697` | Martinique | +596 |
//! | `0694` | Guyane | +594 |
//! | `0692`, `0693` | La Réunion | +262 |
//! | `0639` | Mayotte | +262 |
//!
//! Choices: `0695`, `0698`, `0699` and `070`–`072` are not allocated to mobiles (`0700` is for
//! 14-digit machine-to-machine numbers): refused as unknown ranges. `01`–`05`, `08`, `09` are
//! landline or special numbers: refused with a message asking for a mobile. An overseas mobile
//! typed with `+33` (a common mistake) is accepted and stored with its own country code; an
//! overseas country code in front of a number of another territory is refused. Saint-Pierre-
//! et-Miquelon (+508) has its own 6-digit plan and is not accepted.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::compact::all_ascii_digits;

/// Where a French mobile number belongs, which gives its E.164 country code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MobileTerritory {
    Metropole,
    GuadeloupeSaintMartinSaintBarthelemy,
    Martinique,
    Guyane,
    LaReunion,
    Mayotte,
}

impl MobileTerritory {
    /// The E.164 country code, without `+`.
    pub fn country_code(self) -> &'static str {
        match self {
            MobileTerritory::Metropole => "33",
            MobileTerritory::GuadeloupeSaintMartinSaintBarthelemy => "590",
            MobileTerritory::Martinique => "596",
            MobileTerritory::Guyane => "594",
            MobileTerritory::LaReunion | MobileTerritory::Mayotte => "262",
        }
    }

    /// Territory of a 10-digit national number (`0` + 9 digits).
    fn of_national(national: &str) -> Result<Self, MobilePhoneError> {
        let prefix = national.get(..4).ok_or(MobilePhoneError::Length)?;
        match prefix {
            "0639" => Ok(MobileTerritory::Mayotte),
            "0690" | "0691" => Ok(MobileTerritory::GuadeloupeSaintMartinSaintBarthelemy),
            "0692" | "0693" => Ok(MobileTerritory::LaReunion),
            "0694" => Ok(MobileTerritory::Guyane),
            "0696" | "0697" => Ok(MobileTerritory::Martinique),
            p if p.starts_with("069") => Err(MobilePhoneError::UnknownRange),
            p if p.starts_with("06") => Ok(MobileTerritory::Metropole),
            p if p.starts_with("07") => match p.as_bytes()[2] {
                b'3'..=b'9' => Ok(MobileTerritory::Metropole),
                _ => Err(MobilePhoneError::UnknownRange),
            },
            _ => Err(MobilePhoneError::NotAMobile),
        }
    }
}

/// A French mobile number, held in E.164 form (`+33612345678`, `+262692123456`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MobilePhone {
    e164: String,
    territory: MobileTerritory,
}

/// Why a value is not a French mobile number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MobilePhoneError {
    #[error("Veuillez saisir un numéro de mobile.")]
    Empty,
    #[error(
        "Le numéro de mobile ne doit contenir que des chiffres (les espaces, points et tirets sont acceptés)."
    )]
    Characters,
    #[error("Le numéro de mobile doit comporter 10 chiffres, par exemple 06 12 34 56 78.")]
    Length,
    #[error(
        "Ce numéro n'est pas un numéro de mobile : veuillez indiquer un numéro commençant par 06 ou 07."
    )]
    NotAMobile,
    #[error("Ce numéro ne correspond à aucun numéro de mobile français : vérifiez-le.")]
    UnknownRange,
    #[error("Seuls les numéros de mobile français (métropole et outre-mer) sont acceptés.")]
    ForeignNumber,
    #[error("L'indicatif ne correspond pas au territoire de ce numéro de mobile : vérifiez-le.")]
    CountryCodeMismatch,
}

impl MobilePhoneError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            MobilePhoneError::Empty => "mobile.empty",
            MobilePhoneError::Characters => "mobile.characters",
            MobilePhoneError::Length => "mobile.length",
            MobilePhoneError::NotAMobile => "mobile.not_a_mobile",
            MobilePhoneError::UnknownRange => "mobile.unknown_range",
            MobilePhoneError::ForeignNumber => "mobile.foreign",
            MobilePhoneError::CountryCodeMismatch => "mobile.country_code_mismatch",
        }
    }
}

const COUNTRY_CODES: [&str; 5] = ["33", "262", "590", "594", "596"];

impl MobilePhone {
    /// Parses a number in national (`06 12 34 56 78`, `06.12.34.56.78`, `06-12-…`) or
    /// international form (`+33 6 12 34 56 78`, `+33 (0)6 …`, `0033 6 …`, `+262 692 …`).
    pub fn parse(input: &str) -> Result<Self, MobilePhoneError> {
        let mut compact: String = input
            .chars()
            .filter(|c| !(c.is_whitespace() || matches!(c, '.' | '-')))
            .collect();
        if compact.is_empty() {
            return Err(MobilePhoneError::Empty);
        }
        let international = compact.starts_with('+') || compact.starts_with("(+");
        if international || compact.starts_with("00") {
            // `+33 (0)6…`: the trunk 0 written in brackets.
            compact = compact.replacen("(0)", "", 1);
        }
        let compact: String = compact
            .chars()
            .filter(|c| !matches!(c, '(' | ')'))
            .collect();
        let (given_code, national) = if let Some(rest) = compact.strip_prefix('+') {
            split_international(rest)?
        } else if let Some(rest) = compact.strip_prefix("00") {
            split_international(rest)?
        } else {
            if !all_ascii_digits(&compact) {
                return Err(MobilePhoneError::Characters);
            }
            if compact.len() != 10 || !compact.starts_with('0') {
                return Err(MobilePhoneError::Length);
            }
            (None, compact)
        };
        let territory = MobileTerritory::of_national(&national)?;
        if let Some(code) = given_code
            && code != "33"
            && code != territory.country_code()
        {
            return Err(MobilePhoneError::CountryCodeMismatch);
        }
        Ok(Self {
            e164: format!("+{}{}", territory.country_code(), &national[1..]),
            territory,
        })
    }

    /// The E.164 form, e.g. `+33612345678`.
    pub fn as_e164(&self) -> &str {
        &self.e164
    }

    /// The territory the number belongs to.
    pub fn territory(&self) -> MobileTerritory {
        self.territory
    }

    /// The national form in pairs, as French people write it: `06 12 34 56 78`.
    pub fn national_display(&self) -> String {
        let significant = &self.e164[1 + self.territory.country_code().len()..];
        let national = format!("0{significant}");
        national
            .as_bytes()
            .chunks(2)
            .map(|pair| String::from_utf8_lossy(pair).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Splits the digits after `+` or `00` into the country code and the 10-digit national number.
fn split_international(rest: &str) -> Result<(Option<&'static str>, String), MobilePhoneError> {
    if !all_ascii_digits(rest) {
        return Err(MobilePhoneError::Characters);
    }
    let code = COUNTRY_CODES
        .into_iter()
        .find(|code| rest.starts_with(code))
        .ok_or(MobilePhoneError::ForeignNumber)?;
    let significant = &rest[code.len()..];
    // `+33 06…`: a trunk 0 kept after the country code is tolerated.
    let significant = match significant.strip_prefix('0') {
        Some(s) if significant.len() == 10 => s,
        _ => significant,
    };
    if significant.len() != 9 {
        return Err(MobilePhoneError::Length);
    }
    Ok((Some(code), format!("0{significant}")))
}

impl fmt::Display for MobilePhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

impl TryFrom<String> for MobilePhone {
    type Error = MobilePhoneError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<MobilePhone> for String {
    fn from(value: MobilePhone) -> Self {
        value.e164
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(input: &str) -> Result<String, MobilePhoneError> {
        MobilePhone::parse(input).map(|m| m.as_e164().to_owned())
    }

    #[test]
    fn metropolitan_mobiles_in_every_usual_form() {
        for input in [
            "0612345678",
            "06 12 34 56 78",
            "06.12.34.56.78",
            "06-12-34-56-78",
            "+33 6 12 34 56 78",
            "+33612345678",
            "+33 (0)6 12 34 56 78",
            "0033 6 12 34 56 78",
            "(+33) 6 12 34 56 78",
            "+33 06 12 34 56 78",
            " 06\u{a0}12\u{a0}34\u{a0}56\u{a0}78 ",
        ] {
            assert_eq!(e164(input), Ok("+33612345678".to_owned()), "{input}");
        }
        let m = MobilePhone::parse("07 81 23 45 67").expect("07");
        assert_eq!(m.as_e164(), "+33781234567");
        assert_eq!(m.national_display(), "07 81 23 45 67");
        assert_eq!(m.territory(), MobileTerritory::Metropole);
        assert_eq!(m.to_string(), "+33781234567");
    }

    #[test]
    fn overseas_mobiles_get_their_own_country_code() {
        assert_eq!(e164("0692 12 34 56"), Ok("+262692123456".to_owned()));
        assert_eq!(e164("+262 692 12 34 56"), Ok("+262692123456".to_owned()));
        assert_eq!(e164("00262 693 12 34 56"), Ok("+262693123456".to_owned()));
        assert_eq!(e164("06 39 12 34 56"), Ok("+262639123456".to_owned()));
        assert_eq!(e164("0690 12 34 56"), Ok("+590690123456".to_owned()));
        assert_eq!(e164("+590 691 12 34 56"), Ok("+590691123456".to_owned()));
        assert_eq!(e164("0696 12 34 56"), Ok("+596696123456".to_owned()));
        assert_eq!(e164("0697 12 34 56"), Ok("+596697123456".to_owned()));
        assert_eq!(e164("+594 694 12 34 56"), Ok("+594694123456".to_owned()));
        let reunion = MobilePhone::parse("+262 692 12 34 56").expect("La Réunion");
        assert_eq!(reunion.territory(), MobileTerritory::LaReunion);
        assert_eq!(reunion.national_display(), "06 92 12 34 56");
        assert_eq!(
            MobilePhone::parse("+262639123456").map(|m| m.territory()),
            Ok(MobileTerritory::Mayotte)
        );
    }

    #[test]
    fn overseas_mobile_typed_with_plus_33_is_stored_with_its_own_code() {
        assert_eq!(e164("+33 6 92 12 34 56"), Ok("+262692123456".to_owned()));
    }

    #[test]
    fn country_code_of_another_territory_is_refused() {
        assert_eq!(
            e164("+262 6 12 34 56 78"),
            Err(MobilePhoneError::CountryCodeMismatch)
        );
        assert_eq!(
            e164("+590 696 12 34 56"),
            Err(MobilePhoneError::CountryCodeMismatch)
        );
    }

    #[test]
    fn landlines_ask_for_a_mobile() {
        for input in [
            "01 23 45 67 89",
            "04 78 12 34 56",
            "09 51 23 45 67",
            "08 00 12 34 56",
        ] {
            let err = MobilePhone::parse(input).expect_err(input);
            assert_eq!(err, MobilePhoneError::NotAMobile);
            assert_eq!(err.code(), "mobile.not_a_mobile");
        }
        assert_eq!(e164("+33 1 23 45 67 89"), Err(MobilePhoneError::NotAMobile));
        assert_eq!(e164("0262 12 34 56"), Err(MobilePhoneError::NotAMobile));
    }

    #[test]
    fn unallocated_ranges_and_foreign_numbers() {
        assert_eq!(e164("0695 12 34 56"), Err(MobilePhoneError::UnknownRange));
        assert_eq!(e164("07 00 12 34 56"), Err(MobilePhoneError::UnknownRange));
        assert_eq!(
            e164("+32 470 12 34 56"),
            Err(MobilePhoneError::ForeignNumber)
        );
        assert_eq!(e164("+269 321 23 45"), Err(MobilePhoneError::ForeignNumber));
    }

    #[test]
    fn malformed_numbers() {
        assert_eq!(e164(""), Err(MobilePhoneError::Empty));
        assert_eq!(e164(" - . "), Err(MobilePhoneError::Empty));
        assert_eq!(e164("06 12 34 56 7"), Err(MobilePhoneError::Length));
        assert_eq!(e164("06 12 34 56 789"), Err(MobilePhoneError::Length));
        assert_eq!(e164("6 12 34 56 78"), Err(MobilePhoneError::Length));
        assert_eq!(e164("+33 6 12 34 56"), Err(MobilePhoneError::Length));
        assert_eq!(e164("06 12 34 56 7a"), Err(MobilePhoneError::Characters));
        assert_eq!(e164("+33 6 12 34 56 7a"), Err(MobilePhoneError::Characters));
        assert_eq!(e164("+"), Err(MobilePhoneError::Characters));
    }

    #[test]
    fn serde_uses_e164() {
        let m = MobilePhone::parse("06 12 34 56 78").expect("valid");
        let json = serde_json::to_string(&m).expect("serialize");
        assert_eq!(json, "\"+33612345678\"");
        assert_eq!(serde_json::from_str::<MobilePhone>(&json).ok(), Some(m));
        assert!(serde_json::from_str::<MobilePhone>("\"+33123456789\"").is_err());
    }
}
