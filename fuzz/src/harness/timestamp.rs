//! `timestamp`: arbitrary Unix seconds into Cognito's `TIMESTAMP`, compared with the `time`
//! crate's calendar (an independent computation), and the error past the year 9999.

use cognito_signin::{Error, Misuse, UnixTime};
use time::OffsetDateTime;
use time::macros::format_description;

use super::input::Input;

/// The last second Cognito's four-digit year can express, plus one.
pub const END_OF_YEAR_9999: u64 = 253_402_300_800;

/// `EEE MMM d HH:mm:ss UTC yyyy` for `secs`, by the `time` crate; `None` past 9999.
pub fn expected_timestamp(secs: u64) -> Option<String> {
    let t = OffsetDateTime::from_unix_timestamp(i64::try_from(secs).ok()?).ok()?;
    let format = format_description!(
        "[weekday repr:short] [month repr:short] [day padding:none] [hour]:[minute]:[second] UTC [year]"
    );
    let text = t.format(format).ok()?;
    // time formats years past 9999 with a sign; Cognito's format has four digits.
    (t.year() <= 9999).then_some(text)
}

/// The target.
pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    let raw = inp.u64();
    // Half the inputs are folded into the years 1970 to 9999, where the calendar is.
    let secs = if inp.byte() & 1 == 0 {
        raw % END_OF_YEAR_9999
    } else {
        raw
    };
    let got = UnixTime(secs).cognito_timestamp();
    match expected_timestamp(secs) {
        Some(want) => {
            assert!(secs < END_OF_YEAR_9999);
            assert_eq!(got.as_deref(), Ok(want.as_str()), "TIMESTAMP of {secs}");
            let text = got.unwrap_or_default();
            assert!(text.is_ascii() && (26..=28).contains(&text.len()));
        }
        None => {
            assert!(secs >= END_OF_YEAR_9999, "{secs} is before 10000");
            assert_eq!(got, Err(Error::Misuse(Misuse::TimeOutOfRange)));
        }
    }
    // Same input, same text.
    assert_eq!(
        UnixTime(secs).cognito_timestamp(),
        UnixTime(secs).cognito_timestamp()
    );
}
