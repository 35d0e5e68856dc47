//! Serde helpers for `time` values, in the human-readable forms stored in DynamoDB.
//!
//! `time`'s own serde support writes a `Date` as a tuple unless its `serde-human-readable`
//! feature is on; these modules pin the ISO forms whatever features the workspace enables.

time::serde::format_description!(pub(crate) iso_date, Date, "[year]-[month]-[day]");

/// `OffsetDateTime` as RFC 3339 (`2026-03-01T09:30:00Z`).
pub(crate) use time::serde::rfc3339 as timestamp;
