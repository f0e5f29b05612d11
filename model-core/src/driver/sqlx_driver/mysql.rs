//! MySQL and MariaDB through sqlx.

use std::str::FromStr;

use sqlx::mysql::{MySql, MySqlArguments, MySqlConnectOptions, MySqlQueryResult, MySqlRow};

use super::{Executed, SqlxBackend, bind_values, no_array_parameters, row_reader};
use crate::dialect::{Dialect, MariaDbDialect, MySqlDialect};
use crate::url::{Backend, DatabaseUrl};
use crate::value::Value;

row_reader!(MySqlRow, decimal: super::row::decimal_by_type);

#[derive(Debug)]
pub(crate) struct MySqlBackend;

impl SqlxBackend for MySqlBackend {
    type Db = MySql;
    const BACKEND: Backend = Backend::MySql;
    /// `wait_timeout` closes connections idle past it (8 hours by default, often much less).
    const IDLE_LIMIT_MS: Option<&'static str> =
        Some("SELECT CAST(@@SESSION.wait_timeout AS SIGNED) * 1000");

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
            null: |out, _| out.add(None::<i64>),
            array: |_, _| Err(no_array_parameters("MySQL/MariaDB")),
            label: |_, label| out.add(*label),
            decimal: |v| out.add(*v),
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

/// What MySQL and MariaDB report about a violated constraint, read from the message, the only
/// place they say it:
/// - `Duplicate entry 'x' for key 'uq_user_name'` (MySQL 8: `'user.uq_user_name'`);
/// - `... a foreign key constraint fails (`db`.`post`, CONSTRAINT `fk_..` FOREIGN KEY (`author_id`) ...`;
/// - `Column 'name' cannot be null`, `Field 'name' doesn't have a default value`;
/// - MariaDB `CONSTRAINT `c` failed for `db`.`t``, MySQL `Check constraint 'c' is violated.`
pub(crate) fn violation(error: &sqlx::mysql::MySqlDatabaseError) -> crate::driver::Reported {
    violation_in(error.message())
}

/// [`violation`], from the message alone.
fn violation_in(message: &str) -> crate::driver::Reported {
    let mut reported = crate::driver::Reported::default();
    if let Some(i) = message.rfind("for key '") {
        let key = message[i + "for key '".len()..].trim_end_matches('\'');
        let (table, key) = match key.split_once('.') {
            Some((table, key)) => (Some(table), key),
            None => (None, key),
        };
        reported.table = table.map(str::to_owned);
        reported.constraint = Some(key.to_owned());
    } else if let Some(i) = message.find("CONSTRAINT `") {
        let names = backquoted(&message[i..]);
        reported.constraint = names.first().cloned();
        // `db`.`table` stands just before CONSTRAINT in a foreign key message, after it in a
        // MariaDB check message.
        let before = backquoted(&message[..i]);
        reported.table = before.get(1).cloned().or_else(|| names.get(2).cloned());
        if let Some(j) = message[i..].find("FOREIGN KEY (") {
            let start = i + j + "FOREIGN KEY (".len();
            let end = message[start..]
                .find(')')
                .map_or(message.len(), |e| start + e);
            reported.columns = backquoted(&message[start..end]);
        }
    } else if let Some(rest) = message
        .strip_prefix("Column '")
        .or_else(|| message.strip_prefix("Field '"))
    {
        if let Some(end) = rest.find('\'') {
            reported.columns = vec![rest[..end].to_owned()];
        }
    } else if let Some(rest) = message.strip_prefix("Check constraint '") {
        reported.constraint = rest.find('\'').map(|end| rest[..end].to_owned());
    }
    reported
}

/// The names between backquotes in `text`, in order.
fn backquoted(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(message: &str) -> (Option<String>, Option<String>, Vec<String>) {
        let r = violation_in(message);
        (r.constraint, r.table, r.columns)
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn violations_are_read_from_mysql_and_mariadb_messages() {
        assert_eq!(
            read("Duplicate entry 'ann' for key 'uq_user_name'"),
            (some("uq_user_name"), None, vec![])
        );
        // MySQL 8 qualifies the key with its table.
        assert_eq!(
            read("Duplicate entry 'ann' for key 'user.uq_user_name'"),
            (some("uq_user_name"), some("user"), vec![])
        );
        assert_eq!(
            read(
                "Cannot add or update a child row: a foreign key constraint fails (`app`.`post`, \
                 CONSTRAINT `fk_post_author_id_user` FOREIGN KEY (`author_id`) REFERENCES `user` (`id`))"
            ),
            (
                some("fk_post_author_id_user"),
                some("post"),
                vec!["author_id".to_owned()]
            )
        );
        assert_eq!(
            read("Column 'name' cannot be null"),
            (None, None, vec!["name".to_owned()])
        );
        assert_eq!(
            read("Field 'name' doesn't have a default value"),
            (None, None, vec!["name".to_owned()])
        );
        assert_eq!(
            read("CONSTRAINT `positive_price` failed for `app`.`priced`"),
            (some("positive_price"), some("priced"), vec![])
        );
        assert_eq!(
            read("Check constraint 'positive_price' is violated."),
            (some("positive_price"), None, vec![])
        );
    }
}
