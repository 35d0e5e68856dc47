//! Date of birth (civil status).
//!
//! Typed dates ([`BirthDate::parse`]) are ISO `YYYY-MM-DD` (what an HTML date field sends) or
//! French `jj/mm/aaaa`. FranceConnect's `birthdate` ([`BirthDate::from_franceconnect`]) is
//! `YYYY-MM-DD`; for people whose day or month of birth is unknown (*présumés nés*) the RNIPP
//! writes `00` and FranceConnect's own validator accepts `YYYY-MM-00`, `YYYY-00-00`, `YYYY-MM`
//! and `YYYY` (france-connect/sources, `IsRnippBirthdate`). Those are accepted, mapped to day /
//! month `01` and flagged as presumed. A presumed date sent as `01` cannot be told apart from a
//! real 1st of January: it is taken as it is.
//!
//! Dates before 1900 or after "today" are refused; "today" is a parameter, never the clock.
//! The stored form (serde) keeps the presumed parts as `00` (`1961-00-00`), so the flag survives
//! a round trip; loading checks the format and the 1900 bound, not "today".

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

const MIN_YEAR: i32 = 1900;

/// How much of the date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BirthDatePrecision {
    /// Day, month and year known.
    Day,
    /// Day unknown (presumed the 1st of the month).
    Month,
    /// Day and month unknown (presumed the 1st of January).
    Year,
}

/// A date of birth, possibly presumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BirthDate {
    date: Date,
    precision: BirthDatePrecision,
}

/// Why a value is not an acceptable date of birth.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BirthDateError {
    #[error("Veuillez saisir la date de naissance.")]
    Empty,
    #[error(
        "La date de naissance doit être écrite sous la forme jj/mm/aaaa, par exemple 17/05/1980."
    )]
    Format,
    #[error(
        "Cette date de naissance n'existe pas dans le calendrier : vérifiez le jour et le mois."
    )]
    Impossible,
    #[error("La date de naissance ne peut pas être dans le futur.")]
    InFuture,
    #[error("La date de naissance ne peut pas être antérieure à 1900.")]
    TooOld,
}

impl BirthDateError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            BirthDateError::Empty => "birth_date.empty",
            BirthDateError::Format => "birth_date.format",
            BirthDateError::Impossible => "birth_date.impossible",
            BirthDateError::InFuture => "birth_date.in_future",
            BirthDateError::TooOld => "birth_date.too_old",
        }
    }
}

impl BirthDate {
    /// A date typed by a person (`YYYY-MM-DD` or `jj/mm/aaaa`), no later than `today`.
    pub fn parse(input: &str, today: Date) -> Result<Self, BirthDateError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(BirthDateError::Empty);
        }
        let (year, month, day) = split_iso(s)
            .or_else(|| split_french(s))
            .ok_or(BirthDateError::Format)?;
        if month == 0 || day == 0 {
            return Err(BirthDateError::Impossible);
        }
        Self::build(year, month, day)?.not_after(today)
    }

    /// FranceConnect's `birthdate` claim, no later than `today`; unknown parts (`00`, or left
    /// out) are presumed `01` and flagged.
    pub fn from_franceconnect(input: &str, today: Date) -> Result<Self, BirthDateError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(BirthDateError::Empty);
        }
        let (year, month, day) = split_iso(s)
            .or_else(|| split_partial_iso(s))
            .ok_or(BirthDateError::Format)?;
        Self::build(year, month, day)?.not_after(today)
    }

    /// The date (presumed parts set to 1).
    pub fn date(&self) -> Date {
        self.date
    }

    /// How much of the date is known.
    pub fn precision(&self) -> BirthDatePrecision {
        self.precision
    }

    /// Whether the day or the month is unknown.
    pub fn is_presumed(&self) -> bool {
        self.precision != BirthDatePrecision::Day
    }

    /// ISO 8601 date, presumed parts set to `01` (`1961-01-01`): a valid date for any system.
    pub fn as_iso(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}",
            self.date.year(),
            u8::from(self.date.month()),
            self.date.day()
        )
    }

    /// The stored and wire form: ISO with `00` for the unknown parts (`1961-00-00`,
    /// `1961-05-00`).
    pub fn stored(&self) -> String {
        let (month, day) = match self.precision {
            BirthDatePrecision::Day => (u8::from(self.date.month()), self.date.day()),
            BirthDatePrecision::Month => (u8::from(self.date.month()), 0),
            BirthDatePrecision::Year => (0, 0),
        };
        format!("{:04}-{month:02}-{day:02}", self.date.year())
    }

    /// Checks the calendar and the 1900 bound; `00` month/day mean presumed.
    fn build(year: i32, month: u8, day: u8) -> Result<Self, BirthDateError> {
        if year < MIN_YEAR {
            return Err(BirthDateError::TooOld);
        }
        let (month, day, precision) = match (month, day) {
            (0, 0) => (1, 1, BirthDatePrecision::Year),
            (0, _) => return Err(BirthDateError::Impossible),
            (m, 0) => (m, 1, BirthDatePrecision::Month),
            (m, d) => (m, d, BirthDatePrecision::Day),
        };
        let month = Month::try_from(month).map_err(|_| BirthDateError::Impossible)?;
        let date =
            Date::from_calendar_date(year, month, day).map_err(|_| BirthDateError::Impossible)?;
        Ok(Self { date, precision })
    }

    fn not_after(self, today: Date) -> Result<Self, BirthDateError> {
        if self.date > today {
            Err(BirthDateError::InFuture)
        } else {
            Ok(self)
        }
    }
}

fn number<T: std::str::FromStr>(s: &str, len: std::ops::RangeInclusive<usize>) -> Option<T> {
    if len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// `YYYY-MM-DD`, exactly.
fn split_iso(s: &str) -> Option<(i32, u8, u8)> {
    let mut parts = s.split('-');
    let year = number(parts.next()?, 4..=4)?;
    let month = number(parts.next()?, 2..=2)?;
    let day = number(parts.next()?, 2..=2)?;
    parts.next().is_none().then_some((year, month, day))
}

/// `YYYY-MM` or `YYYY`: the truncated forms of a presumed date.
fn split_partial_iso(s: &str) -> Option<(i32, u8, u8)> {
    let mut parts = s.split('-');
    let year = number(parts.next()?, 4..=4)?;
    let month = match parts.next() {
        Some(m) => number(m, 2..=2)?,
        None => 0,
    };
    parts.next().is_none().then_some((year, month, 0))
}

/// `jj/mm/aaaa` (one-digit day or month tolerated).
fn split_french(s: &str) -> Option<(i32, u8, u8)> {
    let mut parts = s.split('/');
    let day = number(parts.next()?, 1..=2)?;
    let month = number(parts.next()?, 1..=2)?;
    let year = number(parts.next()?, 4..=4)?;
    parts.next().is_none().then_some((year, month, day))
}

/// French form, `dd/mm/yyyy` (presumed parts shown as `01`; see [`BirthDate::is_presumed`]).
impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::french::numeric_date(self.date))
    }
}

impl TryFrom<String> for BirthDate {
    type Error = BirthDateError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let (year, month, day) = split_iso(&value).ok_or(BirthDateError::Format)?;
        Self::build(year, month, day)
    }
}

impl From<BirthDate> for String {
    fn from(value: BirthDate) -> Self {
        value.stored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 03 - 01);

    #[test]
    fn typed_iso_and_french_forms() {
        let d = BirthDate::parse("1980-05-17", TODAY).expect("ISO");
        assert_eq!(d.date(), date!(1980 - 05 - 17));
        assert_eq!(d.as_iso(), "1980-05-17");
        assert_eq!(d.to_string(), "17/05/1980");
        assert!(!d.is_presumed());
        assert_eq!(BirthDate::parse(" 17/05/1980 ", TODAY), Ok(d));
        assert_eq!(
            BirthDate::parse("7/5/1980", TODAY).map(|d| d.as_iso()),
            Ok("1980-05-07".into())
        );
    }

    #[test]
    fn impossible_dates_are_refused() {
        assert_eq!(
            BirthDate::parse("1981-02-29", TODAY),
            Err(BirthDateError::Impossible)
        );
        assert!(BirthDate::parse("1980-02-29", TODAY).is_ok());
        assert_eq!(
            BirthDate::parse("1980-13-01", TODAY),
            Err(BirthDateError::Impossible)
        );
        assert_eq!(
            BirthDate::parse("31/04/1980", TODAY),
            Err(BirthDateError::Impossible)
        );
        // A person typing a date gives a full date.
        assert_eq!(
            BirthDate::parse("1980-05-00", TODAY),
            Err(BirthDateError::Impossible)
        );
    }

    #[test]
    fn future_dates_and_dates_before_1900_are_refused() {
        assert_eq!(
            BirthDate::parse("2026-03-02", TODAY),
            Err(BirthDateError::InFuture)
        );
        assert!(BirthDate::parse("2026-03-01", TODAY).is_ok());
        let err = BirthDate::parse("1899-12-31", TODAY).expect_err("too old");
        assert_eq!(err, BirthDateError::TooOld);
        assert_eq!(err.code(), "birth_date.too_old");
        assert!(BirthDate::parse("1900-01-01", TODAY).is_ok());
    }

    #[test]
    fn malformed_input() {
        assert_eq!(BirthDate::parse("", TODAY), Err(BirthDateError::Empty));
        assert_eq!(
            BirthDate::parse("17-05-1980", TODAY),
            Err(BirthDateError::Format)
        );
        assert_eq!(
            BirthDate::parse("1980/05/17", TODAY),
            Err(BirthDateError::Format)
        );
        assert_eq!(
            BirthDate::parse("80-05-17", TODAY),
            Err(BirthDateError::Format)
        );
        assert_eq!(
            BirthDate::parse("1980-5-17", TODAY),
            Err(BirthDateError::Format)
        );
        assert_eq!(
            BirthDate::parse("+1980-05-17", TODAY),
            Err(BirthDateError::Format)
        );
        assert_eq!(BirthDate::parse("1980", TODAY), Err(BirthDateError::Format));
    }

    #[test]
    fn faq_r11_franceconnect_full_date() {
        let d = BirthDate::from_franceconnect("1962-08-24", TODAY).expect("FC");
        assert_eq!(d.precision(), BirthDatePrecision::Day);
        assert_eq!(d.to_string(), "24/08/1962");
    }

    #[test]
    fn faq_r11_franceconnect_presumed_dates_are_mapped_to_01_and_flagged() {
        let day_unknown = BirthDate::from_franceconnect("1961-05-00", TODAY).expect("day");
        assert_eq!(day_unknown.date(), date!(1961 - 05 - 01));
        assert_eq!(day_unknown.precision(), BirthDatePrecision::Month);
        assert!(day_unknown.is_presumed());
        assert_eq!(day_unknown.as_iso(), "1961-05-01");
        let both_unknown = BirthDate::from_franceconnect("1961-00-00", TODAY).expect("both");
        assert_eq!(both_unknown.date(), date!(1961 - 01 - 01));
        assert_eq!(both_unknown.precision(), BirthDatePrecision::Year);
        assert_eq!(
            BirthDate::from_franceconnect("1961-05", TODAY),
            Ok(day_unknown)
        );
        assert_eq!(
            BirthDate::from_franceconnect("1961", TODAY),
            Ok(both_unknown)
        );
        // A presumed date sent as 01 is a plain date.
        assert!(
            !BirthDate::from_franceconnect("1961-01-01", TODAY)
                .expect("01")
                .is_presumed()
        );
        // A known day with an unknown month makes no sense.
        assert_eq!(
            BirthDate::from_franceconnect("1961-00-12", TODAY),
            Err(BirthDateError::Impossible)
        );
        assert_eq!(
            BirthDate::from_franceconnect("2027-00-00", TODAY),
            Err(BirthDateError::InFuture)
        );
    }

    #[test]
    fn serde_keeps_the_presumed_parts() {
        let full = BirthDate::parse("1980-05-17", TODAY).expect("full");
        assert_eq!(serde_json::to_string(&full).expect("ser"), "\"1980-05-17\"");
        let presumed = BirthDate::from_franceconnect("1961-00-00", TODAY).expect("presumed");
        let json = serde_json::to_string(&presumed).expect("ser");
        assert_eq!(json, "\"1961-00-00\"");
        assert_eq!(
            serde_json::from_str::<BirthDate>(&json).ok(),
            Some(presumed)
        );
        let month = BirthDate::from_franceconnect("1961-05-00", TODAY).expect("presumed");
        let json = serde_json::to_string(&month).expect("ser");
        assert_eq!(json, "\"1961-05-00\"");
        assert_eq!(serde_json::from_str::<BirthDate>(&json).ok(), Some(month));
        assert!(serde_json::from_str::<BirthDate>("\"1980-02-30\"").is_err());
        assert!(serde_json::from_str::<BirthDate>("\"17/05/1980\"").is_err());
    }
}
