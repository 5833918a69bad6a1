//! Wall-clock time from the caller, and Cognito's `TIMESTAMP` string.

use alloc::string::String;
use core::fmt::Write;

use crate::error::{Error, Misuse};

/// Wall-clock time handed in by the caller: whole seconds since the Unix epoch, UTC.
///
/// The crate never reads a clock; every operation that needs the time takes one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(pub u64);

/// First second of the year 10000: Cognito's four-digit year cannot express it.
const END_OF_YEAR_9999: u64 = 253_402_300_800;

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl UnixTime {
    /// The `TIMESTAMP` string Cognito expects in `PASSWORD_VERIFIER` and
    /// `DEVICE_PASSWORD_VERIFIER` answers: `EEE MMM d HH:mm:ss UTC yyyy` in English, for
    /// example `Tue Mar 5 04:05:06 UTC 2024`. The day of the month is not padded; hours,
    /// minutes and seconds are.
    ///
    /// # Errors
    /// [`Misuse::TimeOutOfRange`] after the last second of the year 9999.
    ///
    /// ```
    /// use cognito_signin::UnixTime;
    /// assert_eq!(UnixTime(1_709_611_506).cognito_timestamp()?, "Tue Mar 5 04:05:06 UTC 2024");
    /// # Ok::<(), cognito_signin::Error>(())
    /// ```
    pub fn cognito_timestamp(self) -> Result<String, Error> {
        if self.0 >= END_OF_YEAR_9999 {
            return Err(Misuse::TimeOutOfRange.into());
        }
        let days = self.0 / 86_400;
        let secs = self.0 % 86_400;
        let (year, month, day) = civil_from_days(days);
        let weekday = WEEKDAYS
            .get(((days + 4) % 7) as usize)
            .copied()
            .unwrap_or("Sun");
        let month = MONTHS.get((month - 1) as usize).copied().unwrap_or("Jan");
        let mut out = String::with_capacity(28);
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "{weekday} {month} {day} {:02}:{:02}:{:02} UTC {year}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        );
        Ok(out)
    }
}

/// Reads an HTTP `Date` header in the IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37 GMT`) as
/// Unix seconds; `None` for anything else.
pub(crate) fn parse_http_date(text: &str) -> Option<u64> {
    let mut parts = text.split_ascii_whitespace();
    let _weekday = parts.next()?;
    let day: u64 = parts.next()?.parse().ok()?;
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|&m| m == month_name)? as u64 + 1;
    let year: u64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if parts.next()? != "GMT" || parts.next().is_some() || hms.next().is_some() {
        return None;
    }
    if !(1970..=9999).contains(&year) || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s)
}

/// Reads Cognito's `TIMESTAMP` (`Tue Mar 5 04:05:06 UTC 2024`) as Unix seconds: the inverse
/// of [`UnixTime::cognito_timestamp`], for the reference user pool.
#[cfg(feature = "server")]
pub(crate) fn parse_cognito_timestamp(text: &str) -> Option<u64> {
    let mut p = text.split(' ');
    let weekday = p.next()?;
    if !WEEKDAYS.contains(&weekday) {
        return None;
    }
    let month_name = p.next()?;
    if !MONTHS.contains(&month_name) {
        return None;
    }
    let day: u64 = p.next()?.parse().ok()?;
    let mut hms = p.next()?.split(':').map(|x| x.parse::<u64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if p.next()? != "UTC" {
        return None;
    }
    let year: u64 = p.next()?.parse().ok()?;
    if p.next().is_some() || !(1970..=9999).contains(&year) || !(1..=31).contains(&day) {
        return None;
    }
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    let http = alloc::format!("{weekday}, {day:02} {month_name} {year} {h:02}:{m:02}:{s:02} GMT");
    parse_http_date(&http)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (year ≥ 1970).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).saturating_sub(719_468)
}

/// Proleptic Gregorian (year, month 1..=12, day 1..=31) of a day count since 1970-01-01.
/// Days are non-negative here, so the era arithmetic stays unsigned.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01 so that leap days fall at the end of each year.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097; // day of era, 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // 0..=365
    let mp = (5 * doy + 2) / 153; // March = 0
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(feature = "std")]
impl From<std::time::SystemTime> for UnixTime {
    /// Whole seconds since the epoch; times before 1970 become 0.
    fn from(t: std::time::SystemTime) -> Self {
        Self(
            t.duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_http_date("Thu, 26 Nov 2026 05:34:20 GMT"),
            Some(1_795_671_260)
        );
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"), None);
        assert_eq!(parse_http_date("garbage"), None);
        assert_eq!(parse_http_date(""), None);
        for t in (0..253_402_300_800u64).step_by(86_399 * 7 + 3607) {
            let ts = UnixTime(t).cognito_timestamp().unwrap();
            // "Tue Mar 5 04:05:06 UTC 2024" -> "Tue, 5 Mar 2024 04:05:06 GMT"
            let p: alloc::vec::Vec<&str> = ts.split(' ').collect();
            let http = alloc::format!("{}, {} {} {} {} GMT", p[0], p[2], p[1], p[5], p[3]);
            assert_eq!(parse_http_date(&http), Some(t), "{http}");
        }
    }

    #[cfg(feature = "server")]
    #[test]
    fn timestamps_round_trip() {
        for t in [0u64, 1_709_611_506, 253_402_300_799] {
            let parsed = UnixTime(t)
                .cognito_timestamp()
                .map(|s| parse_cognito_timestamp(&s));
            assert_eq!(parsed, Ok(Some(t)), "{t}");
        }
        assert_eq!(
            parse_cognito_timestamp("Tue Mar 05 04:05:06 UTC 2024"),
            Some(1_709_611_506)
        );
        assert_eq!(parse_cognito_timestamp("Do Mar 5 04:05:06 UTC 2024"), None);
        assert_eq!(parse_cognito_timestamp("Tue Mar 5 04:05:06 GMT 2024"), None);
    }

    #[test]
    fn known_dates() {
        assert_eq!(
            UnixTime(0).cognito_timestamp().unwrap(),
            "Thu Jan 1 00:00:00 UTC 1970"
        );
        assert_eq!(
            UnixTime(951_782_400).cognito_timestamp().unwrap(),
            "Tue Feb 29 00:00:00 UTC 2000"
        );
        assert_eq!(
            UnixTime(END_OF_YEAR_9999 - 1).cognito_timestamp().unwrap(),
            "Fri Dec 31 23:59:59 UTC 9999"
        );
        assert_eq!(
            UnixTime(END_OF_YEAR_9999).cognito_timestamp(),
            Err(Error::Misuse(Misuse::TimeOutOfRange))
        );
    }
}
