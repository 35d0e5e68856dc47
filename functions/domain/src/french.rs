//! The French text of the dates and times a person reads: the emails, the PDF card and the
//! development provider's pages all write a date or a time through this module, so that each
//! shape is written once and every time is Paris time.
//!
//! An instant is shown at the offset Paris has at that instant ([`paris_offset`]: UTC+1 in
//! winter, UTC+2 in summer), never at a fixed offset, and its day is [`date_in_paris`]. The
//! wording follows French usage: `28/11/2026`, `1er septembre 2026`, `28/11/2026 à 9 h 05`
//! (hours without a leading zero, minutes on two digits).

use time::{Date, Month, OffsetDateTime};

use crate::paris::{date_in_paris, paris_offset};

/// `28/11/2026`.
pub fn numeric_date(date: Date) -> String {
    format!(
        "{:02}/{:02}/{:04}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

/// `26 novembre 2026`, and `1er septembre 2026` for the first of a month.
pub fn long_date(date: Date) -> String {
    let month = month_name(date.month());
    match date.day() {
        1 => format!("1er {month} {}", date.year()),
        day => format!("{day} {month} {}", date.year()),
    }
}

/// `28/11/2026 à 10 h 15`: the day and the time in Paris at `at`, whatever `at`'s own offset.
pub fn numeric_datetime(at: OffsetDateTime) -> String {
    let paris = at.to_offset(paris_offset(at));
    format!(
        "{} à {} h {:02}",
        numeric_date(date_in_paris(at)),
        paris.hour(),
        paris.minute()
    )
}

fn month_name(month: Month) -> &'static str {
    match month {
        Month::January => "janvier",
        Month::February => "février",
        Month::March => "mars",
        Month::April => "avril",
        Month::May => "mai",
        Month::June => "juin",
        Month::July => "juillet",
        Month::August => "août",
        Month::September => "septembre",
        Month::October => "octobre",
        Month::November => "novembre",
        Month::December => "décembre",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    /// Each instant reads as the text beside it.
    fn assert_reads(cases: &[(OffsetDateTime, &str)]) {
        for &(at, text) in cases {
            assert_eq!(numeric_datetime(at), text, "{at}");
        }
    }

    #[test]
    fn dates_read_with_two_digit_days_and_months() {
        assert_eq!(numeric_date(date!(2026 - 11 - 28)), "28/11/2026");
        assert_eq!(numeric_date(date!(2026 - 09 - 01)), "01/09/2026");
        assert_eq!(numeric_date(date!(1985 - 04 - 12)), "12/04/1985");
    }

    #[test]
    fn long_dates_name_the_month_and_the_first() {
        let cases = [
            (date!(2026 - 11 - 26), "26 novembre 2026"),
            (date!(2026 - 09 - 01), "1er septembre 2026"),
            (date!(2027 - 02 - 03), "3 février 2027"),
            (date!(2027 - 08 - 15), "15 août 2027"),
            (date!(2027 - 12 - 31), "31 décembre 2027"),
        ];
        for (date, text) in cases {
            assert_eq!(long_date(date), text);
        }
    }

    #[test]
    fn winter_times_are_utc_plus_one() {
        assert_reads(&[
            (datetime!(2026-01-15 09:15 UTC), "15/01/2026 à 10 h 15"),
            (datetime!(2026-11-28 09:15 UTC), "28/11/2026 à 10 h 15"),
        ]);
    }

    #[test]
    fn summer_times_are_utc_plus_two() {
        assert_reads(&[(datetime!(2026-07-15 09:15 UTC), "15/07/2026 à 11 h 15")]);
    }

    #[test]
    fn the_spring_forward_night_skips_two_o_clock() {
        // Sunday 29 March 2026: at 01:00 UTC Paris goes from 02:00 (+01) to 03:00 (+02).
        assert_reads(&[
            (datetime!(2026-03-29 00:59 UTC), "29/03/2026 à 1 h 59"),
            (datetime!(2026-03-29 01:00 UTC), "29/03/2026 à 3 h 00"),
        ]);
    }

    #[test]
    fn the_fall_back_night_reads_two_o_clock_twice() {
        // Sunday 25 October 2026: at 01:00 UTC Paris goes from 03:00 (+02) back to 02:00 (+01).
        assert_reads(&[
            (datetime!(2026-10-25 00:59 UTC), "25/10/2026 à 2 h 59"),
            (datetime!(2026-10-25 01:00 UTC), "25/10/2026 à 2 h 00"),
        ]);
    }

    #[test]
    fn a_late_utc_evening_is_the_next_day_in_paris() {
        assert_reads(&[
            (datetime!(2026-11-28 23:30 UTC), "29/11/2026 à 0 h 30"),
            (datetime!(2026-07-14 22:05 UTC), "15/07/2026 à 0 h 05"),
        ]);
    }

    #[test]
    fn the_instant_counts_not_its_offset() {
        // 04:15 at UTC-5 is 09:15 UTC: 11 h 15 in Paris in July.
        assert_reads(&[(datetime!(2026-07-15 04:15 -05:00), "15/07/2026 à 11 h 15")]);
    }
}
