//! Raw sqlx, the base model-core builds on: hand-written SQL as `&'static str`, one connection
//! (`SqliteConnection` / `PgConnection` / `MySqlConnection`) with sqlx's default persistent
//! statement cache, rows decoded by position into tuples, multi-row inserts through
//! `QueryBuilder::push_values`. W13 uses a `Pool` of four with the per-acquire ping off (the
//! setting model-core also uses; sea-orm default shows what the ping costs).
//!
//! The three backends differ only in types, so one macro writes all three.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::NaiveDateTime;
use model_core::Backend;
use sqlx::{Connection, Executor};
use tokio::runtime::Runtime;

use super::{Contender, Key, join_tasks, keep_going, merge_tasks};
use crate::data::{Row, Sink};
use crate::sql::{self, Sql};
use crate::workload::{FILTER_LIMIT, Input, PER_PAGE, Workload};

type UserTuple = (i64, String, Option<String>, NaiveDateTime);

fn user((id, name, hair_color, created_at): UserTuple) -> Row {
    Row {
        id,
        name,
        hair_color,
        created_at,
    }
}

/// `EXISTS(...)` is a boolean on PostgreSQL and an integer elsewhere.
trait Flag {
    fn flag(self) -> bool;
}
impl Flag for bool {
    fn flag(self) -> bool {
        self
    }
}
impl Flag for i64 {
    fn flag(self) -> bool {
        self != 0
    }
}

macro_rules! sqlx_contender {
    ($name:ident, $db:ty, $conn:ty, $backend:expr, $exists:ty, $ddl_in_tx:expr) => {
        pub struct $name {
            rt: Arc<Runtime>,
            conn: $conn,
            options: <$conn as Connection>::Options,
            sql: Sql,
            pool: Option<sqlx::Pool<$db>>,
        }

        impl $name {
            pub fn new(rt: Arc<Runtime>, options: <$conn as Connection>::Options) -> Result<$name> {
                let conn = rt.block_on(<$conn>::connect_with(&options))?;
                Ok($name {
                    rt,
                    conn,
                    options,
                    sql: Sql::new($backend),
                    pool: None,
                })
            }
        }

        impl Contender for $name {
            fn key(&self) -> Key {
                Key::Sqlx
            }

            fn label(&self) -> String {
                format!("sqlx {}", crate::env::version("sqlx"))
            }

            fn supports(&self, _w: Workload) -> bool {
                true
            }

            fn run(&mut self, w: Workload, input: &Input, sink: &mut Sink) -> Result<()> {
                use Workload::*;
                let sql = self.sql;
                let conn = &mut self.conn;
                self.rt.block_on(async {
                    match w {
                        GetPk => {
                            for &id in &input.ids {
                                let found = sqlx::query_as::<_, UserTuple>(sql.get)
                                    .bind(id)
                                    .fetch_optional(&mut *conn)
                                    .await?;
                                if let Some(u) = found {
                                    sink.row(&user(u));
                                }
                            }
                        }
                        Load1 | Load100 | LoadAll => {
                            for _ in 0..input.k {
                                let rows: Vec<Row> =
                                    sqlx::query_as::<_, UserTuple>(sql.load(w.load_table()))
                                        .fetch_all(&mut *conn)
                                        .await?
                                        .into_iter()
                                        .map(user)
                                        .collect();
                                rows.iter().for_each(|u| sink.row(u));
                            }
                        }
                        Filter | Paginate => {
                            for p in &input.params {
                                let (text, limit, offset) = if w == Filter {
                                    (sql.filter, FILTER_LIMIT, p.a)
                                } else {
                                    (sql.page, PER_PAGE, (p.a - 1) * PER_PAGE)
                                };
                                let rows: Vec<Row> = sqlx::query_as::<_, UserTuple>(text)
                                    .bind(p.text.as_str())
                                    .bind(limit)
                                    .bind(offset)
                                    .fetch_all(&mut *conn)
                                    .await?
                                    .into_iter()
                                    .map(user)
                                    .collect();
                                rows.iter().for_each(|u| sink.row(u));
                                if w == Paginate {
                                    let total: i64 = sqlx::query_scalar(sql.count)
                                        .bind(p.text.as_str())
                                        .fetch_one(&mut *conn)
                                        .await?;
                                    sink.value(total as u64);
                                }
                            }
                        }
                        InsertOne => {
                            for r in &input.rows {
                                let done = sqlx::query(sql.insert_one)
                                    .bind(r.name.as_str())
                                    .bind(r.hair_color.as_deref())
                                    .bind(r.created_at)
                                    .execute(&mut *conn)
                                    .await?;
                                sink.value(done.rows_affected());
                            }
                        }
                        InsertMany(n) => {
                            for chunk in input.rows.chunks(n) {
                                sink.value(insert_chunk(&mut *conn, chunk).await?);
                            }
                        }
                        BulkLoad => {
                            let mut tx = conn.begin().await?;
                            let mut done = 0;
                            for chunk in input.rows.chunks(sql::BULK_CHUNK) {
                                done += insert_chunk(&mut *tx, chunk).await?;
                            }
                            tx.commit().await?;
                            sink.value(done);
                        }
                        TxInserts => {
                            for chunk in input.rows.chunks(input.chunk) {
                                let mut tx = conn.begin().await?;
                                for r in chunk {
                                    sqlx::query(sql.insert_one)
                                        .bind(r.name.as_str())
                                        .bind(r.hair_color.as_deref())
                                        .bind(r.created_at)
                                        .execute(&mut *tx)
                                        .await?;
                                }
                                tx.commit().await?;
                                sink.value(chunk.len() as u64);
                            }
                        }
                        UpdatePk => {
                            for r in &input.rows {
                                let done = sqlx::query(sql.update_pk)
                                    .bind(r.name.as_str())
                                    .bind(r.hair_color.as_deref())
                                    .bind(r.created_at)
                                    .bind(r.id)
                                    .execute(&mut *conn)
                                    .await?;
                                sink.value(done.rows_affected());
                            }
                        }
                        UpdateBulk => {
                            for p in &input.params {
                                let done = sqlx::query(sql.update_bulk)
                                    .bind(p.text.as_str())
                                    .bind(p.a)
                                    .bind(p.b)
                                    .execute(&mut *conn)
                                    .await?;
                                sink.value(done.rows_affected());
                            }
                        }
                        DeletePk => {
                            for r in &input.rows {
                                let done = sqlx::query(sql.delete_pk)
                                    .bind(r.id)
                                    .execute(&mut *conn)
                                    .await?;
                                sink.value(done.rows_affected());
                            }
                        }
                        DeleteBulk => {
                            for p in &input.params {
                                let done = sqlx::query(sql.delete_bulk)
                                    .bind(p.a)
                                    .bind(p.b)
                                    .execute(&mut *conn)
                                    .await?;
                                sink.value(done.rows_affected());
                            }
                        }
                        Count => {
                            for p in &input.params {
                                let n: i64 = sqlx::query_scalar(sql.count)
                                    .bind(p.text.as_str())
                                    .fetch_one(&mut *conn)
                                    .await?;
                                sink.value(n as u64);
                            }
                        }
                        Exists => {
                            for p in &input.params {
                                let found: $exists = sqlx::query_scalar(sql.exists)
                                    .bind(p.text.as_str())
                                    .fetch_one(&mut *conn)
                                    .await?;
                                sink.value(u64::from(found.flag()));
                            }
                        }
                        CreateAll | DropAll => {
                            let statements = if w == CreateAll {
                                sql::gen_create($backend)
                            } else {
                                sql::gen_drop($backend)
                            };
                            if $ddl_in_tx {
                                let mut tx = conn.begin().await?;
                                for s in statements {
                                    (&mut *tx).execute(sqlx::AssertSqlSafe(s)).await?;
                                }
                                tx.commit().await?;
                            } else {
                                for s in statements {
                                    (&mut *conn).execute(sqlx::AssertSqlSafe(s)).await?;
                                }
                            }
                            sink.value(1);
                        }
                        Concurrency => anyhow::bail!("W13 runs through `concurrent`"),
                    }
                    Ok(())
                })
            }

            fn concurrent(
                &mut self,
                mt: &Runtime,
                ids: &[Vec<i64>],
                until: Option<Duration>,
                sink: &mut Sink,
            ) -> Result<u64> {
                let pool = match &self.pool {
                    Some(pool) => pool.clone(),
                    None => {
                        let pool = mt.block_on(
                            sqlx::pool::PoolOptions::<$db>::new()
                                .max_connections(ids.len() as u32)
                                .test_before_acquire(false)
                                .connect_with(self.options.clone()),
                        )?;
                        self.pool = Some(pool.clone());
                        pool
                    }
                };
                let get = self.sql.get;
                let full = sink.is_full();
                let results = mt.block_on(async move {
                    let tasks: Vec<_> = ids
                        .iter()
                        .cloned()
                        .map(|ids| {
                            let pool = pool.clone();
                            tokio::spawn(async move {
                                let mut sink = if full { Sink::full() } else { Sink::cheap() };
                                let started = Instant::now();
                                let mut done = 0;
                                while keep_going(done, ids.len(), started, until) {
                                    let id = ids[done % ids.len()];
                                    let found = sqlx::query_as::<_, UserTuple>(get)
                                        .bind(id)
                                        .fetch_optional(&pool)
                                        .await?;
                                    if let Some(u) = found {
                                        sink.row(&user(u));
                                    }
                                    done += 1;
                                }
                                anyhow::Ok((sink, done as u64))
                            })
                        })
                        .collect();
                    join_tasks(tasks).await
                })?;
                Ok(merge_tasks(sink, results))
            }

            fn drop_concurrent(&mut self) {
                self.pool = None;
            }
        }

        /// One multi-row INSERT built with `QueryBuilder::push_values`.
        async fn insert_chunk(
            conn: &mut <$db as sqlx::Database>::Connection,
            rows: &[Row],
        ) -> Result<u64> {
            let mut qb = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO users_ins (name, hair_color, created_at) ",
            );
            qb.push_values(rows, |mut b, r| {
                b.push_bind(r.name.as_str())
                    .push_bind(r.hair_color.as_deref())
                    .push_bind(r.created_at);
            });
            Ok(qb.build().execute(conn).await?.rows_affected())
        }
    };
}

/// SQLite.
pub mod sqlite {
    use super::*;
    sqlx_contender!(
        SqlxSqlite,
        sqlx::Sqlite,
        sqlx::SqliteConnection,
        Backend::Sqlite,
        i64,
        true
    );
}

/// PostgreSQL.
pub mod postgres {
    use super::*;
    sqlx_contender!(
        SqlxPostgres,
        sqlx::Postgres,
        sqlx::PgConnection,
        Backend::Postgres,
        bool,
        true
    );
}

/// MariaDB / MySQL: DDL commits itself, so W14 runs without a transaction.
pub mod mysql {
    use super::*;
    sqlx_contender!(
        SqlxMySql,
        sqlx::MySql,
        sqlx::MySqlConnection,
        Backend::MySql,
        i64,
        false
    );
}
