//! `Json<T>`: a column holding any serde type as a JSON document (`JSONB` on PostgreSQL,
//! `JSON` on MySQL, text on SQLite), read back into `T`.

use std::ops::{Deref, DerefMut};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::column_type::{ColumnType, ValueError};
use crate::sql_type::SqlType;
use crate::value::Value;

/// A JSON column holding a `T`: `settings: Json<Settings>`. Stored as the document serde makes
/// of `T`; a stored document that does not fit `T` is an error naming the column and what did
/// not fit, never a default. It dereferences to `T`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The value inside.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Json<T> {
    fn from(value: T) -> Self {
        Json(value)
    }
}

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> ColumnType for Json<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    type Base = Self;
    const SQL_TYPE: SqlType = SqlType::Json;
    fn to_value(&self) -> Value {
        match serde_json::to_value(&self.0) {
            Ok(document) => Value::Json(document),
            Err(e) => Value::Invalid(format!(
                "a `Json<{}>` could not be serialized: {e}",
                std::any::type_name::<T>()
            )),
        }
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Json(document) => serde_json::from_value(document).map(Json).map_err(|e| {
                ValueError::new(format!(
                    "the stored JSON document does not fit `{}`: {e}",
                    std::any::type_name::<T>()
                ))
            }),
            other => Err(ValueError::unexpected(&other, Self::SQL_TYPE)),
        }
    }
}

impl<T: Serialize> Serialize for Json<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Json<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Json)
    }
}
