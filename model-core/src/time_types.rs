//! The `time` crate's date and time types as columns (feature `time`). Each is stored as the
//! chrono type of the same meaning, converted exactly (to the nanosecond, in range), so the two
//! crates share one column type per kind and one binding per backend.

use chrono::{Datelike, Timelike};

use crate::column_type::{ColumnType, ValueError};
use crate::sql_type::SqlType;
use crate::value::Value;

fn to_chrono_date(date: time::Date) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_ymd_opt(
        date.year(),
        u32::from(u8::from(date.month())),
        u32::from(date.day()),
    )
}

fn from_chrono_date(date: chrono::NaiveDate) -> Result<time::Date, ValueError> {
    let month = u8::try_from(date.month())
        .ok()
        .and_then(|m| time::Month::try_from(m).ok());
    let day = u8::try_from(date.day()).ok();
    match (month, day) {
        (Some(month), Some(day)) => time::Date::from_calendar_date(date.year(), month, day)
            .map_err(|e| ValueError::new(format!("the stored date {date} is out of range: {e}"))),
        _ => Err(ValueError::new(format!(
            "the stored date {date} is out of range"
        ))),
    }
}

fn to_chrono_time(t: time::Time) -> Option<chrono::NaiveTime> {
    chrono::NaiveTime::from_hms_nano_opt(
        u32::from(t.hour()),
        u32::from(t.minute()),
        u32::from(t.second()),
        t.nanosecond(),
    )
}

fn from_chrono_time(t: chrono::NaiveTime) -> Result<time::Time, ValueError> {
    // chrono keeps a leap second as a nanosecond count past 1e9, which `time` has no room for.
    let nanos = t.nanosecond().min(999_999_999);
    let part = |v: u32| u8::try_from(v).unwrap_or(u8::MAX);
    time::Time::from_hms_nano(part(t.hour()), part(t.minute()), part(t.second()), nanos)
        .map_err(|e| ValueError::new(format!("the stored time {t} is out of range: {e}")))
}

/// The value of a conversion that cannot fail for values `time` can hold; `None` would be a
/// date outside chrono's range, which is far wider than `time`'s.
fn or_invalid(value: Option<Value>, what: &str) -> Value {
    value.unwrap_or_else(|| Value::Invalid(format!("{what} is outside the range of a column")))
}

impl ColumnType for time::Date {
    type Base = Self;
    const SQL_TYPE: SqlType = SqlType::Date;
    fn to_value(&self) -> Value {
        or_invalid(to_chrono_date(*self).map(Value::Date), "the date")
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Date(date) => from_chrono_date(date),
            other => Err(ValueError::unexpected(&other, Self::SQL_TYPE)),
        }
    }
}

impl ColumnType for time::Time {
    type Base = Self;
    const SQL_TYPE: SqlType = SqlType::Time;
    fn to_value(&self) -> Value {
        or_invalid(to_chrono_time(*self).map(Value::Time), "the time")
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Time(t) => from_chrono_time(t),
            other => Err(ValueError::unexpected(&other, Self::SQL_TYPE)),
        }
    }
}

impl ColumnType for time::PrimitiveDateTime {
    type Base = Self;
    const SQL_TYPE: SqlType = SqlType::Timestamp;
    fn to_value(&self) -> Value {
        let value = to_chrono_date(self.date())
            .zip(to_chrono_time(self.time()))
            .map(|(d, t)| Value::Timestamp(d.and_time(t)));
        or_invalid(value, "the timestamp")
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Timestamp(at) => Ok(time::PrimitiveDateTime::new(
                from_chrono_date(at.date())?,
                from_chrono_time(at.time())?,
            )),
            other => Err(ValueError::unexpected(&other, Self::SQL_TYPE)),
        }
    }
}

/// Stored in UTC, as `DateTime<Utc>` is; read back with the UTC offset.
impl ColumnType for time::OffsetDateTime {
    type Base = Self;
    const SQL_TYPE: SqlType = SqlType::TimestampTz;
    fn to_value(&self) -> Value {
        // The instant itself, whatever the offset (moving to UTC first could leave `time`'s
        // range near its ends).
        let value = chrono::DateTime::from_timestamp(self.unix_timestamp(), self.nanosecond())
            .map(Value::TimestampTz);
        or_invalid(value, "the timestamp")
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::TimestampTz(at) => {
                let nanos = i128::from(at.timestamp()) * 1_000_000_000
                    + i128::from(at.timestamp_subsec_nanos().min(999_999_999));
                time::OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|e| {
                    ValueError::new(format!("the stored timestamp {at} is out of range: {e}"))
                })
            }
            other => Err(ValueError::unexpected(&other, Self::SQL_TYPE)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The last instant `time` holds, seen from an offset behind UTC, is still a value (moving
    /// it to UTC first would leave `time`'s range).
    #[test]
    fn instants_near_the_ends_of_the_range_convert() {
        let last = time::PrimitiveDateTime::new(
            time::Date::from_calendar_date(9999, time::Month::December, 31).unwrap(),
            time::Time::from_hms(23, 0, 0).unwrap(),
        )
        .assume_offset(time::UtcOffset::from_hms(-5, 0, 0).unwrap());
        let value = ColumnType::to_value(&last);
        assert!(matches!(value, Value::TimestampTz(_)), "{value:?}");
        let back = <time::OffsetDateTime as ColumnType>::from_value(value);
        // chrono holds it; `time` cannot hold it at UTC, which reading says as an error.
        assert!(back.is_err() || back.unwrap() == last);
    }
}
