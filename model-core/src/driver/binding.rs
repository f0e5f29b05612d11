//! What every driver says about a value it cannot bind: an unset `Auto` field, a value that
//! could not be made, an array on a backend without array parameters.

/// Why a value that binds nowhere was given to a statement.
pub(crate) fn unbindable(value: &crate::value::Value) -> String {
    use crate::value::Value;
    match value {
        Value::Default(_) => "an unset `Auto` field stands for the column's default and cannot be \
                              bound as a value (set it, or leave the column to an insert)"
            .to_owned(),
        Value::Invalid(reason) => reason.clone(),
        other => format!("{other:?} cannot be bound"),
    }
}

/// The error of binding a [`Value::Array`](crate::Value::Array) on a backend without array parameters.
#[cfg(any(feature = "sqlite", feature = "mysql"))]
pub(crate) fn no_array_parameters(backend: &str) -> sqlx::error::BoxDynError {
    format!(
        "{backend} has no array parameters: a Value::Array binds only on PostgreSQL (list the \
         values instead, e.g. with `is_in`)"
    )
    .into()
}
