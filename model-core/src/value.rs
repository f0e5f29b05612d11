//! `Value`: a column value on its way to the database as a bound parameter. Statements are built
//! as SQL text plus a list of `Value`s, and each driver binds them with its own types, so values
//! never become SQL text.

use crate::sql_type::SqlType;

/// A value bound as a statement parameter.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// SQL NULL of a column type (PostgreSQL wants typed NULLs).
    Null(SqlType),
    /// `bool`.
    Bool(bool),
    /// `i16`.
    SmallInt(i16),
    /// `i32`.
    Int(i32),
    /// `i64`.
    BigInt(i64),
    /// `f32`.
    Real(f32),
    /// `f64`.
    Double(f64),
    /// `String`.
    Text(String),
    /// `Vec<u8>`.
    Blob(Vec<u8>),
    /// `chrono::NaiveDateTime`.
    #[cfg(feature = "chrono")]
    Timestamp(chrono::NaiveDateTime),
    /// `chrono::DateTime<Utc>`.
    #[cfg(feature = "chrono")]
    TimestampTz(chrono::DateTime<chrono::Utc>),
    /// `chrono::NaiveDate`.
    #[cfg(feature = "chrono")]
    Date(chrono::NaiveDate),
    /// `uuid::Uuid`.
    #[cfg(feature = "uuid")]
    Uuid(uuid::Uuid),
    /// `serde_json::Value`.
    #[cfg(feature = "json")]
    Json(serde_json::Value),
    /// An array of values of one column type (each of that type or its NULL), bound as one
    /// PostgreSQL array parameter: `int8[]` for [`SqlType::BigInt`], `text[]` for
    /// [`SqlType::Text`], and so on. `insert_many` binds one per column on PostgreSQL; in raw
    /// SQL it serves `WHERE id = ANY($1)`. SQLite and MySQL have no array parameters: binding
    /// one there is an error.
    Array(SqlType, Vec<Value>),
}

impl Value {
    /// Whether this is a floating-point NaN, which not every backend can store.
    pub fn is_nan(&self) -> bool {
        match self {
            Value::Real(v) => v.is_nan(),
            Value::Double(v) => v.is_nan(),
            _ => false,
        }
    }

    /// Whether this is the zero value of its type (`0`, `""`, `false`, empty bytes, NULL, the
    /// Unix epoch, the nil UUID, JSON null, an empty array): what an unset field of a row
    /// holds, so `insert` applies the column's default instead.
    pub fn is_zero(&self) -> bool {
        match self {
            Value::Null(_) => true,
            Value::Bool(v) => !v,
            Value::SmallInt(v) => *v == 0,
            Value::Int(v) => *v == 0,
            Value::BigInt(v) => *v == 0,
            Value::Real(v) => *v == 0.0,
            Value::Double(v) => *v == 0.0,
            Value::Text(v) => v.is_empty(),
            Value::Blob(v) => v.is_empty(),
            #[cfg(feature = "chrono")]
            Value::Timestamp(v) => *v == chrono::NaiveDateTime::default(),
            #[cfg(feature = "chrono")]
            Value::TimestampTz(v) => *v == chrono::DateTime::<chrono::Utc>::default(),
            #[cfg(feature = "chrono")]
            Value::Date(v) => *v == chrono::NaiveDate::default(),
            #[cfg(feature = "uuid")]
            Value::Uuid(v) => v.is_nil(),
            #[cfg(feature = "json")]
            Value::Json(v) => v.is_null(),
            Value::Array(_, v) => v.is_empty(),
        }
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Text(value.to_owned())
    }
}
