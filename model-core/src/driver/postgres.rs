//! PostgreSQL through sqlx. NULLs are bound with their column's type, which PostgreSQL needs to
//! plan the statement.

use std::str::FromStr;

use sqlx::Arguments as _;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgQueryResult, PgRow, Postgres};

use super::{Executed, SqlxBackend, bind_values, row_reader};
use crate::dialect::{Dialect, PostgresDialect};
use crate::meta::SqlType;
use crate::url::{Backend, DatabaseUrl};
use crate::value::Value;

row_reader!(PgRow);

#[derive(Debug)]
pub(crate) struct PgBackend;

impl SqlxBackend for PgBackend {
    type Db = Postgres;
    const BACKEND: Backend = Backend::Postgres;
    fn dialect(_url: &DatabaseUrl) -> &'static dyn Dialect {
        &PostgresDialect
    }

    fn connect_options(url: &DatabaseUrl) -> Result<PgConnectOptions, sqlx::Error> {
        PgConnectOptions::from_str(url.expose())
    }

    fn arguments(args: &[Value]) -> Result<PgArguments, sqlx::Error> {
        bind_values!(PgArguments, args, |out, ty| add_null(&mut out, *ty))
    }

    fn executed(result: &PgQueryResult) -> Executed {
        Executed {
            rows_affected: result.rows_affected(),
            last_insert_id: None,
        }
    }
}

fn add_null(out: &mut PgArguments, ty: SqlType) -> Result<(), sqlx::error::BoxDynError> {
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
        #[cfg(feature = "uuid")]
        SqlType::Uuid => out.add(None::<uuid::Uuid>),
        #[cfg(feature = "json")]
        SqlType::Json => out.add(None::<sqlx::types::Json<serde_json::Value>>),
        #[allow(
            unreachable_patterns,
            reason = "reached only when a type feature is off"
        )]
        _ => out.add(None::<String>),
    }
}
