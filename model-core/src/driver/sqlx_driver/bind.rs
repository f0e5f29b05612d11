//! Binding [`Value`](crate::Value)s as sqlx arguments: the one `match` over the value kinds,
//! shared by the three backends, which differ only in how a NULL, an array, an enum label and a
//! decimal are bound.

/// Binds one borrowed [`Value`](crate::Value) (`$value: &Value`) to `$out` as the sqlx type it
/// holds. The backends differ in how a NULL is bound (`null: |ty| expr`), an array
/// (`array: |ty, elements| expr`; PostgreSQL alone has array parameters), an enum label
/// (`label: |ty, label| expr`; PostgreSQL types native ones) and a decimal
/// (`decimal: |v| expr`; SQLite has no decimal type).
macro_rules! bind_value {
    (
        $out:ident, $value:expr,
        null: |$ty:pat_param| $null:expr,
        array: |$aty:pat_param, $elements:pat_param| $array:expr,
        label: |$ety:pat_param, $label:pat_param| $enum:expr,
        decimal: |$dec:pat_param| $decimal:expr $(,)?
    ) => {{
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
            #[cfg(feature = "chrono")]
            Value::Time(v) => $out.add(*v),
            #[cfg(feature = "uuid")]
            Value::Uuid(v) => $out.add(*v),
            #[cfg(feature = "json")]
            Value::Json(v) => $out.add(sqlx::types::Json(v)),
            #[cfg(feature = "decimal")]
            Value::Decimal($dec) => $decimal,
            Value::Enum($ety, $label) => $enum,
            Value::Array($aty, $elements) => $array,
            Value::Default(_) | Value::Invalid(_) => {
                Err(crate::driver::binding::unbindable($value).into())
            }
        }
    }};
}
pub(crate) use bind_value;

/// The body of `SqlxBackend::arguments`: every [`Value`](crate::Value) of `$values` (a slice)
/// bound with [`bind_value!`] and the backend's hooks.
macro_rules! bind_values {
    (
        $arguments:ty, $values:expr,
        null: |$out:ident, $ty:pat_param| $null:expr,
        array: |$aty:pat_param, $elements:pat_param| $array:expr,
        label: |$ety:pat_param, $label:pat_param| $enum:expr,
        decimal: |$dec:pat_param| $decimal:expr $(,)?
    ) => {{
        let mut $out = <$arguments>::default();
        for value in $values {
            crate::driver::sqlx_driver::bind_value!(
                $out, value,
                null: |$ty| $null,
                array: |$aty, $elements| $array,
                label: |$ety, $label| $enum,
                decimal: |$dec| $decimal,
            )
            .map_err(sqlx::Error::Encode)?;
        }
        Ok($out)
    }};
}
pub(crate) use bind_values;
