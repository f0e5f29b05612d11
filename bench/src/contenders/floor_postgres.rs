//! The PostgreSQL floor: tokio-postgres with every statement prepared once at start-up (multi-row
//! inserts on first use, during verification), columns read by index. Also the PostgreSQL admin
//! connection.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use model_core::Backend;
use tokio::runtime::Runtime;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Statement};

use super::{Admin, Contender, Key, Val, keep_going};
use crate::data::{self, CommentRow, PostRow, Row, Sink, Sinkable};
use crate::sql::{self, Level, Sql};
use crate::workload::{FILTER_LIMIT, Input, PER_PAGE, Workload};

/// Connects over TCP without TLS and drives the connection on the current runtime.
pub async fn connect(url: &str) -> Result<Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .with_context(|| format!("connecting to {url}"))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            eprintln!("tokio-postgres connection error: {e}");
        }
    });
    Ok(client)
}

fn user(r: &tokio_postgres::Row) -> Result<Row> {
    Ok(Row {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        hair_color: r.try_get(2)?,
        created_at: r.try_get(3)?,
    })
}

fn post(r: &tokio_postgres::Row) -> Result<PostRow> {
    Ok(PostRow {
        id: r.try_get(0)?,
        user_id: r.try_get(1)?,
        title: r.try_get(2)?,
        body: r.try_get(3)?,
    })
}

fn comment(r: &tokio_postgres::Row) -> Result<CommentRow> {
    Ok(CommentRow {
        id: r.try_get(0)?,
        post_id: r.try_get(1)?,
        text: r.try_get(2)?,
    })
}

/// Every statement of the workloads, prepared on one connection.
struct Prepared {
    get: Statement,
    load_1: Statement,
    load_100: Statement,
    load_all: Statement,
    filter: Statement,
    page: Statement,
    count: Statement,
    exists: Statement,
    /// W4's levels, each with its keys as one array (`= ANY($1)`).
    eager_users: Statement,
    eager_posts: Statement,
    eager_comments: Statement,
    feed_page: Statement,
    feed_count: Statement,
    insert_one: Statement,
    update_pk: Statement,
    update_bulk: Statement,
    delete_pk: Statement,
    delete_bulk: Statement,
}

impl Prepared {
    async fn new(client: &Client, sql: &Sql) -> Result<Prepared> {
        Ok(Prepared {
            get: client.prepare(sql.get).await?,
            load_1: client.prepare(sql.load_1).await?,
            load_100: client.prepare(sql.load_100).await?,
            load_all: client.prepare(sql.load_all).await?,
            filter: client.prepare(sql.filter).await?,
            page: client.prepare(sql.page).await?,
            count: client.prepare(sql.count).await?,
            exists: client.prepare(sql.exists).await?,
            eager_users: client.prepare(Level::Users.any()).await?,
            eager_posts: client.prepare(Level::Posts.any()).await?,
            eager_comments: client.prepare(Level::Comments.any()).await?,
            feed_page: client.prepare(sql.feed_page).await?,
            feed_count: client.prepare(sql.feed_count).await?,
            insert_one: client.prepare(sql.insert_one).await?,
            update_pk: client.prepare(sql.update_pk).await?,
            update_bulk: client.prepare(sql.update_bulk).await?,
            delete_pk: client.prepare(sql.delete_pk).await?,
            delete_bulk: client.prepare(sql.delete_bulk).await?,
        })
    }
}

pub struct TokioPostgres {
    rt: Arc<Runtime>,
    url: String,
    client: Client,
    stmts: Prepared,
    /// Multi-row INSERT statements by row count.
    inserts: HashMap<usize, Statement>,
    /// W13: four clients (with their prepared get), made inside the multi-threaded runtime.
    pool: Vec<(Client, Statement)>,
}

impl TokioPostgres {
    pub fn new(rt: Arc<Runtime>, url: &str) -> Result<TokioPostgres> {
        let sql = Sql::new(Backend::Postgres);
        let (client, stmts) = rt.block_on(async {
            let client = connect(url).await?;
            let stmts = Prepared::new(&client, &sql).await?;
            anyhow::Ok((client, stmts))
        })?;
        Ok(TokioPostgres {
            rt,
            url: url.to_owned(),
            client,
            stmts,
            inserts: HashMap::new(),
            pool: Vec::new(),
        })
    }

    async fn insert_statement(
        client: &Client,
        inserts: &mut HashMap<usize, Statement>,
        rows: usize,
    ) -> Result<Statement> {
        if let Some(s) = inserts.get(&rows) {
            return Ok(s.clone());
        }
        let s = client
            .prepare(&sql::insert_rows(Backend::Postgres, "users_ins", rows))
            .await?;
        inserts.insert(rows, s.clone());
        Ok(s)
    }
}

/// The parameters of a multi-row insert of `rows`.
fn row_params(rows: &[Row]) -> Vec<&(dyn ToSql + Sync)> {
    let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(rows.len() * 3);
    for row in rows {
        params.push(&row.name);
        params.push(&row.hair_color);
        params.push(&row.created_at);
    }
    params
}

impl Contender for TokioPostgres {
    fn key(&self) -> Key {
        Key::Floor
    }

    fn label(&self) -> String {
        format!(
            "tokio-postgres {} (floor)",
            crate::env::version("tokio-postgres")
        )
    }

    fn supports(&self, _w: Workload) -> bool {
        true
    }

    fn run(&mut self, w: Workload, input: &Input, sink: &mut Sink) -> Result<()> {
        use Workload::*;
        let TokioPostgres {
            rt,
            client,
            stmts: s,
            inserts,
            ..
        } = self;
        rt.block_on(async {
            match w {
                GetPk => {
                    for id in &input.ids {
                        if let Some(r) = client.query_opt(&s.get, &[id]).await? {
                            sink.row(&user(&r)?);
                        }
                    }
                }
                Load1 | Load100 | LoadAll => {
                    let stmt = match w {
                        Load1 => &s.load_1,
                        Load100 => &s.load_100,
                        _ => &s.load_all,
                    };
                    for _ in 0..input.k {
                        let rows = client.query(stmt, &[]).await?;
                        let users = rows.iter().map(user).collect::<Result<Vec<Row>>>()?;
                        users.iter().for_each(|u| sink.row(u));
                    }
                }
                Filter | Paginate => {
                    for p in &input.params {
                        let (stmt, limit, offset) = if w == Filter {
                            (&s.filter, FILTER_LIMIT, p.a)
                        } else {
                            (&s.page, PER_PAGE, (p.a - 1) * PER_PAGE)
                        };
                        let rows = client.query(stmt, &[&p.text, &limit, &offset]).await?;
                        let users = rows.iter().map(user).collect::<Result<Vec<Row>>>()?;
                        users.iter().for_each(|u| sink.row(u));
                        if w == Paginate {
                            let total: i64 =
                                client.query_one(&s.count, &[&p.text]).await?.try_get(0)?;
                            sink.value(total as u64);
                        }
                    }
                }
                EagerLoad => {
                    for ids in input.ids.chunks(input.chunk) {
                        let rows = client.query(&s.eager_users, &[&ids]).await?;
                        let users = rows.iter().map(user).collect::<Result<Vec<Row>>>()?;
                        let keys: Vec<i64> = users.iter().map(|u| u.id).collect();
                        let rows = client.query(&s.eager_posts, &[&keys]).await?;
                        let posts = rows.iter().map(post).collect::<Result<Vec<PostRow>>>()?;
                        let keys: Vec<i64> = posts.iter().map(|p| p.id).collect();
                        let rows = client.query(&s.eager_comments, &[&keys]).await?;
                        let comments = rows
                            .iter()
                            .map(comment)
                            .collect::<Result<Vec<CommentRow>>>()?;
                        data::sink_tree(sink, &data::group(users, posts, comments));
                    }
                }
                Feed => {
                    for p in &input.params {
                        let offset = (p.b - 1) * PER_PAGE;
                        let rows = client
                            .query(&s.feed_page, &[&p.a, &PER_PAGE, &offset])
                            .await?;
                        let posts = rows.iter().map(post).collect::<Result<Vec<PostRow>>>()?;
                        posts.iter().for_each(|r| r.sink(sink));
                        let total: i64 =
                            client.query_one(&s.feed_count, &[&p.a]).await?.try_get(0)?;
                        sink.value(total as u64);
                    }
                }
                InsertOne => {
                    for r in &input.rows {
                        let n = client
                            .execute(&s.insert_one, &[&r.name, &r.hair_color, &r.created_at])
                            .await?;
                        sink.value(n);
                    }
                }
                InsertMany(n) => {
                    let stmt = Self::insert_statement(client, inserts, n).await?;
                    for chunk in input.rows.chunks(n) {
                        sink.value(client.execute(&stmt, &row_params(chunk)).await?);
                    }
                }
                BulkLoad => {
                    let full = Self::insert_statement(client, inserts, sql::BULK_CHUNK).await?;
                    let rest_len = input.rows.len() % sql::BULK_CHUNK;
                    let rest = if rest_len > 0 {
                        Some(Self::insert_statement(client, inserts, rest_len).await?)
                    } else {
                        None
                    };
                    let tx = client.transaction().await?;
                    let mut done = 0;
                    for chunk in input.rows.chunks(sql::BULK_CHUNK) {
                        let stmt = match &rest {
                            Some(rest) if chunk.len() != sql::BULK_CHUNK => rest,
                            _ => &full,
                        };
                        done += tx.execute(stmt, &row_params(chunk)).await?;
                    }
                    tx.commit().await?;
                    sink.value(done);
                }
                TxInserts => {
                    for chunk in input.rows.chunks(input.chunk) {
                        let tx = client.transaction().await?;
                        for r in chunk {
                            tx.execute(&s.insert_one, &[&r.name, &r.hair_color, &r.created_at])
                                .await?;
                        }
                        tx.commit().await?;
                        sink.value(chunk.len() as u64);
                    }
                }
                UpdatePk => {
                    for r in &input.rows {
                        let n = client
                            .execute(
                                &s.update_pk,
                                &[&r.name, &r.hair_color, &r.created_at, &r.id],
                            )
                            .await?;
                        sink.value(n);
                    }
                }
                UpdateBulk => {
                    for p in &input.params {
                        sink.value(
                            client
                                .execute(&s.update_bulk, &[&p.text, &p.a, &p.b])
                                .await?,
                        );
                    }
                }
                DeletePk => {
                    for r in &input.rows {
                        sink.value(client.execute(&s.delete_pk, &[&r.id]).await?);
                    }
                }
                DeleteBulk => {
                    for p in &input.params {
                        sink.value(client.execute(&s.delete_bulk, &[&p.a, &p.b]).await?);
                    }
                }
                Count => {
                    for p in &input.params {
                        let n: i64 = client.query_one(&s.count, &[&p.text]).await?.try_get(0)?;
                        sink.value(n as u64);
                    }
                }
                Exists => {
                    for p in &input.params {
                        let found: bool =
                            client.query_one(&s.exists, &[&p.text]).await?.try_get(0)?;
                        sink.value(u64::from(found));
                    }
                }
                CreateAll | DropAll => {
                    let statements = if w == CreateAll {
                        sql::gen_create(Backend::Postgres)
                    } else {
                        sql::gen_drop(Backend::Postgres)
                    };
                    let tx = client.transaction().await?;
                    for stmt in &statements {
                        tx.batch_execute(stmt).await?;
                    }
                    tx.commit().await?;
                    sink.value(1);
                }
                Concurrency => anyhow::bail!("W13 runs through `concurrent`"),
            }
            Ok(())
        })
    }

    /// Four clients, one per task: a tokio-postgres client pipelines but serves one task's
    /// request at a time here, like a pool of four connections.
    fn concurrent(
        &mut self,
        mt: &Runtime,
        ids: &[Vec<i64>],
        until: Option<Duration>,
        sink: &mut Sink,
    ) -> Result<u64> {
        let get = Sql::new(Backend::Postgres).get;
        let url = self.url.clone();
        let mut pool = std::mem::take(&mut self.pool);
        let full = sink.is_full();
        let (pool, results) = mt.block_on(async move {
            while pool.len() < ids.len() {
                let client = connect(&url).await?;
                let stmt = client.prepare(get).await?;
                pool.push((client, stmt));
            }
            let tasks: Vec<_> = pool
                .into_iter()
                .zip(ids.iter().cloned())
                .map(|((client, stmt), ids)| {
                    tokio::spawn(async move {
                        let mut sink = if full { Sink::full() } else { Sink::cheap() };
                        let started = Instant::now();
                        let mut done = 0;
                        while keep_going(done, ids.len(), started, until) {
                            let id = ids[done % ids.len()];
                            if let Some(r) = client.query_opt(&stmt, &[&id]).await? {
                                sink.row(&user(&r)?);
                            }
                            done += 1;
                        }
                        anyhow::Ok(((client, stmt), sink, done as u64))
                    })
                })
                .collect();
            let mut pool = Vec::new();
            let mut results = Vec::new();
            for task in tasks {
                let (conn, task_sink, done) = task.await??;
                pool.push(conn);
                results.push((task_sink, done));
            }
            anyhow::Ok((pool, results))
        })?;
        self.pool = pool;
        let mut total = 0;
        for (task_sink, done) in results {
            sink.merge(&task_sink);
            total += done;
        }
        Ok(total)
    }

    fn drop_concurrent(&mut self) {
        self.pool.clear();
    }
}

/// The admin connection of a PostgreSQL unit.
pub struct PgAdmin {
    rt: Arc<Runtime>,
    client: Client,
}

impl PgAdmin {
    pub fn new(rt: Arc<Runtime>, url: &str) -> Result<PgAdmin> {
        let client = rt.block_on(connect(url))?;
        Ok(PgAdmin { rt, client })
    }
}

fn boxed(v: &Val) -> Box<dyn ToSql + Sync + Send> {
    match v {
        Val::I64(v) => Box::new(*v),
        Val::Text(s) => Box::new(s.clone()),
        // The only NULLs of the seed data are hair colours (text).
        Val::Null => Box::new(None::<String>),
        Val::Ts(t) => Box::new(*t),
    }
}

impl Admin for PgAdmin {
    fn execute(&mut self, statements: &[String]) -> Result<()> {
        self.rt.block_on(async {
            for s in statements {
                self.client
                    .batch_execute(s)
                    .await
                    .with_context(|| format!("running {s}"))?;
            }
            Ok(())
        })
    }

    fn insert(&mut self, table: &str, columns: &[&str], rows: &[Vec<Val>]) -> Result<()> {
        self.rt.block_on(async {
            let tx = self.client.transaction().await?;
            for chunk in rows.chunks(sql::SEED_CHUNK) {
                let text = sql::insert_sql(Backend::Postgres, table, columns, chunk.len());
                let values: Vec<Box<dyn ToSql + Sync + Send>> =
                    chunk.iter().flatten().map(boxed).collect();
                let params: Vec<&(dyn ToSql + Sync)> = values
                    .iter()
                    .map(|v| v.as_ref() as &(dyn ToSql + Sync))
                    .collect();
                tx.execute(&text, &params)
                    .await
                    .with_context(|| format!("inserting into {table}"))?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn checksum(&mut self, table: &str) -> Result<Sink> {
        self.rt.block_on(async {
            let mut sink = Sink::full();
            let rows = self
                .client
                .query(&format!("SELECT {} FROM {table}", sql::USER_COLUMNS), &[])
                .await?;
            for r in &rows {
                sink.row(&user(r)?);
            }
            Ok(sink)
        })
    }

    fn count_tables(&mut self, prefix: &str) -> Result<u64> {
        self.rt.block_on(async {
            let n: i64 = self
                .client
                .query_one(
                    "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE $1",
                    &[&format!("{prefix}%")],
                )
                .await?
                .try_get(0)?;
            Ok(n as u64)
        })
    }
}
