//! The portable column types: what a field is stored as, before any dialect names it. It sits
//! below values, rows and metadata, which all speak of it.

/// The portable column type of a field; each dialect renders it (see the README's type table).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum SqlType {
    /// `i16`.
    SmallInt,
    /// `i32`.
    Integer,
    /// `i64`.
    BigInt,
    /// `f32`.
    Real,
    /// `f64`.
    Double,
    /// `bool`.
    Boolean,
    /// `String`: `TEXT`, or `VARCHAR(n)` with `length = n`.
    Text,
    /// `Vec<u8>`.
    Blob,
    /// `chrono::NaiveDateTime`: a timestamp without time zone.
    Timestamp,
    /// `chrono::DateTime<Utc>`: a timestamp in UTC.
    TimestampTz,
    /// `chrono::NaiveDate`.
    Date,
    /// `uuid::Uuid`.
    Uuid,
    /// `serde_json::Value`.
    Json,
}

impl SqlType {
    /// Whether this is an integer type (which can autoincrement).
    pub const fn is_integer(self) -> bool {
        matches!(self, SqlType::SmallInt | SqlType::Integer | SqlType::BigInt)
    }
}
