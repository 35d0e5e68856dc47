//! The date from which the professional works at the establishment (FAQ-R11): a real calendar
//! date, not before 1950 (a typing slip), and at most a year ahead of today (a hiring can be
//! registered ahead of time, not years ahead). "Today" is the day in Paris, given by the caller.

use time::{Date, Duration};

/// How far ahead a start date may be.
const MAX_AHEAD: Duration = Duration::days(366);
const EARLIEST_YEAR: i32 = 1950;

/// Why a start date is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StartDateError {
    #[error("Indiquez la date de début d'exercice au format AAAA-MM-JJ.")]
    Format,
    #[error("La date de début d'exercice ne peut pas dépasser d'un an la date du jour.")]
    TooFar,
    #[error("La date de début d'exercice semble erronée.")]
    TooOld,
}

impl StartDateError {
    /// Stable machine code of the error.
    pub fn code(self) -> &'static str {
        match self {
            StartDateError::Format => "start_date.format",
            StartDateError::TooFar => "start_date.too_far",
            StartDateError::TooOld => "start_date.too_old",
        }
    }
}

/// Parses a start date typed as `AAAA-MM-JJ` (what a date field sends), against `today`.
pub fn parse_start_date(input: &str, today: Date) -> Result<Date, StartDateError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(input.trim(), &format).map_err(|_| StartDateError::Format)?;
    if date > today + MAX_AHEAD {
        Err(StartDateError::TooFar)
    } else if date.year() < EARLIEST_YEAR {
        Err(StartDateError::TooOld)
    } else {
        Ok(date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 05);

    #[test]
    fn faq_r11_a_start_date_is_a_real_date_within_a_year_ahead() {
        assert_eq!(
            parse_start_date(" 2026-12-05 ", TODAY),
            Ok(date!(2026 - 12 - 05))
        );
        assert_eq!(
            parse_start_date("2027-12-06", TODAY),
            Ok(date!(2027 - 12 - 06))
        );
        assert_eq!(
            parse_start_date("2027-12-07", TODAY),
            Err(StartDateError::TooFar)
        );
        assert_eq!(
            parse_start_date("1949-12-31", TODAY),
            Err(StartDateError::TooOld)
        );
        assert_eq!(
            parse_start_date("1950-01-01", TODAY),
            Ok(date!(1950 - 01 - 01))
        );
        for bad in ["05/12/2026", "2026-02-30", "", "demain"] {
            let err = parse_start_date(bad, TODAY).expect_err(bad);
            assert_eq!(err.code(), "start_date.format");
            assert!(err.to_string().contains("AAAA-MM-JJ"));
        }
    }
}
