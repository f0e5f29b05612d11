//! Dates and times as SQLite keeps them: text in the shapes its date functions accept, Unix
//! seconds or Julian day numbers. The shapes this crate writes (`2024-05-01 12:30:05.25`,
//! RFC 3339 for UTC timestamps) are written and read by hand, digit by digit: chrono's format
//! strings are parsed anew on every call, and on a SQLite lookup that parse cost more than the
//! statement. Every other shape goes through chrono, so what reads back is what chrono reads.

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc,
};
use rusqlite::types::ValueRef;

/// The text forms SQLite's date functions accept, most likely first: the slow path.
const FORMATS: [&str; 12] = [
    "%F %T%.f",
    "%F %R",
    "%F %RZ",
    "%F %R%:z",
    "%F %T%.fZ",
    "%F %T%.f%:z",
    "%FT%R",
    "%FT%RZ",
    "%FT%R%:z",
    "%FT%T%.f",
    "%FT%T%.fZ",
    "%FT%T%.f%:z",
];

/// The text forms of a time of day, for the slow path.
const TIME_FORMATS: [&str; 6] = ["%T%.f", "%R", "%RZ", "%T%.fZ", "%R%:z", "%T%.f%:z"];

/// `value` as chrono's `%F %T%.f` writes it (`2024-05-01 12:30:05.250`).
pub(super) fn timestamp_text(value: &NaiveDateTime) -> String {
    let mut out = String::with_capacity(29);
    if !push_date(&mut out, value.date()) || !push_time(&mut out, value.time(), Some(' ')) {
        return value.format("%F %T%.f").to_string();
    }
    out
}

/// A UTC timestamp as chrono's RFC 3339 with `+00:00` writes it
/// (`2024-05-01T12:30:05.250+00:00`).
pub(super) fn timestamp_tz_text(value: &DateTime<Utc>) -> String {
    let naive = value.naive_utc();
    let mut out = String::with_capacity(35);
    if !push_date(&mut out, naive.date()) || !push_time(&mut out, naive.time(), Some('T')) {
        return value.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
    }
    out.push_str("+00:00");
    out
}

/// A date as `%F` writes it (`2024-05-01`).
pub(super) fn date_text(value: &NaiveDate) -> String {
    let mut out = String::with_capacity(10);
    if !push_date(&mut out, *value) {
        return value.format("%F").to_string();
    }
    out
}

/// A time of day as `%T%.f` writes it (`12:30:05.250`).
pub(super) fn time_text(value: &NaiveTime) -> String {
    let mut out = String::with_capacity(18);
    if !push_time(&mut out, *value, None) {
        return value.format("%T%.f").to_string();
    }
    out
}

/// Appends `YYYY-MM-DD`; false for a year that is not four digits (chrono signs those).
fn push_date(out: &mut String, date: NaiveDate) -> bool {
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return false;
    }
    push_digits(out, year as u32, 4);
    out.push('-');
    push_digits(out, date.month(), 2);
    out.push('-');
    push_digits(out, date.day(), 2);
    true
}

/// Appends `<separator>HH:MM:SS` and the fraction as `%.f` writes it: none, or 3, 6 or 9
/// digits, the fewest that hold it. False for a leap second.
fn push_time(out: &mut String, time: NaiveTime, separator: Option<char>) -> bool {
    let nanos = time.nanosecond();
    if nanos >= 1_000_000_000 {
        return false;
    }
    if let Some(separator) = separator {
        out.push(separator);
    }
    push_digits(out, time.hour(), 2);
    out.push(':');
    push_digits(out, time.minute(), 2);
    out.push(':');
    push_digits(out, time.second(), 2);
    if nanos != 0 {
        out.push('.');
        if nanos.is_multiple_of(1_000_000) {
            push_digits(out, nanos / 1_000_000, 3);
        } else if nanos.is_multiple_of(1_000) {
            push_digits(out, nanos / 1_000, 6);
        } else {
            push_digits(out, nanos, 9);
        }
    }
    true
}

/// Appends `value` zero-padded to `width` digits (`value` has at most `width`).
fn push_digits(out: &mut String, value: u32, width: u32) {
    let mut divisor = 10u32.pow(width - 1);
    while divisor > 0 {
        out.push(char::from(b'0' + (value / divisor % 10) as u8));
        divisor /= 10;
    }
}

/// A timestamp without a zone as this crate writes it (`2024-05-01 12:30:05.25`; a year
/// past 9999 as chrono signs it); `None` for anything else.
pub(super) fn naive_timestamp(value: ValueRef<'_>) -> Option<NaiveDateTime> {
    let ValueRef::Text(bytes) = value else {
        return None;
    };
    match parse_naive(bytes) {
        Some((t, [])) => Some(t),
        _ => NaiveDateTime::parse_from_str(std::str::from_utf8(bytes).ok()?, FORMATS[0]).ok(),
    }
}

/// A timestamp stored as text (with or without an offset; without one it is UTC), as Unix
/// seconds (INTEGER) or as a Julian day number (REAL).
pub(super) fn timestamp(value: ValueRef<'_>) -> Option<DateTime<FixedOffset>> {
    match value {
        ValueRef::Text(bytes) => {
            let fast = parse_naive(bytes)
                .and_then(|(t, rest)| offset(rest)?.from_local_datetime(&t).single());
            if let Some(t) = fast {
                return Some(t);
            }
            by_chrono(std::str::from_utf8(bytes).ok()?)
        }
        ValueRef::Integer(seconds) => Utc.timestamp_opt(seconds, 0).single().map(Into::into),
        ValueRef::Real(julian) => {
            let seconds = (julian - 2_440_587.5) * 86_400.0;
            if !seconds.is_finite() {
                return None;
            }
            let whole = seconds.trunc();
            let nanos = ((seconds - whole).abs() * 1e9) as u32;
            Utc.timestamp_opt(whole as i64, nanos)
                .single()
                .map(Into::into)
        }
        _ => None,
    }
}

/// A timestamp's text read by chrono, in any of the forms SQLite accepts: the slow path.
fn by_chrono(text: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t);
    }
    FORMATS.iter().find_map(|format| {
        DateTime::parse_from_str(text, format).ok().or_else(|| {
            NaiveDateTime::parse_from_str(text, format)
                .ok()
                .map(|t| t.and_utc().fixed_offset())
        })
    })
}

/// A time of day's text read by chrono: the slow path.
fn time_by_chrono(text: &str) -> Option<NaiveTime> {
    TIME_FORMATS
        .iter()
        .find_map(|format| NaiveTime::parse_from_str(text, format).ok())
}

/// A date stored as `YYYY-MM-DD`.
pub(super) fn date(text: &str) -> Option<NaiveDate> {
    match parse_date(text.as_bytes()) {
        Some((date, [])) => Some(date),
        Some(_) => None,
        None => NaiveDate::parse_from_str(text, "%F").ok(),
    }
}

/// A time of day stored as text (`12:30`, `12:30:00.25`, with or without a zone suffix).
pub(super) fn time_of_day(text: &str) -> Option<NaiveTime> {
    if let Some((time, rest)) = parse_time(text.as_bytes())
        && offset(rest).is_some()
    {
        return Some(time);
    }
    time_by_chrono(text)
}

/// The offset a timestamp's text ends with: nothing or `Z` (UTC), or `+HH:MM` / `-HH:MM`.
fn offset(rest: &[u8]) -> Option<FixedOffset> {
    match rest {
        [] | [b'Z'] => FixedOffset::east_opt(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = number(&[*h1, *h2])?;
            let minutes = number(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = (hours * 3600 + minutes * 60) as i32;
            FixedOffset::east_opt(if *sign == b'-' { -seconds } else { seconds })
        }
        _ => None,
    }
}

/// `YYYY-MM-DD`, a space or `T`, then a time of day; the date-time and the text after it.
fn parse_naive(bytes: &[u8]) -> Option<(NaiveDateTime, &[u8])> {
    let (date, rest) = parse_date(bytes)?;
    let rest = match rest {
        [b' ' | b'T', rest @ ..] => rest,
        _ => return None,
    };
    let (time, rest) = parse_time(rest)?;
    Some((date.and_time(time), rest))
}

/// `YYYY-MM-DD` at the start of `bytes`, and what follows.
fn parse_date(bytes: &[u8]) -> Option<(NaiveDate, &[u8])> {
    match bytes {
        [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, rest @ ..] => {
            let year = number(&[*y0, *y1, *y2, *y3])?;
            let month = number(&[*m0, *m1])?;
            let day = number(&[*d0, *d1])?;
            Some((NaiveDate::from_ymd_opt(year as i32, month, day)?, rest))
        }
        _ => None,
    }
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.f` (one to nine digits) at the start of `bytes`, and
/// what follows.
fn parse_time(bytes: &[u8]) -> Option<(NaiveTime, &[u8])> {
    let [h0, h1, b':', m0, m1, rest @ ..] = bytes else {
        return None;
    };
    let hour = number(&[*h0, *h1])?;
    let minute = number(&[*m0, *m1])?;
    let (second, nanos, rest) = match rest {
        [b':', s0, s1, rest @ ..] => {
            let second = number(&[*s0, *s1])?;
            match rest {
                [b'.', fraction @ ..] => {
                    let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
                    if digits == 0 || digits > 9 {
                        return None;
                    }
                    let nanos = number(&fraction[..digits])? * 10u32.pow(9 - digits as u32);
                    (second, nanos, &fraction[digits..])
                }
                _ => (second, 0, rest),
            }
        }
        _ => (0, 0, rest),
    };
    if second > 59 {
        return None;
    }
    Some((
        NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?,
        rest,
    ))
}

/// The ASCII digits `digits` as a number; `None` if one is not a digit.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic spread of instants, with every fraction width.
    fn instants() -> impl Iterator<Item = NaiveDateTime> {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        (0..20_000).map(move |i| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let seconds = (seed % 400_000_000_000) as i64 - 62_000_000_000;
            let nanos = match i % 4 {
                0 => 0,
                1 => (seed >> 40) as u32 % 1000 * 1_000_000,
                2 => (seed >> 30) as u32 % 1_000_000 * 1000,
                _ => (seed >> 20) as u32 % 1_000_000_000,
            };
            DateTime::from_timestamp(seconds, nanos)
                .unwrap()
                .naive_utc()
        })
    }

    #[test]
    fn writes_what_chrono_writes() {
        for t in instants() {
            assert_eq!(timestamp_text(&t), t.format("%F %T%.f").to_string());
            let utc = t.and_utc();
            assert_eq!(
                timestamp_tz_text(&utc),
                utc.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
            );
            assert_eq!(date_text(&t.date()), t.date().format("%F").to_string());
            assert_eq!(time_text(&t.time()), t.time().format("%T%.f").to_string());
        }
    }

    #[test]
    fn reads_what_it_writes_and_what_chrono_reads() {
        for t in instants() {
            let text = timestamp_text(&t);
            assert_eq!(naive_timestamp(ValueRef::Text(text.as_bytes())), Some(t));
            let tz = timestamp_tz_text(&t.and_utc());
            assert_eq!(
                timestamp(ValueRef::Text(tz.as_bytes())),
                Some(t.and_utc().fixed_offset())
            );
            assert_eq!(date(&date_text(&t.date())), Some(t.date()));
            assert_eq!(time_of_day(&time_text(&t.time())), Some(t.time()));
        }
        for text in [
            "2024-05-01 12:30",
            "2024-05-01T12:30:05",
            "2024-05-01 12:30:05.1Z",
            "2024-05-01 12:30:05.123456789+05:30",
            "2024-05-01T12:30-08:00",
            "2024-05-01T12:30:05.5Z",
            "2024-02-29 00:00:00",
            "2024-02-30 00:00:00",
            "2024-05-01 24:00:00",
            "2024-05-01 12:30:60",
            "2024-05-01 12:30:05.",
            "2024-05-01 12:30:05.1234567891",
            "2024-05-01 12:30:05 ",
            "2024-5-01 12:30:05",
            "+12024-05-01 12:30:05",
            "2024-05-01X12:30:05",
            "2024-05-01 12:30:05+25:00",
            "2024-05-01 12:30:05+05",
            "not a date",
            "",
        ] {
            let bytes = ValueRef::Text(text.as_bytes());
            let chrono_any = by_chrono(text);
            assert_eq!(timestamp(bytes), chrono_any, "{text:?}");
            if let Some(naive) = naive_timestamp(bytes) {
                assert_eq!(Some(naive), chrono_any.map(|t| t.naive_local()), "{text:?}");
            }
        }
    }

    #[test]
    fn reads_dates_and_times_as_chrono_does() {
        for text in [
            "2024-05-01",
            "2024-02-30",
            "2024-5-1",
            "12024-05-01",
            "2024-05-01 ",
        ] {
            assert_eq!(
                date(text),
                NaiveDate::parse_from_str(text, "%F").ok(),
                "{text:?}"
            );
        }
        for text in [
            "12:30",
            "12:30:05",
            "12:30:05.25",
            "12:30Z",
            "12:30:05.25+02:00",
            "24:00",
            "12:60",
            "12:30:05.",
            "12:30:05 ",
        ] {
            assert_eq!(time_of_day(text), time_by_chrono(text), "{text:?}");
        }
    }
}
