//! Binding [`Value`](crate::Value)s as sqlx arguments: the one `match` over the value kinds,
//! shared by the three backends, which differ only in how a NULL and an array are bound.

/// BindSelection one borrowed [`Value`](crate::Value) (`$value: &Value`) to `$out` as the sqlx type it holds; the
/// backends differ only in how a NULL is bound, which the caller gives as `|ty| expr`, and in
/// how an array is (`|ty, elements| expr`; PostgreSQL alone has array parameters).
macro_rules! bind_value {
    ($out:ident, $value:expr, |$ty:pat_param| $null:expr, |$aty:pat_param, $elements:pat_param| $array:expr) => {{
        use crate::value::Value;
        use sqlx::Arguments as _;
        match $value {
            Value::Null($ty) => $null,
            Value::Bool(v) => $out.add(*v),
            Value::SmallInt(v) => $out.add(*v),
            Value::Int(v) => $out.add(*v),
            Value::BigInt(v) => $out.add(*v),
            Value::Real(v) => $out.add(*v),
            Value::Double(v) => $out.add(*v),
            Value::Text(v) => $out.add(v.as_str()),
            Value::Blob(v) => $out.add(v.as_slice()),
            #[cfg(feature = "chrono")]
            Value::Timestamp(v) => $out.add(*v),
            #[cfg(feature = "chrono")]
            Value::TimestampTz(v) => $out.add(*v),
            #[cfg(feature = "chrono")]
            Value::Date(v) => $out.add(*v),
            #[cfg(feature = "uuid")]
            Value::Uuid(v) => $out.add(*v),
            #[cfg(feature = "json")]
            Value::Json(v) => $out.add(sqlx::types::Json(v)),
            Value::Array($aty, $elements) => $array,
        }
    }};
}
pub(crate) use bind_value;

/// The body of `SqlxBackend::arguments`: every [`Value`](crate::Value) of `$values` (a slice) bound with
/// [`bind_value!`].
macro_rules! bind_values {
    ($arguments:ty, $values:expr, |$out:ident, $ty:pat_param| $null:expr, |$aty:pat_param, $elements:pat_param| $array:expr) => {{
        let mut $out = <$arguments>::default();
        for value in $values {
            crate::driver::sqlx_driver::bind_value!($out, value, |$ty| $null, |$aty, $elements| {
                $array
            })
            .map_err(sqlx::Error::Encode)?;
        }
        Ok($out)
    }};
}
pub(crate) use bind_values;

/// The error of binding a [`Value::Array`](crate::Value::Array) on a backend without array parameters.
#[cfg(any(feature = "sqlite", feature = "mysql"))]
pub(crate) fn no_array_parameters(backend: &str) -> sqlx::error::BoxDynError {
    format!(
        "{backend} has no array parameters: a Value::Array binds only on PostgreSQL (list the \
         values instead, e.g. with `is_in`)"
    )
    .into()
}
