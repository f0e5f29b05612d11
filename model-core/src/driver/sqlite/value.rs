//! Values in and out of SQLite: a [`Value`] bound as the storage class SQLite keeps it in, and a
//! stored value read back as the [`SqlType`] of its column. The encodings are the ones sqlx's
//! SQLite driver used, so files written before this executor read back the same: timestamps,
//! dates and times as text (`2024-05-01 12:30:00.5`, RFC 3339 with the offset for UTC
//! timestamps), UUIDs as 16-byte blobs, JSON and decimals as text, booleans as 0 and 1.

use rusqlite::types::{ToSqlOutput, ValueRef};

#[cfg(feature = "chrono")]
use super::datetime;
use crate::row::{DecodeError, RowReader};
use crate::sql_type::SqlType;
use crate::value::Value;

/// `value` as SQLite binds it: text and blobs borrowed, not copied.
pub(super) fn to_sql(value: &Value) -> Result<ToSqlOutput<'_>, sqlx::Error> {
    let output = match value {
        Value::Null(_) => ToSqlOutput::Borrowed(ValueRef::Null),
        Value::Bool(v) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*v))),
        Value::SmallInt(v) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*v))),
        Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*v))),
        Value::BigInt(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
        Value::Real(v) => ToSqlOutput::Borrowed(ValueRef::Real(finite(f64::from(*v))?)),
        Value::Double(v) => ToSqlOutput::Borrowed(ValueRef::Real(finite(*v)?)),
        Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
        Value::Blob(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
        #[cfg(feature = "chrono")]
        Value::Timestamp(v) => {
            ToSqlOutput::Owned(rusqlite::types::Value::Text(datetime::timestamp_text(v)))
        }
        #[cfg(feature = "chrono")]
        Value::TimestampTz(v) => {
            ToSqlOutput::Owned(rusqlite::types::Value::Text(datetime::timestamp_tz_text(v)))
        }
        #[cfg(feature = "chrono")]
        Value::Date(v) => ToSqlOutput::Owned(rusqlite::types::Value::Text(datetime::date_text(v))),
        #[cfg(feature = "chrono")]
        Value::Time(v) => ToSqlOutput::Owned(rusqlite::types::Value::Text(datetime::time_text(v))),
        #[cfg(feature = "uuid")]
        Value::Uuid(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v.as_bytes())),
        #[cfg(feature = "json")]
        Value::Json(v) => ToSqlOutput::Owned(rusqlite::types::Value::Text(v.to_string())),
        #[cfg(feature = "decimal")]
        Value::Decimal(v) => ToSqlOutput::Owned(rusqlite::types::Value::Text(v.to_string())),
        Value::Enum(_, label) => ToSqlOutput::Borrowed(ValueRef::Text(label.as_bytes())),
        Value::Array(..) => {
            return Err(sqlx::Error::Encode(
                crate::driver::binding::no_array_parameters("SQLite"),
            ));
        }
        Value::Default(_) | Value::Invalid(_) => {
            return Err(sqlx::Error::Encode(
                crate::driver::binding::unbindable(value).into(),
            ));
        }
    };
    Ok(output)
}

/// SQLite would store NaN as NULL: refused, rather than a NOT NULL error that points
/// elsewhere, or a nullable column that silently reads back None.
fn finite(value: f64) -> Result<f64, sqlx::Error> {
    if value.is_nan() {
        return Err(sqlx::Error::Encode(
            "SQLite cannot store or compare NaN (it would become NULL)".into(),
        ));
    }
    Ok(value)
}

/// The stored value `value` of column `index` read as type `ty`.
pub(super) fn decode(
    value: ValueRef<'_>,
    index: usize,
    ty: SqlType,
    nullable: bool,
) -> Result<Value, DecodeError> {
    let wrong = |expected: &str| {
        DecodeError::new(
            index,
            format!(
                "expected {expected} for a {ty:?} column, found {} {}",
                storage_class(value),
                shown(value)
            ),
        )
    };
    let int = |value: ValueRef<'_>| match value {
        ValueRef::Integer(v) => Ok(v),
        _ => Err(wrong("an INTEGER")),
    };
    let out_of_range = |v: i64, rust: &str| {
        DecodeError::new(index, format!("the stored value {v} does not fit {rust}"))
    };
    if value == ValueRef::Null {
        return if nullable {
            Ok(Value::Null(ty))
        } else {
            Err(DecodeError::new(
                index,
                "unexpected NULL in a NOT NULL column",
            ))
        };
    }
    match ty {
        SqlType::SmallInt => {
            let v = int(value)?;
            i16::try_from(v)
                .map(Value::SmallInt)
                .map_err(|_| out_of_range(v, "i16"))
        }
        SqlType::Integer => {
            let v = int(value)?;
            i32::try_from(v)
                .map(Value::Int)
                .map_err(|_| out_of_range(v, "i32"))
        }
        SqlType::BigInt => int(value).map(Value::BigInt),
        SqlType::Boolean => int(value).map(|v| Value::Bool(v != 0)),
        SqlType::Real => match value {
            ValueRef::Real(v) => Ok(Value::Real(v as f32)),
            ValueRef::Integer(v) => Ok(Value::Real(v as f32)),
            _ => Err(wrong("a REAL")),
        },
        SqlType::Double => match value {
            ValueRef::Real(v) => Ok(Value::Double(v)),
            ValueRef::Integer(v) => Ok(Value::Double(v as f64)),
            _ => Err(wrong("a REAL")),
        },
        SqlType::Text | SqlType::Enum(_) => match text(value, index) {
            Some(text) => text.map(|text| Value::Text(text.to_owned())),
            None => Err(wrong("TEXT")),
        },
        SqlType::Blob => match value {
            ValueRef::Blob(bytes) | ValueRef::Text(bytes) => Ok(Value::Blob(bytes.to_vec())),
            _ => Err(wrong("a BLOB")),
        },
        #[cfg(feature = "chrono")]
        SqlType::Timestamp => datetime::naive_timestamp(value)
            .or_else(|| datetime::timestamp(value).map(|t| t.naive_local()))
            .map(Value::Timestamp)
            .ok_or_else(|| wrong("a timestamp")),
        #[cfg(feature = "chrono")]
        SqlType::TimestampTz => datetime::timestamp(value)
            .map(|t| Value::TimestampTz(t.with_timezone(&chrono::Utc)))
            .ok_or_else(|| wrong("a timestamp")),
        #[cfg(feature = "chrono")]
        SqlType::Date => text(value, index)
            .transpose()?
            .and_then(datetime::date)
            .map(Value::Date)
            .ok_or_else(|| wrong("a date (YYYY-MM-DD)")),
        #[cfg(feature = "chrono")]
        SqlType::Time => text(value, index)
            .transpose()?
            .and_then(datetime::time_of_day)
            .map(Value::Time)
            .ok_or_else(|| wrong("a time of day (HH:MM:SS)")),
        #[cfg(feature = "uuid")]
        SqlType::Uuid => match value {
            ValueRef::Blob(bytes) => uuid::Uuid::from_slice(bytes).ok(),
            ValueRef::Text(text) => std::str::from_utf8(text)
                .ok()
                .and_then(|t| uuid::Uuid::parse_str(t).ok()),
            _ => None,
        }
        .map(Value::Uuid)
        .ok_or_else(|| wrong("a 16-byte UUID")),
        #[cfg(feature = "json")]
        SqlType::Json => match value {
            ValueRef::Text(bytes) | ValueRef::Blob(bytes) => serde_json::from_slice(bytes)
                .map(Value::Json)
                .map_err(|e| DecodeError::new(index, format!("invalid JSON: {e}"))),
            _ => Err(wrong("JSON text")),
        },
        #[cfg(feature = "decimal")]
        SqlType::Decimal => decimal(value, index),
        // No field type maps to a column type whose feature is off.
        #[allow(unreachable_patterns)]
        other => Err(DecodeError::new(
            index,
            format!("{other:?} columns need model-core's matching cargo feature"),
        )),
    }
}

/// The text of a TEXT value; `Some(Err)` when it is not UTF-8, `None` for another class.
fn text(value: ValueRef<'_>, index: usize) -> Option<Result<&str, DecodeError>> {
    match value {
        ValueRef::Text(bytes) => Some(
            std::str::from_utf8(bytes)
                .map_err(|e| DecodeError::new(index, format!("stored text is not UTF-8: {e}"))),
        ),
        _ => None,
    }
}

/// A decimal column's value as SQLite keeps it: an INTEGER or REAL under NUMERIC affinity, or
/// the text of a wider one. A REAL is read as SQLite's own text of it (15 significant digits:
/// `12.34`, not the binary fraction it holds, and `0.3` for a sum of `0.1 + 0.2`).
#[cfg(feature = "decimal")]
fn decimal(value: ValueRef<'_>, index: usize) -> Result<Value, DecodeError> {
    let text = match value {
        ValueRef::Integer(v) => return Ok(Value::Decimal(rust_decimal::Decimal::from(v))),
        ValueRef::Real(v) => real_as_sqlite_text(v),
        ValueRef::Text(_) => text(value, index)
            .transpose()?
            .unwrap_or_default()
            .to_owned(),
        ValueRef::Blob(_) | ValueRef::Null => {
            return Err(DecodeError::new(
                index,
                "expected a number for a decimal column, found a BLOB",
            ));
        }
    };
    let text = text.trim();
    rust_decimal::Decimal::from_str_exact(text)
        .or_else(|_| rust_decimal::Decimal::from_scientific(text))
        .map(Value::Decimal)
        .map_err(|e| {
            DecodeError::new(
                index,
                format!("the stored value {text:?} is not a decimal: {e}"),
            )
        })
}

/// A REAL as SQLite's `%!.15g` writes it: 15 significant digits, trailing zeros dropped, and a
/// whole number keeping one decimal (`12.0`).
#[cfg(feature = "decimal")]
fn real_as_sqlite_text(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let scientific = format!("{value:.14e}");
    let Ok(decimal) = rust_decimal::Decimal::from_scientific(&scientific) else {
        return value.to_string();
    };
    let mut decimal = decimal.normalize();
    if decimal.scale() == 0 {
        decimal.rescale(1);
    }
    decimal.to_string()
}

/// The storage class of a stored value, as SQLite names it.
fn storage_class(value: ValueRef<'_>) -> &'static str {
    match value {
        ValueRef::Null => "NULL",
        ValueRef::Integer(_) => "INTEGER",
        ValueRef::Real(_) => "REAL",
        ValueRef::Text(_) => "TEXT",
        ValueRef::Blob(_) => "BLOB",
    }
}

/// A short rendering of a stored value for an error message.
fn shown(value: ValueRef<'_>) -> String {
    match value {
        ValueRef::Null => String::new(),
        ValueRef::Integer(v) => v.to_string(),
        ValueRef::Real(v) => v.to_string(),
        ValueRef::Text(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            let cut: String = text.chars().take(40).collect();
            format!("{cut:?}")
        }
        ValueRef::Blob(bytes) => format!("({} bytes)", bytes.len()),
    }
}

impl RowReader for rusqlite::Row<'_> {
    fn value(&self, index: usize, ty: SqlType, nullable: bool) -> Result<Value, DecodeError> {
        let value = self
            .get_ref(index)
            .map_err(|e| DecodeError::new(index, e))?;
        decode(value, index, ty, nullable)
    }

    fn column_count(&self) -> usize {
        self.as_ref().column_count()
    }

    fn column_name(&self, index: usize) -> Option<&str> {
        self.as_ref().column_name(index).ok()
    }
}

/// Rows read on another thread, kept as SQLite returned them and decoded on the caller's.
#[derive(Debug, Default)]
pub(super) struct Materialized {
    names: Vec<String>,
    values: Vec<rusqlite::types::Value>,
}

impl Materialized {
    /// Keeps a copy of `row`.
    pub(super) fn push(&mut self, row: &rusqlite::Row<'_>) -> rusqlite::Result<()> {
        let statement = row.as_ref();
        let width = statement.column_count();
        if self.names.is_empty() && width > 0 {
            self.names = (0..width)
                .map(|i| statement.column_name(i).map(str::to_owned))
                .collect::<rusqlite::Result<_>>()?;
        }
        for i in 0..width {
            let value = row.get_ref(i)?;
            // Text that is not UTF-8 is kept as its bytes, as the caller's thread reads it.
            self.values.push(match value {
                ValueRef::Text(bytes) => match std::str::from_utf8(bytes) {
                    Ok(text) => rusqlite::types::Value::Text(text.to_owned()),
                    Err(_) => rusqlite::types::Value::Blob(bytes.to_vec()),
                },
                other => other.try_into()?,
            });
        }
        Ok(())
    }

    /// The rows kept, in order.
    pub(super) fn rows(&self) -> impl Iterator<Item = KeptRow<'_>> {
        let width = self.names.len().max(1);
        self.values.chunks(width).map(|values| KeptRow {
            names: &self.names,
            values,
        })
    }
}

/// One row of [`Materialized`].
pub(super) struct KeptRow<'a> {
    names: &'a [String],
    values: &'a [rusqlite::types::Value],
}

impl RowReader for KeptRow<'_> {
    fn value(&self, index: usize, ty: SqlType, nullable: bool) -> Result<Value, DecodeError> {
        let value = self.values.get(index).ok_or_else(|| {
            DecodeError::new(index, format!("the row has {} columns", self.values.len()))
        })?;
        decode(value.into(), index, ty, nullable)
    }

    fn column_count(&self) -> usize {
        self.values.len()
    }

    fn column_name(&self, index: usize) -> Option<&str> {
        self.names.get(index).map(String::as_str)
    }
}
