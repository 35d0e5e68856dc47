//! The French calendar day: departures (FAQ-R6) and the e-CPS date are days in Paris, whatever
//! the server's time zone. Metropolitan France follows the European summer-time rule: UTC+2
//! from the last Sunday of March, 01:00 UTC, to the last Sunday of October, 01:00 UTC; UTC+1
//! otherwise. (No time-zone database is needed for this one rule.)
//! The French text of a date or a time, in Paris time, is written by [`crate::french`].

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

fn last_sunday(year: i32, month: Month) -> Date {
    let mut day = Date::from_calendar_date(year, month, month.length(year)).unwrap_or(Date::MIN);
    while day.weekday() != Weekday::Sunday {
        day = day.previous_day().unwrap_or(Date::MIN);
    }
    day
}

/// The offset of Paris at `at` (+01:00 or +02:00).
pub fn paris_offset(at: OffsetDateTime) -> UtcOffset {
    let utc = at.to_offset(UtcOffset::UTC);
    let year = utc.year();
    let one = Time::from_hms(1, 0, 0).unwrap_or(Time::MIDNIGHT);
    let start = PrimitiveDateTime::new(last_sunday(year, Month::March), one).assume_utc();
    let end = PrimitiveDateTime::new(last_sunday(year, Month::October), one).assume_utc();
    let hours = if utc >= start && utc < end { 2 } else { 1 };
    UtcOffset::from_hms(hours, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// The date in Paris at `at`.
#[allow(clippy::disallowed_methods)] // the one place where an instant becomes a day (clippy.toml)
pub fn date_in_paris(at: OffsetDateTime) -> Date {
    at.to_offset(paris_offset(at)).date()
}

/// The instant a Paris day starts (its midnight, +01:00 or +02:00): summer time changes at
/// 01:00 UTC, never at midnight, so the offset of either guess is the day's.
pub fn paris_day_start(day: Date) -> OffsetDateTime {
    let winter = PrimitiveDateTime::new(day, Time::MIDNIGHT)
        .assume_offset(UtcOffset::from_hms(1, 0, 0).unwrap_or(UtcOffset::UTC));
    PrimitiveDateTime::new(day, Time::MIDNIGHT).assume_offset(paris_offset(winter))
}

/// `at` as RFC 3339 text with the offset of Paris at that instant
/// (`2026-07-15T11:15:00+02:00`): the same instant as its UTC form, whose local part is what a
/// person in France reads. Every instant the API answers is written so (`rpps_contract::Instant`).
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.to_offset(paris_offset(at))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn instants_are_written_with_the_paris_offset() {
        assert_eq!(
            rfc3339(datetime!(2026-01-15 09:15 UTC)),
            "2026-01-15T10:15:00+01:00"
        );
        assert_eq!(
            rfc3339(datetime!(2026-07-15 09:15:30.5 UTC)),
            "2026-07-15T11:15:30.5+02:00"
        );
        // The spring-forward night: 01:59 then 03:00 in Paris.
        assert_eq!(
            rfc3339(datetime!(2026-03-29 00:59 UTC)),
            "2026-03-29T01:59:00+01:00"
        );
        assert_eq!(
            rfc3339(datetime!(2026-03-29 01:00 UTC)),
            "2026-03-29T03:00:00+02:00"
        );
        // The fall-back night: 02:59 (+02:00) then 02:00 again (+01:00).
        assert_eq!(
            rfc3339(datetime!(2026-10-25 00:59 UTC)),
            "2026-10-25T02:59:00+02:00"
        );
        assert_eq!(
            rfc3339(datetime!(2026-10-25 01:00 UTC)),
            "2026-10-25T02:00:00+01:00"
        );
    }

    #[test]
    fn a_paris_day_starts_at_its_own_midnight() {
        assert_eq!(
            paris_day_start(date!(2026 - 01 - 15)),
            datetime!(2026-01-14 23:00 UTC)
        );
        assert_eq!(
            paris_day_start(date!(2026 - 07 - 14)),
            datetime!(2026-07-13 22:00 UTC)
        );
        // The days summer time starts and ends: midnight is still on the day's old offset.
        assert_eq!(
            paris_day_start(date!(2026 - 03 - 29)),
            datetime!(2026-03-28 23:00 UTC)
        );
        assert_eq!(
            paris_day_start(date!(2026 - 10 - 25)),
            datetime!(2026-10-24 22:00 UTC)
        );
        for day in [
            date!(2026 - 03 - 29),
            date!(2026 - 10 - 25),
            date!(2026 - 12 - 05),
        ] {
            assert_eq!(date_in_paris(paris_day_start(day)), day);
            assert_eq!(
                date_in_paris(paris_day_start(day) - time::Duration::seconds(1)),
                day.previous_day().unwrap()
            );
        }
    }

    #[test]
    fn the_paris_day_follows_summer_time() {
        // Winter: 23:30 UTC is 00:30 the next day in Paris.
        assert_eq!(
            date_in_paris(datetime!(2026-11-25 23:30 UTC)),
            date!(2026 - 11 - 26)
        );
        assert_eq!(
            date_in_paris(datetime!(2026-11-25 22:59 UTC)),
            date!(2026 - 11 - 25)
        );
        // Summer: 22:30 UTC is 00:30 the next day.
        assert_eq!(
            date_in_paris(datetime!(2026-07-14 22:30 UTC)),
            date!(2026 - 07 - 15)
        );
        assert_eq!(
            date_in_paris(datetime!(2026-07-14 21:59 UTC)),
            date!(2026 - 07 - 14)
        );
        // The switches of 2026: 29 March and 25 October, at 01:00 UTC.
        assert_eq!(
            paris_offset(datetime!(2026-03-29 00:59 UTC)).whole_hours(),
            1
        );
        assert_eq!(
            paris_offset(datetime!(2026-03-29 01:00 UTC)).whole_hours(),
            2
        );
        assert_eq!(
            paris_offset(datetime!(2026-10-25 00:59 UTC)).whole_hours(),
            2
        );
        assert_eq!(
            paris_offset(datetime!(2026-10-25 01:00 UTC)).whole_hours(),
            1
        );
    }
}
