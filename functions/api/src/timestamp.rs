//! Times in JSON answers: RFC 3339 strings, UTC (`2026-11-26T10:48:37.852Z`). `json!` on an
//! `OffsetDateTime` would give the `time` crate's compact array form instead: build answers with
//! these.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `at` as an RFC 3339 string in UTC.
pub fn timestamp(at: OffsetDateTime) -> Value {
    Value::String(
        at.to_offset(time::UtcOffset::UTC)
            .format(&Rfc3339)
            .unwrap_or_default(),
    )
}

/// `Some(at)` as [`timestamp`], `None` as `null`.
pub fn timestamp_opt(at: Option<OffsetDateTime>) -> Value {
    at.map_or(Value::Null, timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_are_rfc3339_strings_in_utc() {
        assert_eq!(
            timestamp(datetime!(2026-11-26 11:48:37.5 +01:00)),
            Value::String("2026-11-26T10:48:37.5Z".into())
        );
        assert_eq!(timestamp_opt(None), Value::Null);
    }
}
