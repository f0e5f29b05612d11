//! The SQLite floor: rusqlite on the caller's thread, `prepare_cached` on every call (the way
//! rusqlite's docs recommend for repeated statements), columns read by index. Also the SQLite
//! admin connection.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use model_core::Backend;
use rusqlite::types::{ToSqlOutput, Value as SqlValue};
use rusqlite::{Connection, OptionalExtension, ToSql, params};
use tokio::runtime::Runtime;

use super::{Admin, Contender, Key, Val, keep_going};
use crate::data::{self, CommentRow, PostRow, Row, Sink, Sinkable};
use crate::sql::{self, Level, Sql};
use crate::workload::{FILTER_LIMIT, Input, PER_PAGE, Workload};

/// Opens `path` with the settings every SQLite contender uses: WAL, synchronous=NORMAL and
/// foreign keys on (rusqlite leaves them off unless asked).
pub fn open(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    anyhow::ensure!(
        mode.eq_ignore_ascii_case("wal"),
        "journal_mode is {mode}, not WAL"
    );
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
    // Room for every statement shape of every workload, so the cache never evicts.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn user(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        name: r.get(1)?,
        hair_color: r.get(2)?,
        created_at: r.get(3)?,
    })
}

fn post(r: &rusqlite::Row<'_>) -> rusqlite::Result<PostRow> {
    Ok(PostRow {
        id: r.get(0)?,
        user_id: r.get(1)?,
        title: r.get(2)?,
        body: r.get(3)?,
    })
}

fn comment(r: &rusqlite::Row<'_>) -> rusqlite::Result<CommentRow> {
    Ok(CommentRow {
        id: r.get(0)?,
        post_id: r.get(1)?,
        text: r.get(2)?,
    })
}

pub struct Rusqlite {
    conn: Connection,
    path: PathBuf,
    sql: Sql,
    /// Multi-row INSERT texts by row count.
    inserts: HashMap<usize, String>,
    /// W4's `IN (?, ...)` texts by level and key count.
    in_lists: HashMap<(Level, usize), String>,
    /// W13's four connections, moved into blocking tasks and back.
    pool: Vec<Connection>,
}

impl Rusqlite {
    pub fn new(path: &Path) -> Result<Rusqlite> {
        Ok(Rusqlite {
            conn: open(path)?,
            path: path.to_owned(),
            sql: Sql::new(Backend::Sqlite),
            inserts: HashMap::new(),
            in_lists: HashMap::new(),
            pool: Vec::new(),
        })
    }

    /// The rows of one W4 level for `keys`, through the cached statement for that many keys.
    fn select_in<T>(
        &mut self,
        level: Level,
        keys: &[i64],
        map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let sql = self
            .in_lists
            .entry((level, keys.len()))
            .or_insert_with(|| level.in_list(keys.len()));
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(keys), map)?
            .collect::<rusqlite::Result<Vec<T>>>()?;
        Ok(rows)
    }

    fn insert_sql(&mut self, rows: usize) -> &str {
        self.inserts
            .entry(rows)
            .or_insert_with(|| sql::insert_rows(Backend::Sqlite, "users_ins", rows))
    }

    fn insert_chunk(conn: &Connection, sql: &str, rows: &[Row]) -> Result<usize> {
        let mut stmt = conn.prepare_cached(sql)?;
        for (i, row) in rows.iter().enumerate() {
            stmt.raw_bind_parameter(i * 3 + 1, row.name.as_str())?;
            stmt.raw_bind_parameter(i * 3 + 2, row.hair_color.as_deref())?;
            stmt.raw_bind_parameter(i * 3 + 3, row.created_at)?;
        }
        Ok(stmt.raw_execute()?)
    }
}

impl Contender for Rusqlite {
    fn key(&self) -> Key {
        Key::Floor
    }

    fn label(&self) -> String {
        format!("rusqlite {} (floor)", crate::env::version("rusqlite"))
    }

    fn supports(&self, _w: Workload) -> bool {
        true
    }

    fn run(&mut self, w: Workload, input: &Input, sink: &mut Sink) -> Result<()> {
        use Workload::*;
        match w {
            GetPk => {
                for &id in &input.ids {
                    let mut stmt = self.conn.prepare_cached(self.sql.get)?;
                    if let Some(u) = stmt.query_row([id], user).optional()? {
                        sink.row(&u);
                    }
                }
            }
            Load1 | Load100 | LoadAll => {
                for _ in 0..input.k {
                    let mut stmt = self.conn.prepare_cached(self.sql.load(w.load_table()))?;
                    let rows = stmt
                        .query_map([], user)?
                        .collect::<rusqlite::Result<Vec<Row>>>()?;
                    rows.iter().for_each(|r| sink.row(r));
                }
            }
            Filter | Paginate => {
                for p in &input.params {
                    let (sql, limit, offset) = if w == Filter {
                        (&self.sql.filter, FILTER_LIMIT, p.a)
                    } else {
                        (&self.sql.page, PER_PAGE, (p.a - 1) * PER_PAGE)
                    };
                    let mut stmt = self.conn.prepare_cached(sql)?;
                    let rows = stmt
                        .query_map(params![p.text, limit, offset], user)?
                        .collect::<rusqlite::Result<Vec<Row>>>()?;
                    rows.iter().for_each(|r| sink.row(r));
                    if w == Paginate {
                        let mut stmt = self.conn.prepare_cached(self.sql.count)?;
                        let total: i64 = stmt.query_row([&p.text], |r| r.get(0))?;
                        sink.value(total as u64);
                    }
                }
            }
            EagerLoad => {
                for ids in input.ids.chunks(input.chunk) {
                    let users = self.select_in(Level::Users, ids, user)?;
                    let keys: Vec<i64> = users.iter().map(|u| u.id).collect();
                    let posts = self.select_in(Level::Posts, &keys, post)?;
                    let keys: Vec<i64> = posts.iter().map(|p| p.id).collect();
                    let comments = self.select_in(Level::Comments, &keys, comment)?;
                    data::sink_tree(sink, &data::group(users, posts, comments));
                }
            }
            Feed => {
                for p in &input.params {
                    let mut stmt = self.conn.prepare_cached(self.sql.feed_page)?;
                    let rows = stmt
                        .query_map(params![p.a, PER_PAGE, (p.b - 1) * PER_PAGE], post)?
                        .collect::<rusqlite::Result<Vec<PostRow>>>()?;
                    rows.iter().for_each(|r| r.sink(sink));
                    let mut stmt = self.conn.prepare_cached(self.sql.feed_count)?;
                    let total: i64 = stmt.query_row([p.a], |r| r.get(0))?;
                    sink.value(total as u64);
                }
            }
            InsertOne => {
                for row in &input.rows {
                    let mut stmt = self.conn.prepare_cached(self.sql.insert_one)?;
                    let n = stmt.execute(params![row.name, row.hair_color, row.created_at])?;
                    sink.value(n as u64);
                }
            }
            InsertMany(n) => {
                let sql = self.insert_sql(n).to_owned();
                for chunk in input.rows.chunks(n) {
                    sink.value(Self::insert_chunk(&self.conn, &sql, chunk)? as u64);
                }
            }
            BulkLoad => {
                // At most two statement shapes (full chunks and the remainder), their texts
                // cached across batches like the statements themselves.
                let full = self.insert_sql(sql::BULK_CHUNK).to_owned();
                let rest = self
                    .insert_sql(input.rows.len() % sql::BULK_CHUNK)
                    .to_owned();
                let tx = self.conn.transaction()?;
                let mut done = 0;
                for chunk in input.rows.chunks(sql::BULK_CHUNK) {
                    let text = if chunk.len() == sql::BULK_CHUNK {
                        &full
                    } else {
                        &rest
                    };
                    done += Self::insert_chunk(&tx, text, chunk)?;
                }
                tx.commit()?;
                sink.value(done as u64);
            }
            TxInserts => {
                for chunk in input.rows.chunks(input.chunk) {
                    let tx = self.conn.transaction()?;
                    for row in chunk {
                        let mut stmt = tx.prepare_cached(self.sql.insert_one)?;
                        stmt.execute(params![row.name, row.hair_color, row.created_at])?;
                    }
                    tx.commit()?;
                    sink.value(chunk.len() as u64);
                }
            }
            UpdatePk => {
                for row in &input.rows {
                    let mut stmt = self.conn.prepare_cached(self.sql.update_pk)?;
                    let n =
                        stmt.execute(params![row.name, row.hair_color, row.created_at, row.id])?;
                    sink.value(n as u64);
                }
            }
            UpdateBulk => {
                for p in &input.params {
                    let mut stmt = self.conn.prepare_cached(self.sql.update_bulk)?;
                    sink.value(stmt.execute(params![p.text, p.a, p.b])? as u64);
                }
            }
            DeletePk => {
                for row in &input.rows {
                    let mut stmt = self.conn.prepare_cached(self.sql.delete_pk)?;
                    sink.value(stmt.execute([row.id])? as u64);
                }
            }
            DeleteBulk => {
                for p in &input.params {
                    let mut stmt = self.conn.prepare_cached(self.sql.delete_bulk)?;
                    sink.value(stmt.execute([p.a, p.b])? as u64);
                }
            }
            Count => {
                for p in &input.params {
                    let mut stmt = self.conn.prepare_cached(self.sql.count)?;
                    let n: i64 = stmt.query_row([&p.text], |r| r.get(0))?;
                    sink.value(n as u64);
                }
            }
            Exists => {
                for p in &input.params {
                    let mut stmt = self.conn.prepare_cached(self.sql.exists)?;
                    let found: bool = stmt.query_row([&p.text], |r| r.get(0))?;
                    sink.value(u64::from(found));
                }
            }
            CreateAll | DropAll => {
                let statements = if w == CreateAll {
                    sql::gen_create(Backend::Sqlite)
                } else {
                    sql::gen_drop(Backend::Sqlite)
                };
                let tx = self.conn.transaction()?;
                for s in &statements {
                    tx.execute_batch(s)?;
                }
                tx.commit()?;
                sink.value(1);
            }
            Concurrency => anyhow::bail!("W13 runs through `concurrent`"),
        }
        Ok(())
    }

    /// Four connections, each looping on a blocking-pool thread: rusqlite is synchronous, and
    /// `spawn_blocking` is how an async service would call it.
    fn concurrent(
        &mut self,
        mt: &Runtime,
        ids: &[Vec<i64>],
        until: Option<Duration>,
        sink: &mut Sink,
    ) -> Result<u64> {
        while self.pool.len() < ids.len() {
            self.pool.push(open(&self.path)?);
        }
        let full = sink.is_full();
        let sql = self.sql.get;
        let conns = std::mem::take(&mut self.pool);
        let results = mt.block_on(async {
            let tasks: Vec<_> = conns
                .into_iter()
                .zip(ids.iter().cloned())
                .map(|(conn, ids)| {
                    tokio::task::spawn_blocking(move || -> Result<(Connection, Sink, u64)> {
                        let mut sink = if full { Sink::full() } else { Sink::cheap() };
                        let started = Instant::now();
                        let mut done = 0;
                        while keep_going(done, ids.len(), started, until) {
                            let id = ids[done % ids.len()];
                            let mut stmt = conn.prepare_cached(sql)?;
                            if let Some(u) = stmt.query_row([id], user).optional()? {
                                sink.row(&u);
                            }
                            drop(stmt);
                            done += 1;
                        }
                        Ok((conn, sink, done as u64))
                    })
                })
                .collect();
            let mut out = Vec::new();
            for task in tasks {
                out.push(task.await?);
            }
            anyhow::Ok(out)
        })?;
        let mut total = 0;
        for result in results {
            let (conn, task_sink, done) = result?;
            self.pool.push(conn);
            sink.merge(&task_sink);
            total += done;
        }
        Ok(total)
    }
}

impl ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::I64(v) => ToSqlOutput::Owned(SqlValue::Integer(*v)),
            Val::Text(s) => ToSqlOutput::from(s.as_str()),
            Val::Null => ToSqlOutput::Owned(SqlValue::Null),
            Val::Ts(t) => return t.to_sql(),
        })
    }
}

/// The admin connection of a SQLite unit.
pub struct RusqliteAdmin {
    conn: Connection,
}

impl RusqliteAdmin {
    pub fn new(path: &Path) -> Result<RusqliteAdmin> {
        Ok(RusqliteAdmin { conn: open(path)? })
    }
}

impl Admin for RusqliteAdmin {
    fn execute(&mut self, statements: &[String]) -> Result<()> {
        for s in statements {
            self.conn
                .execute_batch(s)
                .with_context(|| format!("running {s}"))?;
        }
        Ok(())
    }

    fn insert(&mut self, table: &str, columns: &[&str], rows: &[Vec<Val>]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for chunk in rows.chunks(sql::SEED_CHUNK) {
            let text = sql::insert_sql(Backend::Sqlite, table, columns, chunk.len());
            let mut stmt = tx.prepare_cached(&text)?;
            for (i, v) in chunk.iter().flatten().enumerate() {
                stmt.raw_bind_parameter(i + 1, v)?;
            }
            stmt.raw_execute()?;
        }
        tx.commit()?;
        Ok(())
    }

    fn checksum(&mut self, table: &str) -> Result<Sink> {
        let mut sink = Sink::full();
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {} FROM {table}", sql::USER_COLUMNS))?;
        for row in stmt.query_map([], user)? {
            sink.row(&row?);
        }
        Ok(sink)
    }

    fn count_tables(&mut self, prefix: &str) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name LIKE ?1",
            [format!("{prefix}%")],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }
}
