//! The MariaDB floor: mysql_async with every statement prepared once (binary protocol), rows
//! decoded positionally into tuples. Also the MariaDB admin connection.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::NaiveDateTime;
use model_core::Backend;
use mysql_async::prelude::Queryable;
use mysql_async::{
    Conn, Opts, OptsBuilder, Params, Pool, PoolConstraints, PoolOpts, Statement, TxOpts, Value,
};
use tokio::runtime::Runtime;

use super::{Admin, Contender, Key, Val, join_tasks, keep_going, merge_tasks};
use crate::data::{self, CommentRow, PostRow, Row, Sink, Sinkable};
use crate::sql::{self, Level, Sql};
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

fn post((id, user_id, title, body): (i64, i64, String, String)) -> PostRow {
    PostRow {
        id,
        user_id,
        title,
        body,
    }
}

fn comment((id, post_id, text): (i64, i64, String)) -> CommentRow {
    CommentRow { id, post_id, text }
}

pub async fn connect(url: &str) -> Result<Conn> {
    Conn::new(tcp_opts(url)?)
        .await
        .with_context(|| format!("connecting to {url}"))
}

/// The options of `url`, held to TCP. mysql_async prefers the server's Unix socket when the
/// host is local: it asks for `@@socket` and reconnects through it, which would give the floor
/// a faster transport than the TCP loopback every other contender uses.
fn tcp_opts(url: &str) -> Result<OptsBuilder> {
    let opts = Opts::from_url(url).with_context(|| format!("parsing {url}"))?;
    Ok(OptsBuilder::from_opts(opts).prefer_socket(false))
}

struct Prepared {
    get: Statement,
    load_1: Statement,
    load_100: Statement,
    load_all: Statement,
    filter: Statement,
    page: Statement,
    count: Statement,
    exists: Statement,
    feed_page: Statement,
    feed_count: Statement,
    insert_one: Statement,
    update_pk: Statement,
    update_bulk: Statement,
    delete_pk: Statement,
    delete_bulk: Statement,
}

impl Prepared {
    async fn new(conn: &mut Conn, sql: &Sql) -> Result<Prepared> {
        Ok(Prepared {
            get: conn.prep(sql.get).await?,
            load_1: conn.prep(sql.load_1).await?,
            load_100: conn.prep(sql.load_100).await?,
            load_all: conn.prep(sql.load_all).await?,
            filter: conn.prep(sql.filter).await?,
            page: conn.prep(sql.page).await?,
            count: conn.prep(sql.count).await?,
            exists: conn.prep(sql.exists).await?,
            feed_page: conn.prep(sql.feed_page).await?,
            feed_count: conn.prep(sql.feed_count).await?,
            insert_one: conn.prep(sql.insert_one).await?,
            update_pk: conn.prep(sql.update_pk).await?,
            update_bulk: conn.prep(sql.update_bulk).await?,
            delete_pk: conn.prep(sql.delete_pk).await?,
            delete_bulk: conn.prep(sql.delete_bulk).await?,
        })
    }
}

pub struct MysqlAsync {
    rt: Arc<Runtime>,
    url: String,
    conn: Conn,
    stmts: Prepared,
    inserts: HashMap<usize, Statement>,
    /// W4's `IN (?, ...)` statements by level and key count, prepared on first use.
    in_lists: HashMap<(Level, usize), Statement>,
    /// W13: mysql_async's own pool, limited to four connections.
    pool: Option<Pool>,
}

impl MysqlAsync {
    pub fn new(rt: Arc<Runtime>, url: &str) -> Result<MysqlAsync> {
        let sql = Sql::new(Backend::MySql);
        let (conn, stmts) = rt.block_on(async {
            let mut conn = connect(url).await?;
            let stmts = Prepared::new(&mut conn, &sql).await?;
            anyhow::Ok((conn, stmts))
        })?;
        Ok(MysqlAsync {
            rt,
            url: url.to_owned(),
            conn,
            stmts,
            inserts: HashMap::new(),
            in_lists: HashMap::new(),
            pool: None,
        })
    }

    /// The rows of one W4 level for `keys`, through the statement for that many keys.
    async fn select_in<T, R>(
        conn: &mut Conn,
        in_lists: &mut HashMap<(Level, usize), Statement>,
        level: Level,
        keys: &[i64],
        map: impl FnMut(T) -> R + Send,
    ) -> Result<Vec<R>>
    where
        T: mysql_async::prelude::FromRow + Send + 'static,
        R: Send,
    {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let stmt = match in_lists.get(&(level, keys.len())) {
            Some(s) => s.clone(),
            None => {
                let s = conn.prep(level.in_list(keys.len())).await?;
                in_lists.insert((level, keys.len()), s.clone());
                s
            }
        };
        let params = Params::Positional(keys.iter().map(|&k| Value::from(k)).collect());
        Ok(conn.exec_map(&stmt, params, map).await?)
    }

    async fn insert_statement(
        conn: &mut Conn,
        inserts: &mut HashMap<usize, Statement>,
        rows: usize,
    ) -> Result<Statement> {
        if let Some(s) = inserts.get(&rows) {
            return Ok(s.clone());
        }
        let s = conn
            .prep(sql::insert_rows(Backend::MySql, "users_ins", rows))
            .await?;
        inserts.insert(rows, s.clone());
        Ok(s)
    }
}

/// The parameters of a multi-row insert: mysql_async takes owned values.
fn row_params(rows: &[Row]) -> Params {
    let mut values = Vec::with_capacity(rows.len() * 3);
    for r in rows {
        values.push(Value::from(r.name.as_str()));
        values.push(Value::from(r.hair_color.as_deref()));
        values.push(Value::from(r.created_at));
    }
    Params::Positional(values)
}

impl Contender for MysqlAsync {
    fn key(&self) -> Key {
        Key::Floor
    }

    fn label(&self) -> String {
        format!("mysql_async {} (floor)", crate::env::version("mysql_async"))
    }

    fn supports(&self, _w: Workload) -> bool {
        true
    }

    fn run(&mut self, w: Workload, input: &Input, sink: &mut Sink) -> Result<()> {
        use Workload::*;
        let MysqlAsync {
            rt,
            conn,
            stmts: s,
            inserts,
            in_lists,
            ..
        } = self;
        rt.block_on(async {
            match w {
                GetPk => {
                    for &id in &input.ids {
                        if let Some(u) = conn.exec_first::<UserTuple, _, _>(&s.get, (id,)).await? {
                            sink.row(&user(u));
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
                        let rows: Vec<Row> = conn.exec_map(stmt, (), user).await?;
                        rows.iter().for_each(|u| sink.row(u));
                    }
                }
                Filter | Paginate => {
                    for p in &input.params {
                        let (stmt, limit, offset) = if w == Filter {
                            (&s.filter, FILTER_LIMIT, p.a)
                        } else {
                            (&s.page, PER_PAGE, (p.a - 1) * PER_PAGE)
                        };
                        let rows: Vec<Row> = conn
                            .exec_map(stmt, (p.text.as_str(), limit, offset), user)
                            .await?;
                        rows.iter().for_each(|u| sink.row(u));
                        if w == Paginate {
                            let total: Option<i64> =
                                conn.exec_first(&s.count, (p.text.as_str(),)).await?;
                            sink.value(total.unwrap_or(0) as u64);
                        }
                    }
                }
                EagerLoad => {
                    for ids in input.ids.chunks(input.chunk) {
                        let users =
                            Self::select_in(conn, in_lists, Level::Users, ids, user).await?;
                        let keys: Vec<i64> = users.iter().map(|u| u.id).collect();
                        let posts =
                            Self::select_in(conn, in_lists, Level::Posts, &keys, post).await?;
                        let keys: Vec<i64> = posts.iter().map(|p| p.id).collect();
                        let comments =
                            Self::select_in(conn, in_lists, Level::Comments, &keys, comment)
                                .await?;
                        data::sink_tree(sink, &data::group(users, posts, comments));
                    }
                }
                Feed => {
                    for p in &input.params {
                        let offset = (p.b - 1) * PER_PAGE;
                        let rows: Vec<PostRow> = conn
                            .exec_map(&s.feed_page, (p.a, PER_PAGE, offset), post)
                            .await?;
                        rows.iter().for_each(|r| r.sink(sink));
                        let total: Option<i64> = conn.exec_first(&s.feed_count, (p.a,)).await?;
                        sink.value(total.unwrap_or(0) as u64);
                    }
                }
                InsertOne => {
                    for r in &input.rows {
                        conn.exec_drop(
                            &s.insert_one,
                            (r.name.as_str(), r.hair_color.as_deref(), r.created_at),
                        )
                        .await?;
                        sink.value(conn.affected_rows());
                    }
                }
                InsertMany(n) => {
                    let stmt = Self::insert_statement(conn, inserts, n).await?;
                    for chunk in input.rows.chunks(n) {
                        conn.exec_drop(&stmt, row_params(chunk)).await?;
                        sink.value(conn.affected_rows());
                    }
                }
                BulkLoad => {
                    let full = Self::insert_statement(conn, inserts, sql::BULK_CHUNK).await?;
                    let rest_len = input.rows.len() % sql::BULK_CHUNK;
                    let rest = if rest_len > 0 {
                        Some(Self::insert_statement(conn, inserts, rest_len).await?)
                    } else {
                        None
                    };
                    let mut tx = conn.start_transaction(TxOpts::default()).await?;
                    let mut done = 0;
                    for chunk in input.rows.chunks(sql::BULK_CHUNK) {
                        let stmt = match &rest {
                            Some(rest) if chunk.len() != sql::BULK_CHUNK => rest,
                            _ => &full,
                        };
                        tx.exec_drop(stmt, row_params(chunk)).await?;
                        done += tx.affected_rows();
                    }
                    tx.commit().await?;
                    sink.value(done);
                }
                TxInserts => {
                    for chunk in input.rows.chunks(input.chunk) {
                        let mut tx = conn.start_transaction(TxOpts::default()).await?;
                        for r in chunk {
                            tx.exec_drop(
                                &s.insert_one,
                                (r.name.as_str(), r.hair_color.as_deref(), r.created_at),
                            )
                            .await?;
                        }
                        tx.commit().await?;
                        sink.value(chunk.len() as u64);
                    }
                }
                UpdatePk => {
                    for r in &input.rows {
                        conn.exec_drop(
                            &s.update_pk,
                            (r.name.as_str(), r.hair_color.as_deref(), r.created_at, r.id),
                        )
                        .await?;
                        sink.value(conn.affected_rows());
                    }
                }
                UpdateBulk => {
                    for p in &input.params {
                        conn.exec_drop(&s.update_bulk, (p.text.as_str(), p.a, p.b))
                            .await?;
                        sink.value(conn.affected_rows());
                    }
                }
                DeletePk => {
                    for r in &input.rows {
                        conn.exec_drop(&s.delete_pk, (r.id,)).await?;
                        sink.value(conn.affected_rows());
                    }
                }
                DeleteBulk => {
                    for p in &input.params {
                        conn.exec_drop(&s.delete_bulk, (p.a, p.b)).await?;
                        sink.value(conn.affected_rows());
                    }
                }
                Count => {
                    for p in &input.params {
                        let n: Option<i64> = conn.exec_first(&s.count, (p.text.as_str(),)).await?;
                        sink.value(n.unwrap_or(0) as u64);
                    }
                }
                Exists => {
                    for p in &input.params {
                        let n: Option<i64> = conn.exec_first(&s.exists, (p.text.as_str(),)).await?;
                        sink.value(u64::from(n.unwrap_or(0) != 0));
                    }
                }
                CreateAll | DropAll => {
                    // MySQL commits every DDL statement by itself: no transaction to open.
                    let statements = if w == CreateAll {
                        sql::gen_create(Backend::MySql)
                    } else {
                        sql::gen_drop(Backend::MySql)
                    };
                    for stmt in &statements {
                        conn.query_drop(stmt).await?;
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
        if self.pool.is_none() {
            let _guard = mt.enter();
            let opts = tcp_opts(&self.url)?.pool_opts(PoolOpts::default().with_constraints(
                PoolConstraints::new(ids.len(), ids.len()).context("pool constraints")?,
            ));
            self.pool = Some(Pool::new(opts));
        }
        let pool = self.pool.clone().expect("created above");
        let get = Sql::new(Backend::MySql).get;
        let full = sink.is_full();
        let results = mt.block_on(async move {
            let tasks: Vec<_> = ids
                .iter()
                .cloned()
                .map(|ids| {
                    let pool = pool.clone();
                    tokio::spawn(async move {
                        let mut sink = if full { Sink::full() } else { Sink::cheap() };
                        // Like the PostgreSQL floor, each task keeps one connection and its
                        // prepared statement: the fastest a raw driver can do.
                        let mut conn = pool.get_conn().await?;
                        let stmt = conn.prep(get).await?;
                        let started = Instant::now();
                        let mut done = 0;
                        while keep_going(done, ids.len(), started, until) {
                            let id = ids[done % ids.len()];
                            if let Some(u) =
                                conn.exec_first::<UserTuple, _, _>(&stmt, (id,)).await?
                            {
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

impl From<&Val> for Value {
    fn from(v: &Val) -> Value {
        match v {
            Val::I64(v) => Value::from(*v),
            Val::Text(s) => Value::from(s.as_str()),
            Val::Null => Value::NULL,
            Val::Ts(t) => Value::from(*t),
        }
    }
}

/// The admin connection of a MariaDB unit.
pub struct MysqlAdmin {
    rt: Arc<Runtime>,
    conn: Conn,
}

impl MysqlAdmin {
    pub fn new(rt: Arc<Runtime>, url: &str) -> Result<MysqlAdmin> {
        let conn = rt.block_on(connect(url))?;
        Ok(MysqlAdmin { rt, conn })
    }
}

impl Admin for MysqlAdmin {
    fn execute(&mut self, statements: &[String]) -> Result<()> {
        self.rt.block_on(async {
            for s in statements {
                self.conn
                    .query_drop(s)
                    .await
                    .with_context(|| format!("running {s}"))?;
            }
            Ok(())
        })
    }

    fn insert(&mut self, table: &str, columns: &[&str], rows: &[Vec<Val>]) -> Result<()> {
        self.rt.block_on(async {
            let mut tx = self.conn.start_transaction(TxOpts::default()).await?;
            for chunk in rows.chunks(sql::SEED_CHUNK) {
                let text = sql::insert_sql(Backend::MySql, table, columns, chunk.len());
                let values: Vec<Value> = chunk.iter().flatten().map(Value::from).collect();
                tx.exec_drop(text, Params::Positional(values))
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
            let rows: Vec<Row> = self
                .conn
                .query_map(format!("SELECT {} FROM {table}", sql::USER_COLUMNS), user)
                .await?;
            rows.iter().for_each(|r| sink.row(r));
            Ok(sink)
        })
    }

    fn count_tables(&mut self, prefix: &str) -> Result<u64> {
        self.rt.block_on(async {
            let n: Option<i64> = self
                .conn
                .exec_first(
                    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE ?",
                    (format!("{prefix}%"),),
                )
                .await?;
            Ok(n.unwrap_or(0) as u64)
        })
    }
}
