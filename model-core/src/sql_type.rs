//! The portable column types: what a field is stored as, before any dialect names it. It sits
//! below values, rows and metadata, which all speak of it.

use std::fmt;

/// The portable column type of a field; each dialect renders it (see the README's type table).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum SqlType {
    /// `i16`, `i8`, `u8`.
    SmallInt,
    /// `i32`, `u16`.
    Integer,
    /// `i64`, `u32`.
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
    /// `chrono::NaiveTime`: a time of day, to the microsecond.
    Time,
    /// `uuid::Uuid`.
    Uuid,
    /// `serde_json::Value` and `Json<T>`.
    Json,
    /// `rust_decimal::Decimal`: an exact number, `NUMERIC(precision, scale)`.
    Decimal,
    /// An enum of labels (`#[derive(ColumnType)]` on a fieldless enum): stored as text, or as the
    /// backend's own enum type, as its [`EnumType`] says.
    Enum(&'static EnumType),
}

impl SqlType {
    /// Whether this is an integer type (which can autoincrement).
    pub const fn is_integer(self) -> bool {
        matches!(self, SqlType::SmallInt | SqlType::Integer | SqlType::BigInt)
    }

    /// The enum type of an [`SqlType::Enum`] column stored as the backend's own enum type
    /// (PostgreSQL `CREATE TYPE`, MySQL `ENUM(...)`, SQLite `TEXT` with a `CHECK`).
    pub const fn native_enum(self) -> Option<&'static EnumType> {
        match self {
            SqlType::Enum(ty) if ty.is_native() => Some(ty),
            _ => None,
        }
    }
}

/// How an enum's labels are stored: what `#[column_type(storage = "...")]` says.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum EnumStorage {
    /// A text column holding the label (the default): portable, and a new variant needs no
    /// change to the schema.
    Text,
    /// The backend's own enum type: a PostgreSQL `CREATE TYPE ... AS ENUM` that `create_all`
    /// creates and `drop_all` drops, MySQL `ENUM(...)`, SQLite `TEXT` with a `CHECK` on the
    /// labels. The database refuses any other value.
    Native,
}

/// The labels of an enum column and how they are stored: the metadata
/// `#[derive(ColumnType)]` gives a fieldless enum stored as text or natively.
#[derive(PartialEq, Eq, Hash)]
pub struct EnumType {
    name: &'static str,
    rust_name: &'static str,
    labels: &'static [&'static str],
    storage: EnumStorage,
}

impl EnumType {
    /// An enum type named `name` in the database (the PostgreSQL type), for the Rust enum
    /// `rust_name`, with its labels in declaration order.
    ///
    /// # Panics
    /// When `name` is not a lowercase SQL identifier (`[a-z_][a-z0-9_]*`), the one form every
    /// backend and every lookup of the type by name read the same way; in a `static`, as the
    /// derive writes it, that is a compile-time error.
    pub const fn new(
        name: &'static str,
        rust_name: &'static str,
        labels: &'static [&'static str],
        storage: EnumStorage,
    ) -> Self {
        assert!(
            is_plain_identifier(name),
            "an enum type's name must be a lowercase SQL identifier: [a-z_][a-z0-9_]*"
        );
        EnumType {
            name,
            rust_name,
            labels,
            storage,
        }
    }
    /// The type's name in the database: the PostgreSQL enum type `create_all` creates.
    pub const fn name(&self) -> &'static str {
        self.name
    }
    /// The Rust enum's name, for messages.
    pub const fn rust_name(&self) -> &'static str {
        self.rust_name
    }
    /// The labels, in declaration order (which is the PostgreSQL enum's sort order).
    pub const fn labels(&self) -> &'static [&'static str] {
        self.labels
    }
    /// How the labels are stored.
    pub const fn storage(&self) -> EnumStorage {
        self.storage
    }
    /// Whether the labels are stored as the backend's own enum type.
    pub const fn is_native(&self) -> bool {
        matches!(self.storage, EnumStorage::Native)
    }
    /// The labels as a quoted list, `'a', 'b'`: what messages and the `CHECK` of SQLite show.
    pub fn quoted_labels(&self) -> String {
        let quoted: Vec<String> = self
            .labels
            .iter()
            .map(|label| format!("'{}'", label.replace('\'', "''")))
            .collect();
        quoted.join(", ")
    }
}

/// Whether `name` is `[a-z_][a-z0-9_]*`.
const fn is_plain_identifier(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes[0].is_ascii_digit() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return false;
        }
        i += 1;
    }
    true
}

impl fmt::Debug for EnumType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({:?}, {})", self.rust_name, self.storage, self.name)
    }
}
