//! Timestamps and dates written into JSON: every instant in RFC 3339, UTC, with exactly six fraction digits
//! (microseconds, PostgreSQL's precision), so that clients parsing with a fixed pattern never meet a timestamp without
//! a fraction (chrono's own `Serialize` drops it when it is zero, and writes 3, 6 or 9 digits as needed).
//!
//! Written by hand because chrono serialises through `collect_str`, which makes serde_json escape its output one character at a time; on a
//! list page of twenty complaints that was an eighth of the service's CPU time, and formatting through
//! `core::fmt` into a fresh `String` was another few percent. These functions write the digits into a buffer on the
//! stack and hand it over whole. Use them on the fields of large, hot responses (`serialize_with`); the OpenAPI
//! schema is unchanged because the field types are.

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use serde::Serializer;

/// An instant as RFC 3339 in UTC with `Z` and six fraction digits (`2026-11-28T03:03:49.248213Z`; nanoseconds are cut).
pub fn instant<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let nanos = at.timestamp_subsec_nanos();
    let seconds = at.timestamp();
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    // Years outside 0000-9999 take a sign and leap seconds a 60th second: rare enough to leave to chrono.
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Micros, true));
    }
    let second_of_day = seconds.rem_euclid(86_400) as u32;
    let mut text = [0u8; 30];
    write_date(&mut text, year as u32, month, day);
    text[10] = b'T';
    write_digits(&mut text[11..13], second_of_day / 3600);
    text[13] = b':';
    write_digits(&mut text[14..16], second_of_day / 60 % 60);
    text[16] = b':';
    write_digits(&mut text[17..19], second_of_day % 60);
    text[19] = b'.';
    write_digits(&mut text[20..26], nanos / 1_000);
    text[26] = b'Z';
    serializer.serialize_str(ascii(&text[..27]))
}

/// [`instant`], or `null`.
pub fn optional_instant<S: Serializer>(at: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => instant(at, serializer),
        None => serializer.serialize_none(),
    }
}

/// A calendar date as `YYYY-MM-DD`.
pub fn date<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
    if !(0..=9999).contains(&date.year()) {
        return serializer.serialize_str(&date.to_string());
    }
    let mut text = [0u8; 10];
    write_date(&mut text, date.year() as u32, date.month(), date.day());
    serializer.serialize_str(ascii(&text))
}

/// [`date`], or `null`.
pub fn optional_date<S: Serializer>(day: &Option<NaiveDate>, serializer: S) -> Result<S::Ok, S::Error> {
    match day {
        Some(day) => date(day, serializer),
        None => serializer.serialize_none(),
    }
}

/// Writes `YYYY-MM-DD` (a year of 0 to 9999) into the first ten bytes.
fn write_date(text: &mut [u8], year: u32, month: u32, day: u32) {
    write_digits(&mut text[0..4], year);
    text[4] = b'-';
    write_digits(&mut text[5..7], month);
    text[7] = b'-';
    write_digits(&mut text[8..10], day);
}

/// Year, month and day of the proleptic Gregorian calendar `days` after 1970-01-01: the civil-from-days algorithm
/// published by Howard Hinnant, in plain integer arithmetic (chrono's way through its packed dates cost several
/// times more, 140 times per list page). Counts in 400-year eras starting on 1 March, so leap days fall last.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468; // days from 0000-03-01
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 } as u32;
    (era * 400 + year_of_era + i64::from(month <= 2), month, day)
}

/// Writes the last `text.len()` decimal digits of `value`, zero-padded.
fn write_digits(text: &mut [u8], mut value: u32) {
    for digit in text.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// The buffers above hold ASCII digits and punctuation only.
fn ascii(text: &[u8]) -> &str {
    std::str::from_utf8(text).expect("only ASCII was written")
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde::Serialize;

    use super::*;

    #[derive(Serialize)]
    struct Fast {
        #[serde(serialize_with = "instant")]
        at: DateTime<Utc>,
        #[serde(serialize_with = "optional_instant")]
        maybe: Option<DateTime<Utc>>,
        #[serde(serialize_with = "date")]
        day: NaiveDate,
        #[serde(serialize_with = "optional_date")]
        maybe_day: Option<NaiveDate>,
    }

    fn micros<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Micros, true))
    }

    fn optional_micros<S: Serializer>(at: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => micros(at, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// What chrono writes with `SecondsFormat::Micros`.
    #[derive(Serialize)]
    struct Chrono {
        #[serde(serialize_with = "micros")]
        at: DateTime<Utc>,
        #[serde(serialize_with = "optional_micros")]
        maybe: Option<DateTime<Utc>>,
        day: NaiveDate,
        maybe_day: Option<NaiveDate>,
    }

    #[test]
    fn civil_dates_agree_with_chrono_on_every_day_from_year_0_to_9999() {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        let mut day = NaiveDate::from_ymd_opt(0, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
        while day <= last {
            let (year, month, dom) = civil_from_days((day - epoch).num_days());
            assert_eq!((year, month, dom), (i64::from(day.year()), day.month(), day.day()), "{day}");
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn the_output_is_chronos_with_six_fraction_digits() {
        let whole = Utc.with_ymd_and_hms(2026, 11, 28, 3, 3, 49).unwrap();
        let instants = [
            whole,
            whole + chrono::Duration::milliseconds(250),
            whole + chrono::Duration::microseconds(248_213),
            whole + chrono::Duration::nanoseconds(7),
            whole + chrono::Duration::microseconds(1),
            whole + chrono::Duration::milliseconds(999) + chrono::Duration::nanoseconds(999_999),
            Utc.with_ymd_and_hms(1999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(7, 1, 2, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).unwrap() + chrono::Duration::milliseconds(500),
            Utc.with_ymd_and_hms(2024, 2, 29, 12, 30, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap() + chrono::Duration::nanoseconds(10),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 6, 1, 12, 0, 0).unwrap(),
            // A leap second, which chrono writes as second 60.
            NaiveDate::from_ymd_opt(2016, 12, 31)
                .unwrap()
                .and_hms_nano_opt(23, 59, 59, 1_500_000_000)
                .unwrap()
                .and_utc(),
        ];
        let days = [
            NaiveDate::from_ymd_opt(2026, 3, 19).unwrap(),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(33, 10, 9).unwrap(),
            NaiveDate::from_ymd_opt(12345, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(-44, 3, 15).unwrap(),
        ];
        for at in instants {
            for day in days {
                for (maybe, maybe_day) in [(Some(at), Some(day)), (None, None)] {
                    let fast = serde_json::to_string(&Fast { at, maybe, day, maybe_day }).unwrap();
                    let chrono = serde_json::to_string(&Chrono { at, maybe, day, maybe_day }).unwrap();
                    assert_eq!(fast, chrono);
                }
            }
        }
    }

    #[test]
    fn every_instant_has_six_fraction_digits() {
        let whole = Utc.with_ymd_and_hms(2026, 11, 28, 3, 3, 49).unwrap();
        for (at, text) in [
            (whole, "\"2026-11-28T03:03:49.000000Z\""),
            (whole + chrono::Duration::milliseconds(250), "\"2026-11-28T03:03:49.250000Z\""),
            (whole + chrono::Duration::nanoseconds(1_999), "\"2026-11-28T03:03:49.000001Z\""),
        ] {
            let mut out = Vec::new();
            instant(&at, &mut serde_json::Serializer::new(&mut out)).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), text);
        }
    }
}
