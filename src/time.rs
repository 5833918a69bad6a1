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
