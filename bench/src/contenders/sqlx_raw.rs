//! Raw sqlx, the base model-core builds on: hand-written SQL as `&'static str`, run on a `Pool`
//! as sqlx's docs recommend (the `sqlx` contender, the base of the ×sqlx ratios: the same pool
//! model-core runs on) or on one connection (`sqlx_conn`: what the pool costs), with sqlx's
//! default persistent statement cache, rows decoded by position into tuples, multi-row inserts through
//! `QueryBuilder::push_values`; W4's key lists as one array on PostgreSQL (`= ANY($1)`, as
//! sqlx's FAQ recommends) and through `QueryBuilder::separated` elsewhere. W13 uses a `Pool` of four with the per-acquire ping off (the
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
use crate::data::{self, CommentRow, PostRow, Row, Sink, Sinkable};
use crate::sql::{self, Level, Sql};
use crate::workload::{FILTER_LIMIT, Input, PER_PAGE, Workload};

type UserTuple = (i64, String, Option<String>, NaiveDateTime);
type PostTuple = (i64, i64, String, String);
type CommentTuple = (i64, i64, String);

fn post((id, user_id, title, body): PostTuple) -> PostRow {
    PostRow {
        id,
        user_id,
        title,
        body,
    }
}

fn comment((id, post_id, text): CommentTuple) -> CommentRow {
    CommentRow { id, post_id, text }
}

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

/// The timed body of every workload but W13, over any sqlx executor: `$e` is re-evaluated at
/// each statement (`&mut *conn`, or `&pool`), `$begin` opens a transaction on it.
macro_rules! sqlx_workloads {
    ($w:expr, $input:expr, $sink:expr, $sql:expr, db = $db:ty, exec = $e:expr, begin = $begin:expr,
     exists = $exists:ty, backend = $backend:expr, ddl_in_tx = $ddl_in_tx:expr) => {{
        use Workload::*;
        let (w, input, sink, sql) = ($w, $input, $sink, $sql);
        match w {
            GetPk => {
                for &id in &input.ids {
                    let found = sqlx::query_as::<_, UserTuple>(sql.get)
                        .bind(id)
                        .fetch_optional($e)
                        .await?;
                    if let Some(u) = found {
                        sink.row(&user(u));
                    }
                }
            }
            Load1 | Load100 | LoadAll => {
                for _ in 0..input.k {
                    let rows: Vec<Row> = sqlx::query_as::<_, UserTuple>(sql.load(w.load_table()))
                        .fetch_all($e)
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
                        .fetch_all($e)
                        .await?
                        .into_iter()
                        .map(user)
                        .collect();
                    rows.iter().for_each(|u| sink.row(u));
                    if w == Paginate {
                        let total: i64 = sqlx::query_scalar(sql.count)
                            .bind(p.text.as_str())
                            .fetch_one($e)
                            .await?;
                        sink.value(total as u64);
                    }
                }
            }
            EagerLoad => {
                // Three statements, each level by the keys of the one above, grouped in Rust.
                for ids in input.ids.chunks(input.chunk) {
                    let users: Vec<UserTuple> = fetch_in($e, Level::Users, ids).await?;
                    let users: Vec<Row> = users.into_iter().map(user).collect();
                    let keys: Vec<i64> = users.iter().map(|u| u.id).collect();
                    let posts: Vec<PostTuple> = fetch_in($e, Level::Posts, &keys).await?;
                    let posts: Vec<PostRow> = posts.into_iter().map(post).collect();
                    let keys: Vec<i64> = posts.iter().map(|p| p.id).collect();
                    let comments: Vec<CommentTuple> = fetch_in($e, Level::Comments, &keys).await?;
                    let comments: Vec<CommentRow> = comments.into_iter().map(comment).collect();
                    data::sink_tree(sink, &data::group(users, posts, comments));
                }
            }
            Feed => {
                for p in &input.params {
                    let rows: Vec<PostRow> = sqlx::query_as::<_, PostTuple>(sql.feed_page)
                        .bind(p.a)
                        .bind(PER_PAGE)
                        .bind((p.b - 1) * PER_PAGE)
                        .fetch_all($e)
                        .await?
                        .into_iter()
                        .map(post)
                        .collect();
                    rows.iter().for_each(|r| r.sink(sink));
                    let total: i64 = sqlx::query_scalar(sql.feed_count)
                        .bind(p.a)
                        .fetch_one($e)
                        .await?;
                    sink.value(total as u64);
                }
            }
            InsertOne => {
                for r in &input.rows {
                    let done = sqlx::query(sql.insert_one)
                        .bind(r.name.as_str())
                        .bind(r.hair_color.as_deref())
                        .bind(r.created_at)
                        .execute($e)
                        .await?;
                    sink.value(done.rows_affected());
                }
            }
            InsertMany(n) => {
                for chunk in input.rows.chunks(n) {
                    sink.value(insert_chunk($e, chunk).await?);
                }
            }
            BulkLoad => {
                let mut tx = $begin.await?;
                let mut done = 0;
                for chunk in input.rows.chunks(sql::BULK_CHUNK) {
                    done += insert_chunk(&mut *tx, chunk).await?;
                }
                tx.commit().await?;
                sink.value(done);
            }
            TxInserts => {
                for chunk in input.rows.chunks(input.chunk) {
                    let mut tx = $begin.await?;
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
                        .execute($e)
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
                        .execute($e)
                        .await?;
                    sink.value(done.rows_affected());
                }
            }
            DeletePk => {
                for r in &input.rows {
                    let done = sqlx::query(sql.delete_pk).bind(r.id).execute($e).await?;
                    sink.value(done.rows_affected());
                }
            }
            DeleteBulk => {
                for p in &input.params {
                    let done = sqlx::query(sql.delete_bulk)
                        .bind(p.a)
                        .bind(p.b)
                        .execute($e)
                        .await?;
                    sink.value(done.rows_affected());
                }
            }
            Count => {
                for p in &input.params {
                    let n: i64 = sqlx::query_scalar(sql.count)
                        .bind(p.text.as_str())
                        .fetch_one($e)
                        .await?;
                    sink.value(n as u64);
                }
            }
            Exists => {
                for p in &input.params {
                    let found: $exists = sqlx::query_scalar(sql.exists)
                        .bind(p.text.as_str())
                        .fetch_one($e)
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
                    let mut tx = $begin.await?;
                    for s in statements {
                        (&mut *tx).execute(sqlx::AssertSqlSafe(s)).await?;
                    }
                    tx.commit().await?;
                } else {
                    for s in statements {
                        ($e).execute(sqlx::AssertSqlSafe(s)).await?;
                    }
                }
                sink.value(1);
            }
            Concurrency => anyhow::bail!("W13 runs through `concurrent`"),
        }
        Ok(())
    }};
}

macro_rules! sqlx_contender {
    ($name:ident, $db:ty, $conn:ty, $backend:expr, $exists:ty, $ddl_in_tx:expr) => {
        pub struct $name {
            rt: Arc<Runtime>,
            conn: $conn,
            options: <$conn as Connection>::Options,
            sql: Sql,
            pool: Option<sqlx::Pool<$db>>,
            pooled: Option<sqlx::Pool<$db>>,
        }

        impl $name {
            /// With `pooled`, every workload but W13 runs on a pool of ten (model-core's
            /// default size) with the per-acquire ping off, as model-core runs; without it, on
            /// the one connection.
            pub fn new(
                rt: Arc<Runtime>,
                options: <$conn as Connection>::Options,
                pooled: bool,
            ) -> Result<$name> {
                let conn = rt.block_on(<$conn>::connect_with(&options))?;
                let pooled = if pooled {
                    Some(
                        rt.block_on(
                            sqlx::pool::PoolOptions::<$db>::new()
                                .max_connections(10)
                                .test_before_acquire(false)
                                .connect_with(options.clone()),
                        )?,
                    )
                } else {
                    None
                };
                Ok($name {
                    rt,
                    pooled,
                    conn,
                    options,
                    sql: Sql::new($backend),
                    pool: None,
                })
            }
        }

        impl Contender for $name {
            fn key(&self) -> Key {
                if self.pooled.is_some() {
                    Key::Sqlx
                } else {
                    Key::SqlxConn
                }
            }

            fn label(&self) -> String {
                let how = if self.pooled.is_some() {
                    "pool"
                } else {
                    "1 conn"
                };
                format!("sqlx {} {how}", crate::env::version("sqlx"))
            }

            fn supports(&self, _w: Workload) -> bool {
                true
            }

            fn run(&mut self, w: Workload, input: &Input, sink: &mut Sink) -> Result<()> {
                let sql = self.sql;
                if let Some(pool) = &self.pooled {
                    let pool = pool.clone();
                    return self.rt.block_on(async {
                        sqlx_workloads!(
                            w,
                            input,
                            sink,
                            sql,
                            db = $db,
                            exec = &pool,
                            begin = pool.begin(),
                            exists = $exists,
                            backend = $backend,
                            ddl_in_tx = $ddl_in_tx
                        )
                    });
                }
                let conn = &mut self.conn;
                self.rt.block_on(async {
                    sqlx_workloads!(
                        w,
                        input,
                        sink,
                        sql,
                        db = $db,
                        exec = &mut *conn,
                        begin = conn.begin(),
                        exists = $exists,
                        backend = $backend,
                        ddl_in_tx = $ddl_in_tx
                    )
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
        async fn insert_chunk<'e, E: Executor<'e, Database = $db>>(
            executor: E,
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
            Ok(qb.build().execute(executor).await?.rows_affected())
        }
    };
}

/// W4's rows of one level by an `IN` list built with `QueryBuilder::separated` (SQLite and
/// MySQL take no arrays).
macro_rules! fetch_in_builder {
    ($db:ty) => {
        async fn fetch_in<'e, E, T>(executor: E, level: Level, keys: &[i64]) -> Result<Vec<T>>
        where
            E: Executor<'e, Database = $db>,
            T: for<'r> sqlx::FromRow<'r, <$db as sqlx::Database>::Row> + Send + Unpin,
        {
            if keys.is_empty() {
                return Ok(Vec::new());
            }
            let mut qb = sqlx::QueryBuilder::<$db>::new(level.select_in());
            let mut list = qb.separated(", ");
            for &key in keys {
                list.push_bind(key);
            }
            list.push_unseparated(Level::ORDER);
            Ok(qb.build_query_as::<T>().fetch_all(executor).await?)
        }
    };
}

/// SQLite.
pub mod sqlite {
    use super::*;
    fetch_in_builder!(sqlx::Sqlite);
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

    /// W4's rows of one level, the keys bound as one array.
    async fn fetch_in<'e, E, T>(executor: E, level: Level, keys: &[i64]) -> Result<Vec<T>>
    where
        E: Executor<'e, Database = sqlx::Postgres>,
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        Ok(sqlx::query_as::<_, T>(level.any())
            .bind(keys)
            .fetch_all(executor)
            .await?)
    }

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
    fetch_in_builder!(sqlx::MySql);
    sqlx_contender!(
        SqlxMySql,
        sqlx::MySql,
        sqlx::MySqlConnection,
        Backend::MySql,
        i64,
        false
    );
}
