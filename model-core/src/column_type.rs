//! `ColumnType`: the public trait behind every column value, built-in or the user's own. A type
//! that implements it can be a model field, an `Option` of it a nullable one; it says which
//! portable [`SqlType`] it is stored as, how it becomes a bound [`Value`] and how it is taken
//! back out of a decoded one.
//!
//! `#[derive(ColumnType)]` implements it for fieldless enums and newtypes; anything else is
//! mapped by hand, with nothing hidden (see the trait's example). The built-in impls are here
//! too, with the marker traits that say which column options a type's [`ColumnType::Base`]
//! takes, so a newtype over `String` takes `length` as `String` does.

use std::error::Error as StdError;
use std::fmt;

use crate::sql_type::SqlType;
use crate::value::Value;

/// A type stored in one column: implemented for the built-in types listed in the README's type
/// table, by `#[derive(ColumnType)]` for the user's enums and newtypes, and by hand for anything
/// else. `Option<T>` of any `ColumnType` is a nullable column of it.
///
/// ```
/// use model_core::{ColumnType, SqlType, Value, ValueError};
///
/// /// A colour kept as `#rrggbb` text.
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// struct Rgb(u8, u8, u8);
///
/// impl ColumnType for Rgb {
///     type Base = Self;
///     const SQL_TYPE: SqlType = SqlType::Text;
///     fn to_value(&self) -> Value {
///         Value::Text(format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2))
///     }
///     fn from_value(value: Value) -> Result<Self, ValueError> {
///         let Value::Text(text) = value else {
///             return Err(ValueError::unexpected(&value, Self::SQL_TYPE));
///         };
///         let hex = text.strip_prefix('#').filter(|h| h.len() == 6);
///         let byte = |i: usize| hex.and_then(|h| u8::from_str_radix(&h[i..i + 2], 16).ok());
///         match (byte(0), byte(2), byte(4)) {
///             (Some(r), Some(g), Some(b)) => Ok(Rgb(r, g, b)),
///             _ => Err(ValueError::new(format!("{text:?} is not a #rrggbb colour"))),
///         }
///     }
/// }
/// ```
// The list of column types is in `FieldType`'s message, which is what a model's field shows.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a column type",
    label = "`{Self}` is not a column type",
    note = "for your own enum or newtype, `#[derive(ColumnType)]` on it; for another type, \
            implement `model_core::ColumnType` by hand"
)]
pub trait ColumnType: Sized + Send + Sync + 'static {
    /// The built-in type whose column options this type takes: `String` for a string newtype
    /// (so `length` and `collation` apply), `i64` for an id newtype (so `autoincrement`
    /// applies), `Self` for a type that takes none.
    type Base: ColumnType;
    /// The portable column type values are stored as.
    const SQL_TYPE: SqlType;
    /// The value to bind, borrowed from the field.
    fn to_value(&self) -> Value;
    /// The value to bind, taking the field (saves a clone for owned data).
    fn into_value(self) -> Value {
        self.to_value()
    }
    /// The field's value out of a value decoded as [`Self::SQL_TYPE`]; an error says what was
    /// wrong with it (it is reported with the table, column and model).
    fn from_value(value: Value) -> Result<Self, ValueError>;
}

/// Why a decoded column value cannot become its field's type: the message of
/// [`ColumnType::from_value`]'s error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    message: String,
}

impl ValueError {
    /// An error saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        ValueError {
            message: message.into(),
        }
    }
    /// The value was not of the type expected for a column of type `expected`.
    pub fn unexpected(value: &Value, expected: SqlType) -> Self {
        ValueError::new(format!(
            "the backend returned {value:?} for a {expected:?} column"
        ))
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for ValueError {}

/// Base types that `length = N` applies to: strings.
#[diagnostic::on_unimplemented(
    message = "`length` applies to string columns, and this field is stored as `{Self}`",
    label = "`length = N` makes a VARCHAR(N) string column",
    note = "remove `length`, or make the field a `String` (or a newtype over one), or an `Option` of it"
)]
pub trait StringField {}
impl StringField for String {}

/// Base types that a `collation` applies to: strings.
#[diagnostic::on_unimplemented(
    message = "`collation` applies to string columns, and this field is stored as `{Self}`",
    label = "a collation says how text compares and sorts",
    note = "remove `collation`, or make the field a `String` (or a newtype over one), or an `Option` of it"
)]
pub trait CollatedField {}
impl CollatedField for String {}

/// Base types that `autoincrement` applies to: the signed integers.
#[diagnostic::on_unimplemented(
    message = "`autoincrement` applies to integer primary keys, and this field is stored as `{Self}`",
    label = "only i16, i32 and i64 keys (or newtypes over them) can be generated by the database",
    note = "remove `autoincrement`; for other key types give a client default, e.g. `default = new_uuid`"
)]
pub trait IntegerField {}
impl IntegerField for i16 {}
impl IntegerField for i32 {}
impl IntegerField for i64 {}

/// Base types that `precision` and `scale` apply to: decimals.
#[diagnostic::on_unimplemented(
    message = "`precision` and `scale` apply to decimal columns, and this field is stored as `{Self}`",
    label = "`precision = P, scale = S` makes a NUMERIC(P, S) column",
    note = "remove them, or make the field a `rust_decimal::Decimal` (feature `decimal`)"
)]
pub trait DecimalField {}
#[cfg(feature = "decimal")]
impl DecimalField for rust_decimal::Decimal {}

/// The built-in types stored as one [`Value`] variant of their own.
macro_rules! column_types {
    (copy: [$($ty:ty => $sql:ident, $variant:ident;)*] clone: [$($cty:ty => $csql:ident, $cvariant:ident;)*]) => {
        $(
            impl ColumnType for $ty {
                type Base = Self;
                const SQL_TYPE: SqlType = SqlType::$sql;
                fn to_value(&self) -> Value {
                    Value::$variant(*self)
                }
                fn from_value(value: Value) -> Result<Self, ValueError> {
                    match value {
                        Value::$variant(v) => Ok(v),
                        other => Err(ValueError::unexpected(&other, Self::SQL_TYPE)),
                    }
                }
            }
        )*
        $(
            impl ColumnType for $cty {
                type Base = Self;
                const SQL_TYPE: SqlType = SqlType::$csql;
                fn to_value(&self) -> Value {
                    Value::$cvariant(self.clone())
                }
                fn into_value(self) -> Value {
                    Value::$cvariant(self)
                }
                fn from_value(value: Value) -> Result<Self, ValueError> {
                    match value {
                        Value::$cvariant(v) => Ok(v),
                        other => Err(ValueError::unexpected(&other, Self::SQL_TYPE)),
                    }
                }
            }
        )*
    };
}

column_types! {
    copy: [
        i16 => SmallInt, SmallInt;
        i32 => Integer, Int;
        i64 => BigInt, BigInt;
        f32 => Real, Real;
        f64 => Double, Double;
        bool => Boolean, Bool;
    ]
    clone: [
        String => Text, Text;
        Vec<u8> => Blob, Blob;
    ]
}

#[cfg(feature = "chrono")]
column_types! {
    copy: [
        chrono::NaiveDateTime => Timestamp, Timestamp;
        chrono::DateTime<chrono::Utc> => TimestampTz, TimestampTz;
        chrono::NaiveDate => Date, Date;
        chrono::NaiveTime => Time, Time;
    ]
    clone: []
}

#[cfg(feature = "uuid")]
column_types! {
    copy: [
        uuid::Uuid => Uuid, Uuid;
    ]
    clone: []
}

#[cfg(feature = "json")]
column_types! {
    copy: []
    clone: [
        serde_json::Value => Json, Json;
    ]
}

#[cfg(feature = "decimal")]
column_types! {
    copy: [
        rust_decimal::Decimal => Decimal, Decimal;
    ]
    clone: []
}

/// The integers stored in a wider signed column, since no backend but MySQL has unsigned ones:
/// each fits its column losslessly, and a stored value outside its range (written by other
/// code) is an error on reading, never a wrapped number.
macro_rules! widened_integers {
    ($($ty:ty => $sql:ident, $variant:ident($wide:ty);)*) => {
        $(
            impl ColumnType for $ty {
                type Base = Self;
                const SQL_TYPE: SqlType = SqlType::$sql;
                fn to_value(&self) -> Value {
                    Value::$variant(<$wide>::from(*self))
                }
                fn from_value(value: Value) -> Result<Self, ValueError> {
                    match value {
                        Value::$variant(v) => <$ty>::try_from(v).map_err(|_| {
                            ValueError::new(format!(
                                "the stored value {v} does not fit in {}",
                                stringify!($ty)
                            ))
                        }),
                        other => Err(ValueError::unexpected(&other, Self::SQL_TYPE)),
                    }
                }
            }
        )*
    };
}

widened_integers! {
    i8 => SmallInt, SmallInt(i16);
    u8 => SmallInt, SmallInt(i16);
    u16 => Integer, Int(i32);
    u32 => BigInt, BigInt(i64);
}
