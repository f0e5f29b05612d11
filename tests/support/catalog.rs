//! Reads what a database really holds from its own catalog (sqlite_master and pragmas,
//! information_schema, pg_index), normalized so tests can compare backends side by side.

use sqlx::mysql::MySqlPool;
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;
use sqlx::{AssertSqlSafe, Row};

use crate::databases::Kind;

/// A column as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    /// Column name.
    pub name: String,
    /// The declared type, lowercased (`varchar(36)`, `character varying(36)`, `bigint`...).
    pub data_type: String,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// The default expression, if any.
    pub default: Option<String>,
    /// Whether the database generates values (identity, AUTO_INCREMENT, rowid alias).
    pub generated: bool,
}

/// A non-primary index (including those backing UNIQUE constraints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexInfo {
    /// Index name.
    pub name: String,
    /// Columns, in order.
    pub columns: Vec<String>,
    /// Whether it enforces uniqueness.
    pub unique: bool,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeyInfo {
    /// The referencing column.
    pub column: String,
    /// The referenced table.
    pub ref_table: String,
    /// The referenced column.
    pub ref_column: String,
    /// `CASCADE`, `SET NULL`, `NO ACTION`, ...
    pub on_delete: String,
}

/// A connection to one test database, for reading its catalog and running setup SQL.
pub enum Catalog {
    /// SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
    /// MySQL/MariaDB.
    MySql(MySqlPool),
}

/// A value bound by [`Catalog::execute_bound`].
#[derive(Debug, Clone)]
pub enum Param {
    /// BIGINT.
    I64(i64),
    /// INT.
    I32(i32),
    /// DOUBLE.
    F64(f64),
    /// BOOLEAN.
    Bool(bool),
    /// Text.
    Text(String),
    /// A NULL text.
    NullText,
}

impl Catalog {
    /// Runs setup SQL with bound values; placeholders are written `?` and turned into `$n`
    /// for PostgreSQL.
    pub async fn execute_bound(&self, sql: &str, params: &[Param]) {
        macro_rules! bind_all {
            ($query:expr) => {{
                let mut query = $query;
                for param in params {
                    query = match param {
                        Param::I64(v) => query.bind(*v),
                        Param::I32(v) => query.bind(*v),
                        Param::F64(v) => query.bind(*v),
                        Param::Bool(v) => query.bind(*v),
                        Param::Text(v) => query.bind(v.clone()),
                        Param::NullText => query.bind(None::<String>),
                    };
                }
                query
            }};
        }
        let result = match self {
            Catalog::Sqlite(p) => bind_all!(sqlx::query(AssertSqlSafe(sql.to_owned())))
                .execute(p)
                .await
                .map(|_| ()),
            Catalog::Postgres(p) => {
                let mut numbered = String::new();
                let mut n = 0;
                for c in sql.chars() {
                    if c == '?' {
                        n += 1;
                        numbered.push_str(&format!("${n}"));
                    } else {
                        numbered.push(c);
                    }
                }
                bind_all!(sqlx::query(AssertSqlSafe(numbered)))
                    .execute(p)
                    .await
                    .map(|_| ())
            }
            Catalog::MySql(p) => bind_all!(sqlx::query(AssertSqlSafe(sql.to_owned())))
                .execute(p)
                .await
                .map(|_| ()),
        };
        result.unwrap_or_else(|e| panic!("setup SQL failed: {sql}: {e}"));
    }

    /// Connects to the database at `url`.
    pub async fn connect(kind: Kind, url: &str) -> Result<Catalog, sqlx::Error> {
        Ok(match kind {
            Kind::SqliteMemory | Kind::SqliteFile => {
                // Keep one connection open: it keeps a named in-memory database alive.
                Catalog::Sqlite(
                    sqlx::pool::PoolOptions::new()
                        .max_connections(2)
                        .min_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None)
                        .connect(url)
                        .await?,
                )
            }
            Kind::Postgres => Catalog::Postgres(
                sqlx::pool::PoolOptions::new()
                    .max_connections(2)
                    .connect(url)
                    .await?,
            ),
            Kind::MySql => Catalog::MySql(
                sqlx::pool::PoolOptions::new()
                    .max_connections(2)
                    .connect(url)
                    .await?,
            ),
        })
    }

    /// Runs setup SQL.
    pub async fn execute(&self, sql: &str) {
        let result = match self {
            Catalog::Sqlite(p) => sqlx::query(AssertSqlSafe(sql)).execute(p).await.map(|_| ()),
            Catalog::Postgres(p) => sqlx::query(AssertSqlSafe(sql)).execute(p).await.map(|_| ()),
            Catalog::MySql(p) => sqlx::query(AssertSqlSafe(sql)).execute(p).await.map(|_| ()),
        };
        result.unwrap_or_else(|e| panic!("setup SQL failed: {sql}: {e}"));
    }

    /// Rows of a one-column text query.
    pub async fn strings(&self, sql: &str) -> Vec<String> {
        let result = match self {
            Catalog::Sqlite(p) => {
                sqlx::query_scalar::<_, String>(AssertSqlSafe(sql))
                    .fetch_all(p)
                    .await
            }
            Catalog::Postgres(p) => {
                sqlx::query_scalar::<_, String>(AssertSqlSafe(sql))
                    .fetch_all(p)
                    .await
            }
            Catalog::MySql(p) => {
                sqlx::query_scalar::<_, String>(AssertSqlSafe(sql))
                    .fetch_all(p)
                    .await
            }
        };
        result.unwrap_or_else(|e| panic!("query failed: {sql}: {e}"))
    }

    /// `SELECT COUNT(*)` of a table.
    pub async fn count(&self, table: &str) -> i64 {
        let sql = match self {
            Catalog::MySql(_) => format!("SELECT COUNT(*) FROM `{table}`"),
            _ => format!("SELECT COUNT(*) FROM \"{table}\""),
        };
        let result = match self {
            Catalog::Sqlite(p) => {
                sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql.clone()))
                    .fetch_one(p)
                    .await
            }
            Catalog::Postgres(p) => {
                sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql.clone()))
                    .fetch_one(p)
                    .await
            }
            Catalog::MySql(p) => {
                sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql.clone()))
                    .fetch_one(p)
                    .await
            }
        };
        result.unwrap_or_else(|e| panic!("count failed: {sql}: {e}"))
    }

    /// The base tables, sorted.
    pub async fn tables(&self) -> Vec<String> {
        let sql = match self {
            Catalog::Sqlite(_) => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            }
            Catalog::Postgres(_) => {
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
            }
            Catalog::MySql(_) => {
                "SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1"
            }
        };
        self.strings(sql).await
    }

    /// The columns of `table`, in order.
    pub async fn columns(&self, table: &str) -> Vec<ColumnInfo> {
        match self {
            Catalog::Sqlite(p) => {
                let rows = sqlx::query("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid")
                    .bind(table)
                    .fetch_all(p)
                    .await
                    .unwrap();
                let pk_count = rows.iter().filter(|r| r.get::<i64, _>(4) > 0).count();
                rows.iter()
                    .map(|r| {
                        let data_type = r.get::<String, _>(1).to_lowercase();
                        let pk = r.get::<i64, _>(4) > 0;
                        ColumnInfo {
                            name: r.get(0),
                            generated: pk && pk_count == 1 && data_type == "integer",
                            data_type,
                            nullable: r.get::<i64, _>(2) == 0 && !pk,
                            default: r.get(3),
                        }
                    })
                    .collect()
            }
            Catalog::Postgres(p) => sqlx::query(
                "SELECT column_name::text, data_type::text, character_maximum_length::int4, is_nullable::text, \
                 column_default::text, is_identity::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(p)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                let mut data_type: String = r.get(1);
                if let Some(n) = r.get::<Option<i32>, _>(2) {
                    data_type = format!("{data_type}({n})");
                }
                ColumnInfo {
                    name: r.get(0),
                    data_type,
                    nullable: r.get::<String, _>(3) == "YES",
                    default: r.get(4),
                    generated: r.get::<String, _>(5) == "YES",
                }
            })
            .collect(),
            Catalog::MySql(p) => sqlx::query(
                "SELECT CAST(column_name AS CHAR), CAST(column_type AS CHAR), CAST(is_nullable AS CHAR), \
                 CAST(column_default AS CHAR), CAST(extra AS CHAR) FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(p)
            .await
            .unwrap()
            .iter()
            .map(|r| ColumnInfo {
                name: r.get(0),
                data_type: r.get::<String, _>(1).to_lowercase(),
                nullable: r.get::<String, _>(2) == "YES",
                // MariaDB reports a nullable column without default as the text NULL.
                default: r.get::<Option<String>, _>(3).filter(|d| d != "NULL"),
                generated: r.get::<String, _>(4).to_lowercase().contains("auto_increment"),
            })
            .collect(),
        }
    }

    /// The primary key columns of `table`, in key order.
    pub async fn primary_key(&self, table: &str) -> Vec<String> {
        match self {
            Catalog::Sqlite(p) => sqlx::query_scalar("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk")
                .bind(table)
                .fetch_all(p)
                .await
                .unwrap(),
            Catalog::Postgres(p) => sqlx::query_scalar(
                "SELECT kcu.column_name::text FROM information_schema.table_constraints tc \
                 JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name \
                 AND tc.table_schema = kcu.table_schema AND tc.table_name = kcu.table_name \
                 WHERE tc.table_schema = current_schema() AND tc.table_name = $1 AND tc.constraint_type = 'PRIMARY KEY' \
                 ORDER BY kcu.ordinal_position",
            )
            .bind(table)
            .fetch_all(p)
            .await
            .unwrap(),
            Catalog::MySql(p) => sqlx::query_scalar(
                "SELECT CAST(column_name AS CHAR) FROM information_schema.statistics \
                 WHERE table_schema = DATABASE() AND table_name = ? AND index_name = 'PRIMARY' ORDER BY seq_in_index",
            )
            .bind(table)
            .fetch_all(p)
            .await
            .unwrap(),
        }
    }

    /// Every non-primary index of `table`, including those backing UNIQUE constraints, by name.
    pub async fn indexes(&self, table: &str) -> Vec<IndexInfo> {
        let mut rows: Vec<(String, bool, String)> = match self {
            Catalog::Sqlite(p) => {
                let mut out = Vec::new();
                let list = sqlx::query("SELECT name, \"unique\", origin FROM pragma_index_list(?)")
                    .bind(table)
                    .fetch_all(p)
                    .await
                    .unwrap();
                for index in list {
                    if index.get::<String, _>(2) == "pk" {
                        continue;
                    }
                    let name: String = index.get(0);
                    let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_index_info(?) ORDER BY seqno")
                        .bind(&name)
                        .fetch_all(p)
                        .await
                        .unwrap();
                    for column in columns {
                        out.push((name.clone(), index.get::<i64, _>(1) == 1, column));
                    }
                }
                out
            }
            Catalog::Postgres(p) => sqlx::query_as(
                "SELECT i.relname::text, ix.indisunique, a.attname::text FROM pg_class t \
                 JOIN pg_index ix ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid \
                 JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) ON true \
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
                 WHERE t.relname = $1 AND t.relnamespace = current_schema()::regnamespace AND NOT ix.indisprimary \
                 ORDER BY i.relname, k.ord",
            )
            .bind(table)
            .fetch_all(p)
            .await
            .unwrap(),
            Catalog::MySql(p) => sqlx::query_as::<_, (String, i64, String)>(
                "SELECT CAST(index_name AS CHAR), CAST(non_unique AS SIGNED), CAST(column_name AS CHAR) \
                 FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? \
                 AND index_name <> 'PRIMARY' ORDER BY index_name, seq_in_index",
            )
            .bind(table)
            .fetch_all(p)
            .await
            .unwrap()
            .into_iter()
            .map(|(name, non_unique, column)| (name, non_unique == 0, column))
            .collect(),
        };
        let mut out: Vec<IndexInfo> = Vec::new();
        for (name, unique, column) in rows.drain(..) {
            match out.iter_mut().find(|i| i.name == name) {
                Some(index) => index.columns.push(column),
                None => out.push(IndexInfo {
                    name,
                    columns: vec![column],
                    unique,
                }),
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// The foreign keys of `table`, sorted by column.
    pub async fn foreign_keys(&self, table: &str) -> Vec<ForeignKeyInfo> {
        let mut rows: Vec<(String, String, String, String)> = match self {
            Catalog::Sqlite(p) => sqlx::query_as("SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list(?)")
                .bind(table)
                .fetch_all(p)
                .await
                .unwrap(),
            Catalog::Postgres(p) => sqlx::query_as(
                "SELECT kcu.column_name::text, ccu.table_name::text, ccu.column_name::text, rc.delete_rule::text \
                 FROM information_schema.referential_constraints rc \
                 JOIN information_schema.key_column_usage kcu ON rc.constraint_name = kcu.constraint_name \
                 AND rc.constraint_schema = kcu.constraint_schema \
                 JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.constraint_name \
                 AND ccu.constraint_schema = rc.constraint_schema \
                 WHERE kcu.table_schema = current_schema() AND kcu.table_name = $1",
            )
            .bind(table)
            .fetch_all(p)
            .await
            .unwrap(),
            Catalog::MySql(p) => sqlx::query_as(
                "SELECT CAST(k.column_name AS CHAR), CAST(k.referenced_table_name AS CHAR), \
                 CAST(k.referenced_column_name AS CHAR), CAST(r.delete_rule AS CHAR) \
                 FROM information_schema.key_column_usage k JOIN information_schema.referential_constraints r \
                 ON r.constraint_schema = k.constraint_schema AND r.constraint_name = k.constraint_name \
                 AND r.table_name = k.table_name \
                 WHERE k.table_schema = DATABASE() AND k.table_name = ? AND k.referenced_table_name IS NOT NULL",
            )
            .bind(table)
            .fetch_all(p)
            .await
            .unwrap(),
        };
        rows.sort();
        rows.into_iter()
            .map(
                |(column, ref_table, ref_column, on_delete)| ForeignKeyInfo {
                    column,
                    ref_table,
                    ref_column,
                    on_delete: on_delete.to_uppercase(),
                },
            )
            .collect()
    }
}
