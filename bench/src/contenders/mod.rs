//! The contenders, one module each, behind one trait; and the admin connection of each
//! isolation unit (a floor driver pointed at that contender's database), which seeds, resets
//! and reads back outside the timed sections.

pub mod diesel;
pub mod floor_mysql;
pub mod floor_postgres;
pub mod floor_sqlite;
pub mod ours;
pub mod seaorm;
pub mod sqlx_raw;

use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::NaiveDateTime;
use tokio::runtime::Runtime;

use crate::data::{Row, Sink};
use crate::workload::{Input, Workload};

/// Which contender a unit is; the key names its database and its JSON entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Floor,
    Ours,
    Sqlx,
    SqlxConn,
    SeaOrm,
    SeaOrmTuned,
    Diesel,
}

impl Key {
    /// Report order: the floor first, then ours, then the peers.
    pub const ALL: [Key; 7] = [
        Key::Floor,
        Key::Ours,
        Key::Sqlx,
        Key::SqlxConn,
        Key::SeaOrm,
        Key::SeaOrmTuned,
        Key::Diesel,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Key::Floor => "floor",
            Key::Ours => "ours",
            Key::Sqlx => "sqlx",
            Key::SqlxConn => "sqlx_conn",
            Key::SeaOrm => "seaorm",
            Key::SeaOrmTuned => "seaorm_tuned",
            Key::Diesel => "diesel",
        }
    }

    pub fn parse(s: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|k| k.id() == s)
    }
}

/// One contender: it runs batches of operations on its own database, through its own library,
/// written as that library's documentation recommends.
pub trait Contender {
    fn key(&self) -> Key;

    /// The column header, e.g. `sea-orm 2.0.4 tuned`.
    fn label(&self) -> String;

    /// Whether it implements `w` (missing cells show `—`).
    fn supports(&self, w: Workload) -> bool;

    /// Untimed: converts the batch input into the contender's own types where its API takes
    /// owned models, so building structs from the harness's rows is not measured.
    fn stage(&mut self, _w: Workload, _input: &Input) -> Result<()> {
        Ok(())
    }

    /// Timed: runs the batch, recording every result in `sink`.
    fn run(&mut self, w: Workload, input: &Input, sink: &mut Sink) -> Result<()>;

    /// W13: four tasks on a pool of four connections (created on first use, inside `mt`),
    /// each getting its ids in turn until `until` (or, without a deadline, each id once).
    /// Returns the number of operations done.
    fn concurrent(
        &mut self,
        _mt: &Runtime,
        _ids: &[Vec<i64>],
        _until: Option<Duration>,
        _sink: &mut Sink,
    ) -> Result<u64> {
        anyhow::bail!("{} does not implement W13", self.label())
    }

    /// Drops what `concurrent` created; called inside the multi-threaded runtime.
    fn drop_concurrent(&mut self) {}
}

/// A plain value for the admin connection's generic inserts.
#[derive(Clone, Debug)]
pub enum Val {
    I64(i64),
    Text(String),
    Null,
    Ts(NaiveDateTime),
}

impl Val {
    /// The four values of a user-shaped row, id first.
    pub fn user(row: &Row) -> Vec<Val> {
        vec![
            Val::I64(row.id),
            Val::Text(row.name.clone()),
            row.hair_color.clone().map_or(Val::Null, Val::Text),
            Val::Ts(row.created_at),
        ]
    }
}

/// The admin connection of one isolation unit: setup, resets and read-back, never timed.
pub trait Admin {
    /// Runs statements one after another.
    fn execute(&mut self, statements: &[String]) -> Result<()>;

    /// Inserts rows (explicit ids) in multi-row statements inside one transaction.
    fn insert(&mut self, table: &str, columns: &[&str], rows: &[Vec<Val>]) -> Result<()>;

    /// Every row of a user-shaped table, hashed into a full sink.
    fn checksum(&mut self, table: &str) -> Result<Sink>;

    /// How many tables whose name starts with `prefix` exist.
    fn count_tables(&mut self, prefix: &str) -> Result<u64>;

    /// Inserts user-shaped rows with their ids.
    fn insert_users(&mut self, table: &str, rows: &[Row]) -> Result<()> {
        let values: Vec<Vec<Val>> = rows.iter().map(Val::user).collect();
        self.insert(table, &["id", "name", "hair_color", "created_at"], &values)
    }
}

/// Waits for every W13 task, in order, and hands back what each returned.
pub async fn join_tasks<T>(tasks: Vec<tokio::task::JoinHandle<Result<T>>>) -> Result<Vec<T>> {
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        out.push(task.await??);
    }
    Ok(out)
}

/// Folds the W13 tasks' sinks into `sink`; returns how many operations they did in all.
pub fn merge_tasks(sink: &mut Sink, results: impl IntoIterator<Item = (Sink, u64)>) -> u64 {
    results
        .into_iter()
        .map(|(task_sink, done)| {
            sink.merge(&task_sink);
            done
        })
        .sum()
}

/// Loops over W13's ids until the deadline (checked every 16 operations: reading the clock
/// costs more than a SQLite lookup's noise), or once over them without one.
pub fn keep_going(done: usize, len: usize, started: Instant, until: Option<Duration>) -> bool {
    match until {
        None => done < len,
        Some(limit) => !done.is_multiple_of(16) || started.elapsed() < limit,
    }
}
