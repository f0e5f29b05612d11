//! MySQL and MariaDB through sqlx.

use std::str::FromStr;

use sqlx::Arguments as _;
use sqlx::mysql::{MySql, MySqlArguments, MySqlConnectOptions, MySqlRow};

use super::{SqlxBackend, row_reader};
use crate::dialect::{Dialect, MySqlDialect};
use crate::url::{Backend, DatabaseUrl};
use crate::value::Value;

/// The decoding bounds MySQL needs of a field type (implemented for every type sqlx decodes).
pub trait MySqlField: for<'r> sqlx::Decode<'r, MySql> + sqlx::Type<MySql> {}
impl<T> MySqlField for T where T: for<'r> sqlx::Decode<'r, MySql> + sqlx::Type<MySql> {}

row_reader!(MySqlRow);

#[derive(Debug)]
pub(crate) struct MySqlBackend;

impl SqlxBackend for MySqlBackend {
    type Db = MySql;
    const BACKEND: Backend = Backend::MySql;
    const DIALECT: &'static dyn Dialect = &MySqlDialect;

    fn connect_options(url: &DatabaseUrl) -> Result<MySqlConnectOptions, sqlx::Error> {
        // sqlx knows the `mysql:` scheme; `mariadb:` is the same protocol.
        let raw = url.expose();
        match raw.split_once(':') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("mariadb") => {
                MySqlConnectOptions::from_str(&format!("mysql:{rest}"))
            }
            _ => MySqlConnectOptions::from_str(raw),
        }
    }

    fn arguments(args: &[Value]) -> Result<MySqlArguments, sqlx::Error> {
        let mut out = MySqlArguments::default();
        for value in args {
            let added = match value {
                Value::Null(_) => out.add(None::<i64>),
                Value::Bool(v) => out.add(*v),
                Value::SmallInt(v) => out.add(*v),
                Value::Int(v) => out.add(*v),
                Value::BigInt(v) => out.add(*v),
                Value::Real(v) => out.add(*v),
                Value::Double(v) => out.add(*v),
                Value::Text(v) => out.add(v.as_str()),
                Value::Blob(v) => out.add(v.as_slice()),
                #[cfg(feature = "chrono")]
                Value::Timestamp(v) => out.add(*v),
                #[cfg(feature = "chrono")]
                Value::TimestampTz(v) => out.add(*v),
                #[cfg(feature = "chrono")]
                Value::Date(v) => out.add(*v),
                #[cfg(feature = "uuid")]
                Value::Uuid(v) => out.add(*v),
                #[cfg(feature = "json")]
                Value::Json(v) => out.add(sqlx::types::Json(v)),
            };
            added.map_err(sqlx::Error::Encode)?;
        }
        Ok(out)
    }
}
