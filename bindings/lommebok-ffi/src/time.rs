//! Dates across the FFI: ISO 8601 / RFC 3339 text, parsed without panicking.

use chrono::{DateTime, TimeDelta, Utc};

use crate::LommebokError;

/// Parses an `xsd:dateTimeStamp` (RFC 3339 with a time zone, e.g. `2026-01-01T00:00:00Z`).
pub(crate) fn parse_time(name: &str, text: &str) -> Result<DateTime<Utc>, LommebokError> {
    lommebok::credential::parse_date_time_stamp(text).ok_or_else(|| {
        LommebokError::invalid(format!(
            "`{name}` must be an ISO 8601 date-time with a time zone (e.g. 2026-01-01T00:00:00Z)"
        ))
    })
}

/// A date-time as RFC 3339 text (`2026-01-01T00:00:00Z`), if there is one.
pub(crate) fn time_text(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

/// `(from, from + seconds)`, or an error when the end is past what dates can represent
/// (`DateTime + TimeDelta` would panic).
pub(crate) fn validity_window(
    from: DateTime<Utc>,
    seconds: u64,
) -> Result<(DateTime<Utc>, DateTime<Utc>), LommebokError> {
    let too_long =
        || LommebokError::invalid(format!("a validity of {seconds} seconds is too long"));
    let delta = i64::try_from(seconds)
        .ok()
        .and_then(TimeDelta::try_seconds)
        .ok_or_else(too_long)?;
    let until = from.checked_add_signed(delta).ok_or_else(too_long)?;
    Ok((from, until))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_window_refuses_overflow_instead_of_panicking() {
        let now = Utc::now();
        assert!(validity_window(now, 86_400).is_ok());
        assert!(validity_window(now, u64::MAX).is_err());
        assert!(validity_window(now, i64::MAX as u64).is_err());
        assert!(validity_window(DateTime::<Utc>::MAX_UTC, 1).is_err());
    }

    #[test]
    fn dates_need_a_time_zone() {
        assert!(parse_time("t", "2026-01-01T00:00:00Z").is_ok());
        assert!(parse_time("t", "2026-01-01T00:00:00+01:00").is_ok());
        for bad in [
            "",
            "2026-01-01",
            "2026-01-01T00:00:00",
            "2026-13-01T00:00:00Z",
            "now",
        ] {
            assert!(parse_time("t", bad).is_err(), "{bad}");
        }
    }
}
