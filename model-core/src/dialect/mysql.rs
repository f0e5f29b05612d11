//! MySQL and MariaDB: backquoted identifiers, `?` placeholders, `AUTO_INCREMENT`, InnoDB with
//! utf8mb4, indexes declared inside `CREATE TABLE`, and no transactional DDL. The two share
//! everything but `INSERT ... RETURNING`, which MariaDB (10.5+) has and MySQL lacks: a
//! `mariadb:` URL selects [`MariaDbDialect`] and saves the read-back after each insert.

use super::{
    AutoincrementSql, Cast, CatalogRow, Dialect, DialectId, InsertFeedback, TextMatch, TextPiece,
    push_quoted,
};
use crate::catalog::{TableSchema, canonical_type};
use crate::meta::{ColumnDef, ReferentialAction, Table};
use crate::sql_type::SqlType;

/// InnoDB's largest index key, in bytes (DYNAMIC row format).
const MAX_KEY_BYTES: u32 = 3072;

/// The bytes one column takes in an InnoDB key.
fn key_bytes(column: &ColumnDef) -> u32 {
    match column.sql_type() {
        SqlType::SmallInt => 2,
        SqlType::Integer | SqlType::Real => 4,
        SqlType::BigInt | SqlType::Double | SqlType::Timestamp | SqlType::TimestampTz => 8,
        SqlType::Boolean => 1,
        SqlType::Date => 3,
        SqlType::Time => 6,
        // DECIMAL packs nine digits in four bytes.
        SqlType::Decimal => column
            .precision()
            .map_or(30, |(p, _)| p.div_ceil(9) * 4 + 1),
        SqlType::Enum(ty) if ty.is_native() => 2,
        SqlType::Enum(_) => 4 * 255,
        SqlType::Uuid => 16,
        SqlType::Text => 4 * column.length().unwrap_or(255),
        SqlType::Blob => 255,
        SqlType::Json => 0,
    }
}

/// `CURRENT_TIMESTAMP`, `CURRENT_TIMESTAMP(n)`, `now()`, `now(n)`, any case.
fn is_current_timestamp(sql: &str) -> bool {
    let lower = sql.trim().to_ascii_lowercase();
    let name = lower.split('(').next().unwrap_or("").trim();
    let args_ok = match lower.find('(') {
        None => name == "current_timestamp",
        Some(open) => {
            lower.ends_with(')')
                && lower[open + 1..lower.len() - 1]
                    .trim()
                    .chars()
                    .all(|c| c.is_ascii_digit())
        }
    };
    matches!(name, "current_timestamp" | "now" | "localtimestamp") && args_ok
}
use crate::transaction_options::TransactionOptions;
use crate::url::Backend;
use std::borrow::Cow;

/// The catalog query of one table, from `information_schema` (the table's name bound six
/// times). A JSON column is `longtext` with a `json_valid` check on MariaDB; the checks are
/// read by the clause, as MySQL's `check_constraints` has no table name column.
const REFLECT_TABLE: &str = "SELECT 'column', CAST(column_name AS CHAR), CAST(column_type AS CHAR), \
     IF(is_nullable = 'NO', '1', '0'), CAST(column_default AS CHAR), \
     IF(extra LIKE '%auto_increment%', '1', '0'), CAST(collation_name AS CHAR), \
     CAST(ordinal_position AS CHAR) \
     FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? \
     UNION ALL SELECT 'pk', CAST(column_name AS CHAR), CAST(seq_in_index AS CHAR), NULL, NULL, \
     NULL, NULL, NULL FROM information_schema.statistics \
     WHERE table_schema = DATABASE() AND table_name = ? AND index_name = 'PRIMARY' \
     UNION ALL SELECT 'index', CAST(index_name AS CHAR), CAST(column_name AS CHAR), \
     IF(non_unique = 0, '1', '0'), CAST(seq_in_index AS CHAR), IF(non_unique = 0, '1', '0'), \
     NULL, NULL FROM information_schema.statistics \
     WHERE table_schema = DATABASE() AND table_name = ? AND index_name <> 'PRIMARY' \
     UNION ALL SELECT 'fk', CAST(k.constraint_name AS CHAR), CAST(k.column_name AS CHAR), \
     CAST(k.referenced_table_name AS CHAR), CAST(k.referenced_column_name AS CHAR), \
     CAST(r.delete_rule AS CHAR), CAST(k.constraint_name AS CHAR), \
     CAST(k.ordinal_position AS CHAR) FROM information_schema.key_column_usage k \
     JOIN information_schema.referential_constraints r \
     ON r.constraint_schema = k.constraint_schema AND r.constraint_name = k.constraint_name \
     AND r.table_name = k.table_name \
     WHERE k.table_schema = DATABASE() AND k.table_name = ? AND k.referenced_table_name IS NOT NULL \
     UNION ALL SELECT 'table', NULL, CAST(table_collation AS CHAR), NULL, NULL, NULL, NULL, NULL \
     FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ? \
     UNION ALL SELECT 'check', CAST(cc.constraint_name AS CHAR), CAST(cc.check_clause AS CHAR), \
     NULL, NULL, NULL, NULL, NULL FROM information_schema.check_constraints cc \
     JOIN information_schema.table_constraints tc ON tc.constraint_schema = cc.constraint_schema \
     AND tc.constraint_name = cc.constraint_name AND tc.constraint_type = 'CHECK' \
     WHERE cc.constraint_schema = DATABASE() AND tc.table_name = ? \
     AND cc.check_clause LIKE 'json\\_valid(%'";

/// The catalog's `column_type` as `create_all` writes it: without the display widths MariaDB
/// and MySQL 5 print (`int(11)`), `BOOLEAN` as the `TINYINT(1)` it is, an `ENUM`'s labels
/// apart.
fn catalog_type(declared: &str) -> (String, Option<Vec<String>>) {
    let canonical = canonical_type(declared);
    if canonical.starts_with("ENUM(") && canonical.ends_with(')') {
        // The labels as written, not uppercased.
        let start = declared.find('(').map_or(0, |i| i + 1);
        let end = declared.rfind(')').unwrap_or(declared.len());
        let labels = crate::catalog::parse_labels(&declared[start..end].replace("\\\\", "\\"));
        return ("ENUM".to_owned(), labels);
    }
    if matches!(canonical.as_str(), "BOOLEAN" | "BOOL") {
        return ("TINYINT(1)".to_owned(), None);
    }
    for int in ["SMALLINT", "MEDIUMINT", "INT", "BIGINT"] {
        if canonical
            .strip_prefix(int)
            .is_some_and(|rest| rest.starts_with('(') && rest.ends_with(')'))
        {
            return (int.to_owned(), None);
        }
    }
    (canonical, None)
}

/// `changes` with each foreign key whose only usable index is dropped taken off before the
/// drop and put back at the end.
fn keys_around_index_drops(
    to: &crate::catalog::Schema,
    changes: &[crate::catalog::diff::SchemaChange],
) -> Vec<crate::catalog::diff::SchemaChange> {
    use crate::catalog::diff::SchemaChange;
    let mut out = Vec::with_capacity(changes.len());
    let mut put_back = Vec::new();
    for change in changes {
        if let SchemaChange::DropIndex { table, index } = change
            && let Some(after) = to.table(table)
        {
            for fk in &after.foreign_keys {
                let relied_on = index.columns.starts_with(&fk.columns);
                let served_after = after.primary_key.starts_with(&fk.columns)
                    || after
                        .indexes
                        .iter()
                        .any(|i| i.columns.starts_with(&fk.columns));
                let already = changes.iter().any(|c| {
                    matches!(c, SchemaChange::DropForeignKey { table: t, foreign_key }
                        if t == table && foreign_key.name == fk.name)
                });
                if relied_on && !served_after && !already {
                    out.push(SchemaChange::DropForeignKey {
                        table: table.clone(),
                        foreign_key: fk.clone(),
                    });
                    put_back.push(SchemaChange::AddForeignKey {
                        table: table.clone(),
                        foreign_key: fk.clone(),
                    });
                }
            }
        }
        out.push(change.clone());
    }
    out.extend(put_back);
    out
}

/// A default as MySQL 8 reports an expression default: `_utf8mb4\'draft\'` is the literal
/// `'draft'` (MariaDB reports `'draft'` already).
fn expression_default(default: &str) -> String {
    let literal = default
        .strip_prefix('_')
        .and_then(|rest| rest.find("\\'").map(|at| rest.split_at(at)))
        .filter(|(charset, quoted)| {
            charset.bytes().all(|b| b.is_ascii_alphanumeric()) && quoted.ends_with("\\'")
        })
        .map(|(_, quoted)| quoted);
    match literal {
        Some(escaped) => escaped.replace("\\'", "'"),
        None => default.to_owned(),
    }
}

/// A `longtext` column with a `json_valid` check is MariaDB's JSON; a column's collation is
/// reported only where it is not the table's (a JSON column's is the binary one the type
/// implies); the index InnoDB makes for a foreign key on its own is not one of the table's.
fn finish_reflected(table: &mut TableSchema, rows: &[CatalogRow]) {
    let json: Vec<&str> = super::catalog::rows_of(rows, "check")
        .filter_map(|(_, clause, _)| clause)
        .filter_map(|clause| {
            clause
                .strip_prefix("json_valid(`")
                .and_then(|rest| rest.strip_suffix("`)"))
        })
        .collect();
    for column in &mut table.columns {
        if let Some(default) = &column.default {
            column.default = Some(expression_default(default));
        }
        if column.data_type == "LONGTEXT" && json.contains(&column.name.as_str()) {
            column.data_type = "JSON".to_owned();
        }
        if column.data_type == "JSON" || column.collation == table.collation {
            column.collation = None;
        }
    }
    let foreign_keys = &table.foreign_keys;
    table.indexes.retain(|index| {
        !foreign_keys
            .iter()
            .any(|fk| fk.name == index.name && fk.columns == index.columns && !index.unique)
    });
}

/// SQL for MySQL, and for MariaDB reached through a `mysql:` URL.
#[derive(Debug, Clone, Copy, Default)]
pub struct MySqlDialect;

/// SQL for MariaDB 10.5 or later (a `mariadb:` URL): [`MySqlDialect`] plus `INSERT ... RETURNING`.
#[derive(Debug, Clone, Copy, Default)]
pub struct MariaDbDialect;

/// The `Dialect` impl of both: one body, so the two cannot drift apart.
macro_rules! mysql_family {
    (
        $dialect:ty,
        id = $id:expr,
        insert_returning = $insert_returning:expr,
        collation = $collation:expr
    ) => {
        impl Dialect for $dialect {
            fn backend(&self) -> Backend {
                Backend::MySql
            }

            fn id(&self) -> DialectId {
                $id
            }

            fn push_ident(&self, out: &mut String, ident: &str) {
                push_quoted(out, ident, '`');
            }

            /// MySQL casts to `SIGNED` (a 64-bit integer) and `DOUBLE`.
            fn cast_type(&self, cast: Cast) -> &'static str {
                match cast {
                    Cast::BigInt => "SIGNED",
                    Cast::Double => "DOUBLE",
                }
            }

            /// MySQL sets the isolation level of the next transaction with a statement of its
            /// own, then opens it with `START TRANSACTION`, which takes the access mode.
            fn begin_with(&self, options: &TransactionOptions) -> Vec<Cow<'static, str>> {
                let mut statements = Vec::with_capacity(2);
                if let Some(level) = options.isolation {
                    statements.push(Cow::Owned(format!(
                        "SET TRANSACTION ISOLATION LEVEL {}",
                        level.sql()
                    )));
                }
                statements.push(Cow::Borrowed(if options.read_only {
                    "START TRANSACTION READ ONLY"
                } else {
                    self.begin_transaction()
                }));
                statements
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
                    SqlType::Time => "TIME(6)".into(),
                    SqlType::Uuid => "BINARY(16)".into(),
                    SqlType::Json => "JSON".into(),
                    // The derive requires a precision; DECIMAL alone would be DECIMAL(10, 0).
                    SqlType::Decimal => match column.precision() {
                        Some((p, s)) => format!("DECIMAL({p}, {s})"),
                        None => "DECIMAL(65, 30)".into(),
                    },
                    // MySQL reads a backslash in a string literal as an escape by default.
                    SqlType::Enum(ty) if ty.is_native() => {
                        format!("ENUM({})", ty.quoted_labels().replace('\\', "\\\\"))
                    }
                    SqlType::Enum(_) if keyed => "VARCHAR(255)".into(),
                    SqlType::Enum(_) => "LONGTEXT".into(),
                }
            }

            fn autoincrement(&self, ty: String) -> AutoincrementSql {
                AutoincrementSql::Suffix(ty, "AUTO_INCREMENT")
            }

            /// MySQL 8 takes expression defaults only in parentheses, and on TEXT/BLOB/JSON columns
            /// nothing else; MariaDB accepts the same form. The current-time family is the exception:
            /// it is written bare, with the `(6)` precision of the `DATETIME(6)` columns above.
            fn server_default(&self, column_type: &str, sql: &str) -> String {
                let is_timestamp = column_type.to_ascii_uppercase().starts_with("DATETIME");
                if is_timestamp && is_current_timestamp(sql) {
                    "DEFAULT CURRENT_TIMESTAMP(6)".into()
                } else {
                    format!("DEFAULT ({sql})")
                }
            }

            /// InnoDB's limits, which the other backends do not have.
            fn check_table(&self, table: &Table) -> Vec<String> {
                let mut problems = Vec::new();
                for (column, fk) in table.foreign_keys() {
                    if fk.on_delete() == Some(crate::meta::ReferentialAction::SetDefault) {
                        problems.push(format!(
                            "column \"{}\": MySQL/MariaDB (InnoDB) do not support ON DELETE SET DEFAULT; use another `on_delete`",
                            column.name()
                        ));
                    }
                }
                let mut keys: Vec<(String, Vec<&str>)> = vec![(
                    "primary key".to_owned(),
                    table.primary_key().map(|c| c.name()).collect(),
                )];
                keys.extend(
                    table
                        .indexes()
                        .into_iter()
                        .map(|i| (format!("index \"{}\"", i.name), i.columns)),
                );
                // InnoDB indexes every foreign-key column on its own.
                keys.extend(
                    table
                        .foreign_keys()
                        .map(|(c, _)| (format!("foreign key on \"{}\"", c.name()), vec![c.name()])),
                );
                for (what, columns) in keys {
                    let bytes: u32 = columns
                        .iter()
                        .filter_map(|c| table.column(c))
                        .map(key_bytes)
                        .sum();
                    if bytes > MAX_KEY_BYTES {
                        problems.push(format!(
                            "the {what} over ({}) takes {bytes} bytes and InnoDB keys hold at most {MAX_KEY_BYTES}; \
                             give its string columns a smaller `length` (utf8mb4 needs 4 bytes per character)",
                            columns.join(", ")
                        ));
                    }
                }
                problems
            }

            /// `LIKE` follows the column's collation, which may ignore case and accents; on
            /// the bytes it compares exactly. Only `%` is a wildcard in these patterns, and
            /// no byte of a multi-byte UTF-8 character is `%` or `!`, so bytes match where
            /// characters would.
            fn text_match(&self, _test: TextMatch) -> &'static [TextPiece] {
                &[
                    TextPiece::Sql("CAST("),
                    TextPiece::Column,
                    TextPiece::Sql(" AS BINARY) LIKE CAST("),
                    TextPiece::Pattern,
                    TextPiece::Sql(" AS BINARY) ESCAPE '!'"),
                ]
            }

            /// Both report the key an insert generated (`LAST_INSERT_ID()`); MariaDB also
            /// has `INSERT ... RETURNING`.
            fn insert_feedback(&self) -> InsertFeedback {
                if $insert_returning {
                    InsertFeedback::ReturningOrReportedKey
                } else {
                    InsertFeedback::ReportedKey
                }
            }

            /// Neither has `UPDATE ... RETURNING`; the row is read back by key.
            fn update_returning(&self) -> bool {
                false
            }

            /// A multi-row `VALUES` is inserted row after row, and AUTO_INCREMENT hands the
            /// rows ascending keys (with gaps under some `innodb_autoinc_lock_mode` and
            /// `auto_increment_increment` settings, which sorting does not mind). Only MariaDB
            /// returns them (`RETURNING`); MySQL reports the first alone.
            fn keys_in_row_order(&self) -> bool {
                $insert_returning
            }

            fn insert_defaults(&self) -> &'static str {
                " () VALUES ()"
            }

            fn no_limit(&self) -> &'static str {
                "18446744073709551615"
            }

            /// utf8mb4 with a binary collation unless the model names one: the server's
            /// default (`utf8mb4_general_ci`, `utf8mb4_0900_ai_ci`) ignores case and accents
            /// and treats some different characters as equal, so `eq("🎉")` matched "😀" and
            /// a unique username refused "Admin" once "admin" existed. A binary collation
            /// tells every character apart and sorts by code point, as SQLite does.
            fn table_options(&self, collation: Option<&str>) -> String {
                let mut options = String::from(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=");
                self.push_ident(&mut options, collation.unwrap_or($collation));
                options
            }

            fn column_collation(&self, _table: &Table, column: &ColumnDef) -> Option<&'static str> {
                column.collation()
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

            fn catalog_type(&self, declared: &str) -> (String, Option<Vec<String>>) {
                catalog_type(declared)
            }

            /// InnoDB refuses to drop the only index a foreign key can use (error 1553): such a
            /// key is dropped before the index and added back after, when InnoDB gives it an
            /// index of its own.
            fn migration_sql(
                &self,
                from: &crate::catalog::Schema,
                to: &crate::catalog::Schema,
                changes: &[crate::catalog::diff::SchemaChange],
            ) -> super::MigrationSql {
                super::migration::standard(self, from, to, &keys_around_index_drops(to, changes))
            }

            fn schema_type(&self, column: &crate::catalog::ColumnSchema) -> String {
                match &column.labels {
                    // MySQL reads a backslash in a string literal as an escape by default.
                    Some(labels) => format!(
                        "ENUM({})",
                        super::quoted_list(labels).replace('\\', "\\\\")
                    ),
                    None => column.data_type.clone(),
                }
            }

            /// `MODIFY COLUMN` with the whole new definition.
            fn alter_column_sql(
                &self,
                table: &str,
                _from: &crate::catalog::ColumnSchema,
                to: &crate::catalog::ColumnSchema,
            ) -> Vec<String> {
                let mut sql = super::migration::alter_table(self, table);
                sql.push_str(" MODIFY COLUMN ");
                sql.push_str(&super::ddl::column_definition(self, &super::ddl::schema_column(self, to)).0);
                vec![sql]
            }

            /// Unique constraints are indexes here.
            fn drop_index_sql(&self, table: &str, index: &crate::catalog::IndexSchema) -> String {
                let mut sql = super::migration::alter_table(self, table);
                sql.push_str(" DROP INDEX ");
                self.push_ident(&mut sql, &index.name);
                sql
            }

            /// The key, and the index InnoDB made for it when no other index served it (the
            /// index outlives its key, and would be left over).
            fn drop_foreign_key_sql(
                &self,
                table: &TableSchema,
                fk: &crate::catalog::ForeignKeySchema,
            ) -> Vec<String> {
                let mut out = Vec::new();
                let mut sql = super::migration::alter_table(self, &table.name);
                sql.push_str(" DROP FOREIGN KEY ");
                self.push_ident(&mut sql, &fk.name);
                out.push(sql);
                let served = table.primary_key.starts_with(&fk.columns)
                    || table.indexes.iter().any(|index| index.columns.starts_with(&fk.columns));
                if !served {
                    let mut sql = super::migration::alter_table(self, &table.name);
                    sql.push_str(" DROP INDEX ");
                    self.push_ident(&mut sql, &fk.name);
                    out.push(sql);
                }
                out
            }

            fn alter_primary_key_sql(&self, table: &str, from: &[String], to: &[String]) -> Vec<String> {
                let mut clauses = Vec::new();
                if !from.is_empty() {
                    clauses.push("DROP PRIMARY KEY".to_owned());
                }
                if !to.is_empty() {
                    let mut clause = String::from("ADD PRIMARY KEY ");
                    let columns: Vec<&str> = to.iter().map(String::as_str).collect();
                    self.push_ident_list(&mut clause, &columns);
                    clauses.push(clause);
                }
                if clauses.is_empty() {
                    return Vec::new();
                }
                let mut sql = super::migration::alter_table(self, table);
                sql.push(' ');
                sql.push_str(&clauses.join(", "));
                vec![sql]
            }

            fn unique_index_is_constraint(&self) -> bool {
                true
            }

            /// InnoDB reports a foreign key declared without `ON DELETE` as `RESTRICT`.
            fn default_on_delete(&self) -> ReferentialAction {
                ReferentialAction::Restrict
            }

            fn table_collation(&self, table: &Table) -> Option<&'static str> {
                Some(table.collation().unwrap_or($collation))
            }

            fn reflect_table_sql(&self) -> (&'static str, usize) {
                (REFLECT_TABLE, 6)
            }

            fn finish_reflected(&self, table: &mut TableSchema, rows: &[CatalogRow]) {
                finish_reflected(table, rows);
            }
        }
    };
}

// `utf8mb4_bin` exists on both servers but pads with spaces in comparisons ('a' = 'a ');
// MariaDB's `utf8mb4_nopad_bin` does not, and a `mariadb:` URL says the server is MariaDB.
mysql_family!(
    MySqlDialect,
    id = DialectId::MySql,
    insert_returning = false,
    collation = "utf8mb4_bin"
);
mysql_family!(
    MariaDbDialect,
    id = DialectId::MariaDb,
    insert_returning = true,
    collation = "utf8mb4_nopad_bin"
);

#[cfg(test)]
mod tests {
    use super::expression_default;

    #[test]
    fn mysql_8_expression_defaults_read_as_literals() {
        assert_eq!(expression_default("_utf8mb4\\'draft\\'"), "'draft'");
        assert_eq!(expression_default("'draft'"), "'draft'");
        assert_eq!(expression_default("_x y\\'z\\'"), "_x y\\'z\\'");
        assert_eq!(expression_default("0"), "0");
    }
}
