//! MySQL and MariaDB: backquoted identifiers, `?` placeholders, `AUTO_INCREMENT`, InnoDB with
//! utf8mb4, indexes declared inside `CREATE TABLE`, and no transactional DDL.

use super::{AutoincrementSql, Dialect, push_quoted};
use crate::meta::{ColumnDef, SqlType};
use crate::url::Backend;

/// SQL for MySQL and MariaDB.
#[derive(Debug, Clone, Copy, Default)]
pub struct MySqlDialect;

impl Dialect for MySqlDialect {
    fn backend(&self) -> Backend {
        Backend::MySql
    }

    fn push_ident(&self, out: &mut String, ident: &str) {
        push_quoted(out, ident, '`');
    }

    /// Unbounded strings are `LONGTEXT` (`TEXT` stops at 64 KiB). MySQL cannot index or key an
    /// unbounded column, so a keyed string without `length` becomes `VARCHAR(255)` (1020 bytes
    /// in utf8mb4, within InnoDB's key limit), and a keyed blob `VARBINARY(255)`.
    fn column_type(&self, column: &ColumnDef, keyed: bool) -> String {
        match column.sql_type() {
            SqlType::SmallInt => "SMALLINT".into(),
            SqlType::Integer => "INT".into(),
            SqlType::BigInt => "BIGINT".into(),
            SqlType::Real => "FLOAT".into(),
            SqlType::Double => "DOUBLE".into(),
            SqlType::Boolean => "BOOLEAN".into(),
            SqlType::Text => match (column.length(), keyed) {
                (Some(n), _) => format!("VARCHAR({n})"),
                (None, true) => "VARCHAR(255)".into(),
                (None, false) => "LONGTEXT".into(),
            },
            SqlType::Blob if keyed => "VARBINARY(255)".into(),
            SqlType::Blob => "LONGBLOB".into(),
            // Microsecond precision, as the other backends keep; sqlx sets the session time
            // zone to UTC, so DateTime<Utc> round-trips through DATETIME unchanged.
            SqlType::Timestamp | SqlType::TimestampTz => "DATETIME(6)".into(),
            SqlType::Date => "DATE".into(),
            SqlType::Uuid => "BINARY(16)".into(),
            SqlType::Json => "JSON".into(),
        }
    }

    fn autoincrement(&self, _column: &ColumnDef, ty: String) -> AutoincrementSql {
        AutoincrementSql::Suffix(ty, "AUTO_INCREMENT")
    }

    /// `CURRENT_TIMESTAMP` must match the column's fractional-second precision on MySQL, so
    /// it is written `CURRENT_TIMESTAMP(6)` for the `DATETIME(6)` columns above.
    fn server_default(&self, column: &ColumnDef, sql: &str) -> String {
        let is_timestamp = matches!(column.sql_type(), SqlType::Timestamp | SqlType::TimestampTz);
        let trimmed = sql.trim();
        if is_timestamp
            && (trimmed.eq_ignore_ascii_case("CURRENT_TIMESTAMP")
                || trimmed.eq_ignore_ascii_case("now()"))
        {
            "DEFAULT CURRENT_TIMESTAMP(6)".into()
        } else {
            format!("DEFAULT {sql}")
        }
    }

    fn table_options(&self) -> &'static str {
        " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
    }

    fn inline_indexes(&self) -> bool {
        true
    }

    fn transactional_ddl(&self) -> bool {
        false
    }

    fn list_tables_sql(&self) -> &'static str {
        "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
         WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'"
    }
}
