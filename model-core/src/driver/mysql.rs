//! MySQL and MariaDB through sqlx.

use std::str::FromStr;

use sqlx::mysql::{MySql, MySqlArguments, MySqlConnectOptions, MySqlQueryResult, MySqlRow};

use super::{Executed, SqlxBackend, bind_values, no_array_parameters, row_reader};
use crate::dialect::{Dialect, MariaDbDialect, MySqlDialect};
use crate::url::{Backend, DatabaseUrl};
use crate::value::Value;

row_reader!(MySqlRow);

#[derive(Debug)]
pub(crate) struct MySqlBackend;

impl SqlxBackend for MySqlBackend {
    type Db = MySql;
    const BACKEND: Backend = Backend::MySql;

    /// MariaDB's dialect for a `mariadb:` URL (it adds `INSERT ... RETURNING`); MySQL's,
    /// which both servers understand, for `mysql:`.
    fn dialect(url: &DatabaseUrl) -> &'static dyn Dialect {
        if is_mariadb(url) {
            &MariaDbDialect
        } else {
            &MySqlDialect
        }
    }

    fn connect_options(url: &DatabaseUrl) -> Result<MySqlConnectOptions, sqlx::Error> {
        // sqlx knows the `mysql:` scheme; `mariadb:` is the same protocol.
        let raw = url.expose();
        match raw.split_once(':') {
            Some((_, rest)) if is_mariadb(url) => {
                MySqlConnectOptions::from_str(&format!("mysql:{rest}"))
            }
            _ => MySqlConnectOptions::from_str(raw),
        }
    }

    fn arguments(args: &[Value]) -> Result<MySqlArguments, sqlx::Error> {
        bind_values!(
            MySqlArguments,
            args,
            |out, _| out.add(None::<i64>),
            |_, _| Err(no_array_parameters("MySQL/MariaDB"))
        )
    }

    fn executed(result: &MySqlQueryResult) -> Executed {
        Executed {
            rows_affected: result.rows_affected(),
            last_insert_id: i64::try_from(result.last_insert_id()).ok(),
        }
    }
}

/// Whether the URL names MariaDB (`mariadb:`) rather than MySQL.
fn is_mariadb(url: &DatabaseUrl) -> bool {
    url.scheme().as_deref() == Some("mariadb")
}
