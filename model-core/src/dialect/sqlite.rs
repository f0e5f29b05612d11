//! SQLite: backquoted identifiers, `?` placeholders, type names that sqlx maps back to the
//! right affinity, and `INTEGER PRIMARY KEY` for generated ids (the rowid alias).

use super::sqlite_ddl::{self, DdlConstraint};
use super::{
    AutoincrementSql, Cast, CatalogRow, Dialect, DialectId, InsertFeedback, TextMatch, TextPiece,
    push_quoted,
};
use crate::catalog::{TableSchema, canonical_type};
use crate::meta::{ColumnDef, Table};
use crate::sql_type::SqlType;
use crate::transaction_options::TransactionOptions;
use crate::url::Backend;
use std::borrow::Cow;

/// SQL for SQLite.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteDialect;

impl Dialect for SqliteDialect {
    /// SQLite's type names: an `INTEGER` or `REAL` affinity.
    fn cast_type(&self, cast: Cast) -> &'static str {
        match cast {
            Cast::BigInt => "INTEGER",
            Cast::Double => "REAL",
        }
    }

    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn id(&self) -> DialectId {
        DialectId::Sqlite
    }

    /// SQLite plans with the value bound to LIMIT/OFFSET and so marks the statement expired at
    /// every bind: a bound count made every `get`/`first` re-prepare its statement (measured:
    /// `sqlite3Reprepare` once per lookup, 2.6× raw sqlx's instructions). A literal lets the
    /// statement cache hit; only different counts (pages) prepare anew.
    fn bind_row_counts(&self) -> bool {
        false
    }

    /// Backquotes, not the standard double quotes: SQLite reads a double-quoted name that
    /// matches no column as a string literal, so a model that drifted from its table would
    /// silently compare against a constant (or index one) instead of failing. A backquoted
    /// name is always an identifier.
    fn push_ident(&self, out: &mut String, ident: &str) {
        push_quoted(out, ident, '`');
    }

    /// `IMMEDIATE` takes the write lock at once, waiting for it under the busy timeout. A
    /// deferred transaction that reads and then writes cannot wait: when another connection
    /// wrote in between, SQLite fails the write at once with "database is locked".
    fn begin_transaction(&self) -> &'static str {
        "BEGIN IMMEDIATE"
    }

    /// SQLite runs every transaction serializable, whatever level is asked. It has no
    /// read-only transaction: a read-only one begins `DEFERRED`, so it takes no write lock
    /// (the session refuses its writes).
    fn begin_with(&self, options: &TransactionOptions) -> Vec<Cow<'static, str>> {
        let begin = if options.read_only {
            "BEGIN DEFERRED"
        } else {
            self.begin_transaction()
        };
        vec![Cow::Borrowed(begin)]
    }

    /// `INSERT ... RETURNING` gives the row; a generated key is the rowid (an `INTEGER
    /// PRIMARY KEY` aliases it), which every write also reports.
    fn insert_feedback(&self) -> InsertFeedback {
        InsertFeedback::ReturningOrReportedKey
    }

    fn column_type(&self, column: &ColumnDef, _keyed: bool) -> String {
        match column.sql_type() {
            // Not "INTEGER": a sole primary key declared exactly INTEGER aliases the rowid and
            // generates ids, which `autoincrement = false` must not do (see `autoincrement`).
            SqlType::SmallInt => "SMALLINT".into(),
            SqlType::Integer => "INT".into(),
            SqlType::BigInt => "BIGINT".into(),
            SqlType::Real | SqlType::Double => "REAL".into(),
            SqlType::Boolean => "BOOLEAN".into(),
            SqlType::Text => match column.length() {
                Some(n) => format!("VARCHAR({n})"),
                None => "TEXT".into(),
            },
            SqlType::Blob | SqlType::Uuid => "BLOB".into(),
            SqlType::Timestamp | SqlType::TimestampTz => "DATETIME".into(),
            SqlType::Date => "DATE".into(),
            SqlType::Time => "TIME".into(),
            SqlType::Json => "TEXT".into(),
            // SQLite's NUMERIC keeps a number exactly up to 15 significant digits (as an
            // INTEGER or REAL, compared as numbers) and rounds beyond; a wider decimal is kept
            // as its text, exactly, which compares as text.
            SqlType::Decimal => match column.precision() {
                Some((p, s)) if p <= 15 => format!("NUMERIC({p}, {s})"),
                _ => "TEXT".into(),
            },
            // A native enum is text the database checks against the labels.
            SqlType::Enum(ty) if ty.is_native() => {
                let mut out = String::from("TEXT CHECK (");
                self.push_ident(&mut out, column.name());
                out.push_str(" IN (");
                out.push_str(&ty.quoted_labels());
                out.push_str("))");
                out
            }
            SqlType::Enum(_) => "TEXT".into(),
        }
    }

    /// Only a column declared exactly `INTEGER PRIMARY KEY` aliases the rowid and gets generated
    /// ids. (SQLite's `AUTOINCREMENT` keyword is not used, as in SQLAlchemy: it only forbids
    /// reusing the ids of deleted rows, at a cost on every insert.)
    fn autoincrement(&self, _column_type: String) -> AutoincrementSql {
        AutoincrementSql::InlinePrimaryKey("INTEGER".into())
    }

    /// SQLite accepts function calls as defaults only in parentheses; literals are fine in them too.
    fn server_default(&self, _column_type: &str, sql: &str) -> String {
        format!("DEFAULT ({sql})")
    }

    /// SQLITE_MAX_VARIABLE_NUMBER of the bundled SQLite.
    /// SQLite's `LIKE` ignores ASCII case and stops at a NUL character, so it could match more
    /// than asked (a bulk delete once took rows it was not asked to). Its byte functions on
    /// BLOBs are exact: the text's UTF-8 bytes are compared, NUL included.
    fn text_match(&self, test: TextMatch) -> &'static [TextPiece] {
        use TextPiece::{Column, Sql, Text};
        match test {
            TextMatch::StartsWith => &[
                Sql("instr(CAST("),
                Column,
                Sql(" AS BLOB), CAST("),
                Text,
                Sql(" AS BLOB)) = 1"),
            ],
            // From the byte where the suffix would start: past the end for an empty suffix
            // (giving the empty BLOB), at or before the start for a longer one (giving
            // fewer bytes than the suffix has).
            TextMatch::EndsWith => &[
                Sql("substr(CAST("),
                Column,
                Sql(" AS BLOB), length(CAST("),
                Column,
                Sql(" AS BLOB)) - length(CAST("),
                Text,
                Sql(" AS BLOB)) + 1) = CAST("),
                Text,
                Sql(" AS BLOB)"),
            ],
            TextMatch::Contains => &[
                Sql("instr(CAST("),
                Column,
                Sql(" AS BLOB), CAST("),
                Text,
                Sql(" AS BLOB)) > 0"),
            ],
        }
    }

    /// SQLite keeps names starting with `sqlite_` for itself and refuses to create them.
    fn check_table(&self, table: &Table) -> Vec<String> {
        let reserved = table
            .name()
            .get(..7)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case("sqlite_"));
        if reserved {
            return vec![format!(
                "SQLite reserves table names starting with `sqlite_` for its own use; name the \
                 table otherwise with `#[model(table = \"...\")]`"
            )];
        }
        Vec::new()
    }

    fn max_params(&self) -> usize {
        32_766
    }

    fn list_tables_sql(&self) -> &'static str {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    }

    /// A native enum is declared `TEXT CHECK (<column> IN (<labels>))`: its type is `TEXT` and
    /// the labels are the column's.
    fn catalog_type(&self, declared: &str) -> (String, Option<Vec<String>>) {
        let upper = declared.to_ascii_uppercase();
        match upper.find(" CHECK") {
            Some(at) => {
                let ddl = sqlite_ddl::parse(&format!("CREATE TABLE t (c {declared})"));
                let labels = ddl.columns.into_iter().next().and_then(|c| c.labels);
                (canonical_type(&declared[..at]), labels)
            }
            None => (canonical_type(declared), None),
        }
    }

    /// The pragmas, as table-valued functions, and the table's DDL (for what they omit).
    /// Indexes backing the primary key are left out: the key is read from the columns.
    fn reflect_table_sql(&self) -> (&'static str, usize) {
        (
            "SELECT 'column', name, type, CAST(\"notnull\" AS TEXT), dflt_value, NULL, NULL, \
             CAST(cid AS TEXT) FROM pragma_table_xinfo(?1) WHERE hidden = 0 \
             UNION ALL SELECT 'pk', name, CAST(pk AS TEXT), NULL, NULL, NULL, NULL, NULL \
             FROM pragma_table_xinfo(?1) WHERE pk > 0 \
             UNION ALL SELECT 'index', il.name, ii.name, CAST(il.\"unique\" AS TEXT), \
             CAST(ii.seqno AS TEXT), CASE il.origin WHEN 'u' THEN '1' ELSE '0' END, NULL, NULL \
             FROM pragma_index_list(?1) AS il JOIN pragma_index_info(il.name) AS ii \
             WHERE il.origin <> 'pk' \
             UNION ALL SELECT 'fk', NULL, \"from\", \"table\", \"to\", on_delete, CAST(id AS TEXT), \
             CAST(seq AS TEXT) FROM pragma_foreign_key_list(?1) \
             UNION ALL SELECT 'table', NULL, NULL, sql, NULL, NULL, NULL, NULL \
             FROM sqlite_master WHERE type = 'table' AND name = ?1",
            1,
        )
    }

    /// What SQLite's `ALTER TABLE` cannot do is done by rebuilding the table.
    fn migration_sql(
        &self,
        from: &crate::catalog::Schema,
        to: &crate::catalog::Schema,
        changes: &[crate::catalog::diff::SchemaChange],
    ) -> super::MigrationSql {
        super::sqlite_migration::render(self, from, to, changes)
    }

    /// A native enum's labels are checked by a `CHECK` on the column.
    fn schema_type(&self, column: &crate::catalog::ColumnSchema) -> String {
        match &column.labels {
            Some(labels) => {
                let mut out = format!("{} CHECK (", column.data_type);
                self.push_ident(&mut out, &column.name);
                out.push_str(" IN (");
                out.push_str(&super::quoted_list(labels));
                out.push_str("))");
                out
            }
            None => column.data_type.clone(),
        }
    }

    /// Names, collations and enum labels from the DDL; a sole `INTEGER` primary key is the
    /// rowid alias, whose values SQLite generates.
    fn finish_reflected(&self, table: &mut TableSchema, rows: &[CatalogRow]) {
        let sql = super::catalog::rows_of(rows, "table")
            .find_map(|(_, _, ddl)| ddl)
            .unwrap_or_default();
        let ddl = sqlite_ddl::parse(sql);
        for column in &mut table.columns {
            if let Some(declared) = ddl.column(&column.name) {
                column.collation = declared.collation.clone();
                column.labels = declared.labels.clone();
            }
        }
        if let [key] = table.primary_key.as_slice()
            && let Some(column) = table.columns.iter_mut().find(|c| c.name == *key)
            && column.data_type == "INTEGER"
        {
            column.autoincrement = true;
            // The rowid alias is never NULL, however it was declared.
            column.nullable = false;
        }
        for constraint in &ddl.constraints {
            match constraint {
                DdlConstraint::Unique { name, columns } => {
                    if let Some(index) = table.indexes.iter_mut().find(|i| {
                        i.constraint
                            && i.name.starts_with("sqlite_autoindex_")
                            && i.columns == *columns
                    }) {
                        index.name = name.clone();
                    }
                }
                DdlConstraint::ForeignKey { name, columns } => {
                    if let Some(fk) = table
                        .foreign_keys
                        .iter_mut()
                        .find(|fk| fk.columns == *columns && fk.name.is_empty())
                    {
                        fk.name = name.clone();
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql_cache::SqlCache;

    static SQL: SqlCache = SqlCache::new();

    #[test]
    fn table_names_sqlite_keeps_for_itself_are_refused_before_any_ddl() {
        for (name, problems) in [
            ("sqlite_tag", 1),
            ("SQLITE_X", 1),
            ("sqlitetag", 0),
            ("tag", 0),
        ] {
            let table = Table::new(name, None, "Tag", "m", &[], &[], &SQL);
            assert_eq!(SqliteDialect.check_table(&table).len(), problems, "{name}");
        }
    }
}
