//! UTC timestamps in RFC 3339 (`2026-05-01T12:00:00Z`), formatted by hand from the system clock.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::policy::Date;

/// Formats Unix seconds as RFC 3339 UTC with seconds precision: `2024-01-01T00:00:00Z`.
pub fn rfc3339(secs: i64) -> String {
    rfc3339_millis(secs, None)
}

/// Formats Unix seconds (and optional milliseconds) as RFC 3339 UTC.
fn rfc3339_millis(secs: i64, millis: Option<u32>) -> String {
    let date = Date::from_unix(secs);
    let tod = secs.rem_euclid(86_400);
    let (h, m, s) = (tod / 3600, (tod % 3600) / 60, tod % 60);
    match millis {
        Some(ms) => format!("{date}T{h:02}:{m:02}:{s:02}.{ms:03}Z"),
        None => format!("{date}T{h:02}:{m:02}:{s:02}Z"),
    }
}

/// The current UTC time in RFC 3339 with milliseconds: `2026-05-01T12:00:00.123Z`.
/// A clock before 1970 reads as the epoch.
pub fn now() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2);
    rfc3339_millis(secs, Some(d.subsec_millis()))
}

/// The ISO 8601 week of a Unix timestamp (UTC): `(iso_year, week)`, e.g. `(2024, 1)`.
pub fn iso_week(secs: i64) -> (i32, u32) {
    let days = secs.div_euclid(86_400);
    // 1970-01-01 was a Thursday: Monday = 0 … Sunday = 6.
    let weekday = (days + 3).rem_euclid(7);
    let thursday = days - weekday + 3;
    let t = Date::from_unix(thursday * 86_400);
    let jan1 = Date {
        year: t.year,
        month: 1,
        day: 1,
    };
    let week = (thursday - jan1.to_days()) / 7 + 1;
    (t.year, u32::try_from(week).unwrap_or(1))
}

/// The label of an ISO week: `2024-W01`.
pub fn week_label(secs: i64) -> String {
    let (y, w) = iso_week(secs);
    format!("{y:04}-W{w:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_704_067_200 + 3661), "2024-01-01T01:01:01Z");
        assert_eq!(rfc3339(951_782_400 + 86_399), "2000-02-29T23:59:59Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339_millis(0, Some(7)), "1970-01-01T00:00:00.007Z");
        let n = now();
        assert_eq!(n.len(), "2026-05-01T12:00:00.123Z".len(), "{n}");
        assert!(n.ends_with('Z'));
    }

    #[test]
    fn iso_weeks() {
        let day = |y, m, d| {
            Date {
                year: y,
                month: m,
                day: d,
            }
            .to_days()
                * 86_400
        };
        assert_eq!(week_label(day(2024, 1, 1)), "2024-W01"); // a Monday
        assert_eq!(week_label(day(2024, 1, 7)), "2024-W01"); // Sunday
        assert_eq!(week_label(day(2024, 1, 8)), "2024-W02");
        assert_eq!(week_label(day(2021, 1, 3)), "2020-W53"); // belongs to 2020
        assert_eq!(week_label(day(2019, 12, 30)), "2020-W01"); // belongs to 2020
        assert_eq!(week_label(day(2026, 12, 31)), "2026-W53");
        assert_eq!(week_label(0), "1970-W01");
    }
}
