//! `Value`: a column value on its way to the database as a bound parameter. Statements are built
//! as SQL text plus a list of `Value`s, and each driver binds them with its own types, so values
//! never become SQL text.

use crate::meta::SqlType;

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
}
