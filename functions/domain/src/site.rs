//! A practice site (*lieu d'exercice*): the establishment where a professional works, from a
//! start date, until an optional departure date (FAQ-R4, FAQ-R6).
//!
//! The departure date (`end`) is the last day at the establishment, inclusive: the site is
//! active on that day and the purge removes it from the next day on. A departure may be
//! recorded ahead of time and cancelled until the day itself.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::dates::iso_date;
use crate::finess::Finess;

/// Where and since when a professional practises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredSite", into = "StoredSite")]
pub struct PracticeSite {
    establishment: Finess,
    start: Date,
    end: Option<Date>,
}

/// Why a departure cannot be recorded or cancelled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteError {
    #[error(
        "La date de départ ne peut pas être dans le passé : indiquez aujourd'hui ou une date à venir."
    )]
    DepartureInPast,
    #[error("La date de départ ne peut pas précéder la date d'arrivée dans l'établissement.")]
    DepartureBeforeStart,
    #[error(
        "Ce professionnel a déjà quitté cet établissement : son départ ne peut plus être modifié."
    )]
    AlreadyLeft,
    #[error("Aucun départ n'est enregistré pour ce lieu d'exercice.")]
    NoDepartureRecorded,
    #[error("Le départ ne peut plus être annulé : la date de départ est atteinte.")]
    TooLateToCancel,
}

impl SiteError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            SiteError::DepartureInPast => "site.departure_in_past",
            SiteError::DepartureBeforeStart => "site.departure_before_start",
            SiteError::AlreadyLeft => "site.already_left",
            SiteError::NoDepartureRecorded => "site.no_departure",
            SiteError::TooLateToCancel => "site.too_late_to_cancel",
        }
    }
}

impl PracticeSite {
    /// A site at `establishment` from `start`, with no departure.
    pub fn new(establishment: Finess, start: Date) -> Self {
        Self {
            establishment,
            start,
            end: None,
        }
    }

    pub fn establishment(&self) -> &Finess {
        &self.establishment
    }

    pub fn start(&self) -> Date {
        self.start
    }

    /// The departure date (last day, inclusive), if one is recorded.
    pub fn end(&self) -> Option<Date> {
        self.end
    }

    /// Records (or moves) the departure on `date` (FAQ-R6): `date` must be `today` or later and
    /// not before the start; a departure already reached cannot be changed.
    pub fn end_on(&mut self, date: Date, today: Date) -> Result<(), SiteError> {
        if self.end.is_some_and(|end| end < today) {
            return Err(SiteError::AlreadyLeft);
        }
        if date < today {
            return Err(SiteError::DepartureInPast);
        }
        if date < self.start {
            return Err(SiteError::DepartureBeforeStart);
        }
        self.end = Some(date);
        Ok(())
    }

    /// Cancels a departure recorded ahead of time; allowed only before the departure date.
    pub fn cancel_departure(&mut self, today: Date) -> Result<(), SiteError> {
        match self.end {
            None => Err(SiteError::NoDepartureRecorded),
            Some(end) if today >= end => Err(SiteError::TooLateToCancel),
            Some(_) => {
                self.end = None;
                Ok(())
            }
        }
    }

    /// Whether the professional practises there on `date` (start and end inclusive).
    pub fn is_active_on(&self, date: Date) -> bool {
        self.start <= date && self.end.is_none_or(|end| date <= end)
    }

    /// Whether the departure date has passed, so the purge must remove the site (FAQ-R6).
    pub fn is_due_for_purge(&self, today: Date) -> bool {
        self.end.is_some_and(|end| end < today)
    }
}

/// Stored shape of a site; loading checks that the departure is not before the start.
#[derive(Serialize, Deserialize)]
struct StoredSite {
    establishment: Finess,
    #[serde(with = "iso_date")]
    start: Date,
    // Absent rather than null when there is none: a stored null would not read back through
    // `#[serde(flatten)]` (the date format's visitor takes no unit value).
    #[serde(
        with = "iso_date::option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    end: Option<Date>,
}

impl TryFrom<StoredSite> for PracticeSite {
    type Error = SiteError;

    fn try_from(value: StoredSite) -> Result<Self, Self::Error> {
        if value.end.is_some_and(|end| end < value.start) {
            return Err(SiteError::DepartureBeforeStart);
        }
        Ok(Self {
            establishment: value.establishment,
            start: value.start,
            end: value.end,
        })
    }
}

impl From<PracticeSite> for StoredSite {
    fn from(value: PracticeSite) -> Self {
        Self {
            establishment: value.establishment,
            start: value.start,
            end: value.end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn site() -> PracticeSite {
        PracticeSite::new(
            Finess::parse("010000024").expect("valid"),
            date!(2025 - 01 - 06),
        )
    }

    const TODAY: Date = date!(2026 - 03 - 01);

    #[test]
    fn faq_r6_departure_today_or_later() {
        let mut s = site();
        assert_eq!(
            s.end_on(date!(2026 - 02 - 28), TODAY),
            Err(SiteError::DepartureInPast)
        );
        assert_eq!(s.end_on(TODAY, TODAY), Ok(()));
        assert_eq!(s.end(), Some(TODAY));
        assert!(s.is_active_on(TODAY));
        assert!(!s.is_due_for_purge(TODAY));
        assert!(s.is_due_for_purge(date!(2026 - 03 - 02)));
    }

    #[test]
    fn faq_r6_departure_recorded_ahead_of_time() {
        let mut s = site();
        s.end_on(date!(2026 - 06 - 30), TODAY)
            .expect("ahead of time");
        assert!(s.is_active_on(date!(2026 - 06 - 30)));
        assert!(!s.is_active_on(date!(2026 - 07 - 01)));
        // Moved while it has not happened yet.
        s.end_on(date!(2026 - 05 - 31), TODAY).expect("moved");
        assert_eq!(s.end(), Some(date!(2026 - 05 - 31)));
    }

    #[test]
    fn departure_not_before_start() {
        let mut s = PracticeSite::new(
            Finess::parse("010000024").expect("valid"),
            date!(2026 - 04 - 01),
        );
        let err = s
            .end_on(date!(2026 - 03 - 15), TODAY)
            .expect_err("before start");
        assert_eq!(err, SiteError::DepartureBeforeStart);
        assert_eq!(err.code(), "site.departure_before_start");
        assert!(!s.is_active_on(TODAY));
        assert!(s.is_active_on(date!(2026 - 04 - 01)));
    }

    #[test]
    fn a_past_departure_is_final() {
        let mut s = site();
        s.end_on(date!(2026 - 03 - 10), TODAY).expect("ahead");
        let later = date!(2026 - 03 - 20);
        assert_eq!(
            s.end_on(date!(2026 - 04 - 01), later),
            Err(SiteError::AlreadyLeft)
        );
        assert_eq!(s.cancel_departure(later), Err(SiteError::TooLateToCancel));
    }

    #[test]
    fn cancel_only_before_the_departure_date() {
        let mut s = site();
        assert_eq!(
            s.cancel_departure(TODAY),
            Err(SiteError::NoDepartureRecorded)
        );
        s.end_on(date!(2026 - 03 - 10), TODAY).expect("ahead");
        assert_eq!(
            s.cancel_departure(date!(2026 - 03 - 10)),
            Err(SiteError::TooLateToCancel)
        );
        assert_eq!(s.cancel_departure(date!(2026 - 03 - 09)), Ok(()));
        assert_eq!(s.end(), None);
        assert!(s.is_active_on(date!(2030 - 01 - 01)));
    }

    #[test]
    fn serde_round_trip_with_iso_dates() {
        let mut s = site();
        let json = serde_json::to_string(&s).expect("ser");
        assert_eq!(
            json,
            r#"{"establishment":"010000024","start":"2025-01-06"}"#
        );
        assert_eq!(
            serde_json::from_str::<PracticeSite>(&json).ok(),
            Some(s.clone())
        );
        // An explicit null (older records) reads the same.
        assert_eq!(
            serde_json::from_str::<PracticeSite>(
                r#"{"establishment":"010000024","start":"2025-01-06","end":null}"#
            )
            .ok(),
            Some(s.clone())
        );
        s.end_on(date!(2026 - 06 - 30), TODAY).expect("end");
        let json = serde_json::to_string(&s).expect("ser");
        assert_eq!(serde_json::from_str::<PracticeSite>(&json).ok(), Some(s));
        let without_end = r#"{"establishment":"010000024","start":"2025-01-06"}"#;
        assert!(serde_json::from_str::<PracticeSite>(without_end).is_ok());
        let inverted = r#"{"establishment":"010000024","start":"2025-01-06","end":"2024-01-01"}"#;
        assert!(serde_json::from_str::<PracticeSite>(inverted).is_err());
    }
}
