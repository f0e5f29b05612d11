//! PostgreSQL through sqlx. NULLs are bound with their column's type, which PostgreSQL needs to
//! plan the statement; arrays with their element type, one typed array per parameter.

use std::str::FromStr;

use sqlx::Arguments as _;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{
    PgArgumentBuffer, PgArguments, PgConnectOptions, PgQueryResult, PgRow, PgTypeInfo, Postgres,
};

use super::{Executed, SqlxBackend, bind_values, row_reader};
use crate::dialect::{Dialect, PostgresDialect};
use crate::sql_type::{EnumType, SqlType};
use crate::url::{Backend, DatabaseUrl};
use crate::value::Value;

row_reader!(PgRow, decimal: super::row::decimal_by_type);

#[derive(Debug)]
pub(crate) struct PgBackend;

impl SqlxBackend for PgBackend {
    type Db = Postgres;
    const BACKEND: Backend = Backend::Postgres;
    /// `idle_session_timeout` (PostgreSQL 14+, off by default) closes idle sessions; older
    /// servers have no such row.
    const IDLE_LIMIT_MS: Option<&'static str> =
        Some("SELECT CAST(setting AS BIGINT) FROM pg_settings WHERE name = 'idle_session_timeout'");
    fn dialect(_url: &DatabaseUrl) -> &'static dyn Dialect {
        &PostgresDialect
    }

    fn connect_options(url: &DatabaseUrl) -> Result<PgConnectOptions, sqlx::Error> {
        PgConnectOptions::from_str(url.expose())
    }

    fn arguments(args: &[Value]) -> Result<PgArguments, sqlx::Error> {
        bind_values!(
            PgArguments,
            args,
            null: |out, ty| add_null(&mut out, *ty),
            array: |ty, elements| add_array(&mut out, *ty, elements),
            label: |ty, label| add_label(&mut out, ty, Some(label)),
            decimal: |v| out.add(*v),
        )
    }

    fn executed(result: &PgQueryResult) -> Executed {
        Executed {
            rows_affected: result.rows_affected(),
            last_insert_id: None,
        }
    }
}

/// A label of `ty` (or its NULL): typed by the enum's name when the enum is native, so the
/// server compares it with the column's type (`mood = $1` has no `mood = text` operator); as
/// text otherwise.
fn add_label(
    out: &mut PgArguments,
    ty: &&'static EnumType,
    label: Option<&'static str>,
) -> Result<(), BoxDynError> {
    if ty.is_native() {
        out.add(NativeLabel { ty, label })
    } else {
        out.add(label)
    }
}

/// A label bound as its native PostgreSQL enum type, looked up by name (sqlx caches the type's
/// OID per connection). Its wire form is the label's text.
struct NativeLabel {
    ty: &'static EnumType,
    label: Option<&'static str>,
}

impl sqlx::Type<Postgres> for NativeLabel {
    fn type_info() -> PgTypeInfo {
        <&str as sqlx::Type<Postgres>>::type_info()
    }
}

impl sqlx::Encode<'_, Postgres> for NativeLabel {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        match self.label {
            Some(label) => <&str as sqlx::Encode<Postgres>>::encode_by_ref(&label, buf),
            None => Ok(IsNull::Yes),
        }
    }

    fn produces(&self) -> Option<PgTypeInfo> {
        Some(PgTypeInfo::with_name(self.ty.name()))
    }
}

fn add_null(out: &mut PgArguments, ty: SqlType) -> Result<(), BoxDynError> {
    match ty {
        SqlType::SmallInt => out.add(None::<i16>),
        SqlType::Integer => out.add(None::<i32>),
        SqlType::BigInt => out.add(None::<i64>),
        SqlType::Real => out.add(None::<f32>),
        SqlType::Double => out.add(None::<f64>),
        SqlType::Boolean => out.add(None::<bool>),
        SqlType::Text => out.add(None::<String>),
        SqlType::Blob => out.add(None::<Vec<u8>>),
        #[cfg(feature = "chrono")]
        SqlType::Timestamp => out.add(None::<chrono::NaiveDateTime>),
        #[cfg(feature = "chrono")]
        SqlType::TimestampTz => out.add(None::<chrono::DateTime<chrono::Utc>>),
        #[cfg(feature = "chrono")]
        SqlType::Date => out.add(None::<chrono::NaiveDate>),
        #[cfg(feature = "chrono")]
        SqlType::Time => out.add(None::<chrono::NaiveTime>),
        #[cfg(feature = "uuid")]
        SqlType::Uuid => out.add(None::<uuid::Uuid>),
        #[cfg(feature = "json")]
        SqlType::Json => out.add(None::<sqlx::types::Json<serde_json::Value>>),
        #[cfg(feature = "decimal")]
        SqlType::Decimal => out.add(None::<rust_decimal::Decimal>),
        SqlType::Enum(ty) => add_label(out, &ty, None),
        #[allow(
            unreachable_patterns,
            reason = "reached only when a type feature is off"
        )]
        _ => out.add(None::<String>),
    }
}

/// BindSelection `elements` as one array of `ty` (`int8[]`, `text[]`...): NULLs become NULL elements and
/// narrower integers and floats widen to `ty`; text, bytes and JSON are encoded from where they
/// are, not copied first.
fn add_array(out: &mut PgArguments, ty: SqlType, elements: &[Value]) -> Result<(), BoxDynError> {
    /// The elements as `T`s, or an error naming the array's type if one is of another type.
    fn each<'v, T>(
        ty: SqlType,
        elements: &'v [Value],
        get: impl Fn(&'v Value) -> Option<T>,
    ) -> Result<Vec<Option<T>>, BoxDynError> {
        elements
            .iter()
            .map(|value| match value {
                Value::Null(_) => Ok(None),
                value => get(value).map(Some).ok_or_else(|| {
                    format!("a Value::Array of {ty:?} holds a value of another type").into()
                }),
            })
            .collect()
    }
    // `array![Value::X(v) => element, ...]`: the array of the elements those variants give.
    macro_rules! array {
        ($($variant:pat => $element:expr),+) => {
            out.add(each(ty, elements, |value| match value {
                $($variant => Some($element),)+
                _ => None,
            })?)
        };
    }
    match ty {
        SqlType::SmallInt => array![Value::SmallInt(v) => *v],
        SqlType::Integer => array![Value::SmallInt(v) => i32::from(*v), Value::Int(v) => *v],
        SqlType::BigInt => array![
            Value::SmallInt(v) => i64::from(*v),
            Value::Int(v) => i64::from(*v),
            Value::BigInt(v) => *v
        ],
        SqlType::Real => array![Value::Real(v) => *v],
        SqlType::Double => array![Value::Real(v) => f64::from(*v), Value::Double(v) => *v],
        SqlType::Boolean => array![Value::Bool(v) => *v],
        SqlType::Text => array![Value::Text(v) => v.as_str()],
        SqlType::Blob => array![Value::Blob(v) => v.as_slice()],
        #[cfg(feature = "chrono")]
        SqlType::Timestamp => array![Value::Timestamp(v) => *v],
        #[cfg(feature = "chrono")]
        SqlType::TimestampTz => array![Value::TimestampTz(v) => *v],
        #[cfg(feature = "chrono")]
        SqlType::Date => array![Value::Date(v) => *v],
        #[cfg(feature = "chrono")]
        SqlType::Time => array![Value::Time(v) => *v],
        #[cfg(feature = "decimal")]
        SqlType::Decimal => array![Value::Decimal(v) => *v],
        // Bound as `text[]`; the dialect casts the parameter to the enum's array type where
        // it is native (`$1::"mood"[]`), as an array's elements cannot be typed by name.
        SqlType::Enum(_) => array![Value::Enum(_, label) => *label, Value::Text(v) => v.as_str()],
        #[cfg(feature = "uuid")]
        SqlType::Uuid => array![Value::Uuid(v) => *v],
        #[cfg(feature = "json")]
        SqlType::Json => array![Value::Json(v) => sqlx::types::Json(v)],
        #[allow(
            unreachable_patterns,
            reason = "reached only when a type feature is off"
        )]
        _ => {
            Err(format!("a Value::Array of {ty:?} needs that type's feature of model-core").into())
        }
    }
}

/// What PostgreSQL reports about a violated constraint: its name and table in fields of the
/// error, the column of a NOT NULL violation, and a unique key's columns in the DETAIL
/// (`Key (a, b)=(1, 2) already exists.`).
pub(crate) fn violation(error: &sqlx::postgres::PgDatabaseError) -> crate::driver::Reported {
    let mut columns: Vec<String> = error
        .column()
        .map(|c| vec![c.to_owned()])
        .unwrap_or_default();
    if columns.is_empty()
        && let Some(detail) = error.detail()
    {
        columns = key_columns(detail);
    }
    crate::driver::Reported {
        constraint: error.constraint().map(str::to_owned),
        table: error.table().map(str::to_owned),
        columns,
    }
}

/// The columns of `Key (a, b)=(...)` at the start of a DETAIL.
fn key_columns(detail: &str) -> Vec<String> {
    let Some(rest) = detail.strip_prefix("Key (") else {
        return Vec::new();
    };
    let Some(end) = rest.find(")=(") else {
        return Vec::new();
    };
    rest[..end]
        .split(", ")
        .map(|column| column.trim_matches('"').to_owned())
        .collect()
}
