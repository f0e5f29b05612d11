//! The keys that tie related rows together, as loading matches them: the distinct keys of the
//! rows loaded for, sent to the database in chunks, and a hashable form of each key to group
//! the related rows by.

use std::collections::HashSet;

use crate::value::Value;

/// A key value that can be hashed and compared: integers of every width as one, text, bytes
/// (a UUID as its bytes), and anything else by its debug form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum KeyValue {
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
    Other(String),
}

/// The key of `value`; `None` for NULL, which relates to nothing.
pub(crate) fn key_of(value: &Value) -> Option<KeyValue> {
    Some(match value {
        Value::Null(_) | Value::Default(_) | Value::Invalid(_) => return None,
        Value::Bool(v) => KeyValue::Int(i64::from(*v)),
        Value::SmallInt(v) => KeyValue::Int(i64::from(*v)),
        Value::Int(v) => KeyValue::Int(i64::from(*v)),
        Value::BigInt(v) => KeyValue::Int(*v),
        Value::Text(v) => KeyValue::Text(v.clone()),
        Value::Enum(_, label) => KeyValue::Text((*label).to_owned()),
        Value::Blob(v) => KeyValue::Bytes(v.clone()),
        #[cfg(feature = "uuid")]
        Value::Uuid(v) => KeyValue::Bytes(v.as_bytes().to_vec()),
        other => KeyValue::Other(format!("{other:?}")),
    })
}

/// The distinct non-NULL values of `values`, in the order first seen.
pub(crate) fn distinct(values: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let mut seen = HashSet::new();
    values
        .into_iter()
        .filter(|value| key_of(value).is_some_and(|key| seen.insert(key)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_widths_are_one_key_and_null_none() {
        assert_eq!(key_of(&Value::Int(7)), key_of(&Value::BigInt(7)));
        assert_eq!(key_of(&Value::Null(crate::SqlType::BigInt)), None);
        let keys = distinct([
            Value::BigInt(2),
            Value::Null(crate::SqlType::BigInt),
            Value::BigInt(1),
            Value::BigInt(2),
        ]);
        assert_eq!(keys, [Value::BigInt(2), Value::BigInt(1)]);
    }
}
