//! `Value`: a column value on its way to the database as a bound parameter. Statements are built
//! as SQL text plus a list of `Value`s, and each driver binds them with its own types, so values
//! never become SQL text.

use crate::sql_type::{EnumType, SqlType};

/// A value bound as a statement parameter.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// SQL NULL of a column type (PostgreSQL wants typed NULLs).
    Null(SqlType),
    /// The column's default: what an unset [`Auto`](crate::Auto) field holds. An insert leaves
    /// the column to its default (the `default` function's value, the database's `DEFAULT`, a
    /// generated key); an update leaves the column as it is. It binds nowhere: a statement
    /// given one fails with an error naming it.
    Default(SqlType),
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
    /// `chrono::NaiveTime`.
    #[cfg(feature = "chrono")]
    Time(chrono::NaiveTime),
    /// `uuid::Uuid`.
    #[cfg(feature = "uuid")]
    Uuid(uuid::Uuid),
    /// `serde_json::Value`.
    #[cfg(feature = "json")]
    Json(serde_json::Value),
    /// `rust_decimal::Decimal`.
    #[cfg(feature = "decimal")]
    Decimal(rust_decimal::Decimal),
    /// A value that could not be made, with the reason (a [`Json`](crate::Json) whose
    /// `Serialize` failed, a hand-written [`ColumnType`](crate::ColumnType) refusing a value):
    /// the statement it is bound to fails with this message, so nothing wrong is written.
    Invalid(String),
    /// One label of an enum column: bound as text, or as the PostgreSQL enum type when the
    /// enum is stored natively (so `=`, `IN` and inserts compare like with like).
    Enum(&'static EnumType, &'static str),
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

    /// Whether this is [`Value::Default`]: an unset field, whose column keeps its default.
    pub fn is_default(&self) -> bool {
        matches!(self, Value::Default(_))
    }

    /// The column type this value is of, if it names one (an array does not).
    pub fn sql_type(&self) -> Option<SqlType> {
        Some(match self {
            Value::Null(ty) | Value::Default(ty) => *ty,
            Value::Bool(_) => SqlType::Boolean,
            Value::SmallInt(_) => SqlType::SmallInt,
            Value::Int(_) => SqlType::Integer,
            Value::BigInt(_) => SqlType::BigInt,
            Value::Real(_) => SqlType::Real,
            Value::Double(_) => SqlType::Double,
            Value::Text(_) => SqlType::Text,
            Value::Blob(_) => SqlType::Blob,
            #[cfg(feature = "chrono")]
            Value::Timestamp(_) => SqlType::Timestamp,
            #[cfg(feature = "chrono")]
            Value::TimestampTz(_) => SqlType::TimestampTz,
            #[cfg(feature = "chrono")]
            Value::Date(_) => SqlType::Date,
            #[cfg(feature = "chrono")]
            Value::Time(_) => SqlType::Time,
            #[cfg(feature = "uuid")]
            Value::Uuid(_) => SqlType::Uuid,
            #[cfg(feature = "json")]
            Value::Json(_) => SqlType::Json,
            #[cfg(feature = "decimal")]
            Value::Decimal(_) => SqlType::Decimal,
            Value::Enum(ty, _) => SqlType::Enum(ty),
            Value::Array(..) | Value::Invalid(_) => return None,
        })
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Text(value.to_owned())
    }
}
