//! `Auto<T>`: a field an insert may leave to the database: a generated key, a column with a
//! `default` or a `server_default`. Whether it is set is carried by the type, not guessed from
//! its value, so an explicit `0`, `""` or epoch is stored as written.

use std::fmt;
use std::ops::Deref;

use crate::column_type::ValueError;
use crate::field::{FieldType, NotNullField};
use crate::sql_type::SqlType;
use crate::value::Value;

/// A field that is either set or left to the column's default: the generated key, a
/// `default = fn` or a `server_default`. An insert writes a set value as it is and leaves an
/// unset one to the database (or to the `default` function); the row it returns, like every row
/// read, has it set. An update leaves an unset field's column as it is.
///
/// `Auto::default()` (and so `..Default::default()` in a struct literal) is unset; `7.into()`
/// or `Auto::set(7)` is set. It dereferences to the value, which reads as `T::default()` while
/// unset, so `*user.id` is the key once the row is inserted.
///
/// ```
/// use model_core::{Auto, Model};
///
/// #[derive(Model, Debug, Default)]
/// struct Post {
///     #[column(primary_key)]
///     id: Auto<i64>,
///     title: String,
///     #[column(server_default = "0")]
///     views: Auto<i64>,
/// }
///
/// let draft = Post { title: "Hello".into(), ..Default::default() };
/// assert!(!draft.id.is_set());
/// let imported = Post { id: 42.into(), views: Auto::set(0), ..draft };
/// assert_eq!(*imported.id, 42);
/// assert!(imported.views.is_set(), "an explicit 0 is stored as 0");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Auto<T> {
    value: T,
    set: bool,
}

impl<T> Auto<T> {
    /// A set value: written by an insert as it is.
    pub const fn set(value: T) -> Self {
        Auto { value, set: true }
    }

    /// Whether the value is set (always, for a row read from the database).
    pub const fn is_set(&self) -> bool {
        self.set
    }

    /// The value if it is set.
    pub const fn get(&self) -> Option<&T> {
        if self.set { Some(&self.value) } else { None }
    }

    /// The value if it is set, taken.
    pub fn into_option(self) -> Option<T> {
        self.set.then_some(self.value)
    }

    /// The value, `T::default()` while unset.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T: Default> Auto<T> {
    /// An unset value: an insert leaves the column to its default.
    pub fn unset() -> Self {
        Auto {
            value: T::default(),
            set: false,
        }
    }
}

/// Unset.
impl<T: Default> Default for Auto<T> {
    fn default() -> Self {
        Auto::unset()
    }
}

/// Set.
impl<T> From<T> for Auto<T> {
    fn from(value: T) -> Self {
        Auto::set(value)
    }
}

impl<T> Deref for Auto<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// A set value equals a plain one of the same value: `assert_eq!(user.id, 7)`. An unset one
/// equals none.
impl<T: PartialEq> PartialEq<T> for Auto<T> {
    fn eq(&self, other: &T) -> bool {
        self.set && self.value == *other
    }
}

/// Set, from text: `role: "admin".into()`.
impl From<&str> for Auto<String> {
    fn from(value: &str) -> Self {
        Auto::set(value.to_owned())
    }
}

/// A set string equals the same text.
impl PartialEq<&str> for Auto<String> {
    fn eq(&self, other: &&str) -> bool {
        self.set && self.value == *other
    }
}

/// A set string equals the same text.
impl PartialEq<str> for Auto<String> {
    fn eq(&self, other: &str) -> bool {
        self.set && self.value == other
    }
}

impl<T: fmt::Debug> fmt::Debug for Auto<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.set {
            self.value.fmt(f)
        } else {
            f.write_str("unset")
        }
    }
}

/// The value, or `unset`.
impl<T: fmt::Display> fmt::Display for Auto<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.set {
            self.value.fmt(f)
        } else {
            f.write_str("unset")
        }
    }
}

impl<T: FieldType> FieldType for Auto<T> {
    type Compare = T::Compare;
    type Base = T::Base;
    const SQL_TYPE: SqlType = T::SQL_TYPE;
    const NULLABLE: bool = T::NULLABLE;
    const AUTO: bool = true;
    const GENERATED_KEY: bool = T::GENERATED_KEY;
    fn to_value(&self) -> Value {
        if self.set {
            self.value.to_value()
        } else {
            Value::Default(T::SQL_TYPE)
        }
    }
    fn into_value(self) -> Value {
        if self.set {
            self.value.into_value()
        } else {
            Value::Default(T::SQL_TYPE)
        }
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        T::from_value(value).map(Auto::set)
    }
}

/// An `Auto` key is as NOT NULL as its type: a generated key is one.
impl<T: NotNullField + FieldType> NotNullField for Auto<T> {}

/// Serialized as its value when set, as `null` (`None`) when unset; so a round trip through
/// JSON keeps an unset field unset, never turning it into an explicit `T::default()`.
#[cfg(feature = "json")]
impl<T: serde::Serialize> serde::Serialize for Auto<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(serializer)
    }
}

/// A value is set, `null` (or a field left out, with `#[serde(default)]`) unset. For an
/// `Auto<Option<T>>` a `null` is therefore unset, not a set NULL.
#[cfg(feature = "json")]
impl<'de, T: serde::Deserialize<'de> + Default> serde::Deserialize<'de> for Auto<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(deserializer)?.map_or_else(Auto::unset, Auto::set))
    }
}

#[cfg(all(test, feature = "json"))]
mod tests {
    use super::Auto;

    #[test]
    fn json_keeps_unset_fields_unset() {
        let unset: Auto<i64> = Auto::unset();
        assert_eq!(serde_json::to_string(&unset).unwrap(), "null");
        assert_eq!(serde_json::to_string(&Auto::set(0_i64)).unwrap(), "0");
        let back: Auto<i64> = serde_json::from_str("null").unwrap();
        assert!(!back.is_set());
        let back: Auto<i64> = serde_json::from_str("0").unwrap();
        assert_eq!(back, 0);
    }
}
