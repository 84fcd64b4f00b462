//! Time, in one place: civil dates ([`Date`], for waiver expiry) and UTC timestamps in
//! RFC 3339 (`2026-05-01T12:00:00Z`), formatted by hand from the system clock.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// A civil date (UTC), `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month 1–12.
    pub month: u32,
    /// Day 1–31.
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD` (a real calendar date).
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.trim().splitn(3, '-');
        let (y, m, d) = (it.next()?, it.next()?, it.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month: u32 = m.parse().ok()?;
        let day: u32 = d.parse().ok()?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// The UTC date of a Unix timestamp.
    pub fn from_unix(secs: i64) -> Date {
        // Howard Hinnant's civil_from_days.
        let z = secs.div_euclid(86_400) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        Date {
            year: (if m <= 2 { y + 1 } else { y }) as i32,
            month: m,
            day: d,
        }
    }

    /// Days since 1970-01-01.
    pub fn to_days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Today's UTC date from the system clock. A clock before 1970 (or beyond any real date)
    /// is an error, exit 2: reading it as 1970-01-01 would make every waiver look unexpired.
    pub fn today() -> crate::Result<Date> {
        Date::at(SystemTime::now())
    }

    /// The UTC date at `t`; an error before 1970-01-01 or after the year 9999.
    pub fn at(t: SystemTime) -> crate::Result<Date> {
        let bad = |what: &str| {
            crate::Error::input(format!(
                "the system clock reads {what}; countersign needs today's date to check waiver expiry"
            ))
            .with_help("set the system clock to the correct date and time (e.g. enable NTP)")
        };
        let secs = t
            .duration_since(UNIX_EPOCH)
            .map_err(|_| bad("a time before 1970-01-01"))?
            .as_secs();
        match i64::try_from(secs) {
            Ok(s) if s < 253_402_300_800 => Ok(Date::from_unix(s)),
            _ => Err(bad("a time after the year 9999")),
        }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

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
    fn a_clock_before_1970_is_an_error() {
        use std::time::Duration;
        let before = UNIX_EPOCH.checked_sub(Duration::from_secs(1));
        let e = before.map(Date::at).expect("representable").unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::Input);
        assert!(e.message.contains("before 1970"), "{}", e.message);
        let day = UNIX_EPOCH + Duration::from_secs(20_000 * 86_400 + 5);
        assert_eq!(
            Date::at(day).map(|d| d.to_string()).ok().as_deref(),
            Some("2024-10-04")
        );
        assert_eq!(
            Date::at(UNIX_EPOCH).map(|d| d.to_string()).ok().as_deref(),
            Some("1970-01-01")
        );
        let far = UNIX_EPOCH + Duration::from_secs(300_000_000_000);
        assert!(Date::at(far).is_err());
        assert!(Date::today().is_ok());
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
