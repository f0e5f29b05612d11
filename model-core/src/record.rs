//! Seeing the SQL: echo (every statement to `tracing`, target `model_core::sql`, with its bind
//! and elapsed time) and recorded queries (Flask-SQLAlchemy's `SQLALCHEMY_RECORD_QUERIES` /
//! `get_debug_queries`): SQL, parameters, start, end, duration and where in the caller's code
//! the statement was issued.
//!
//! With either on, the same statement text sent many times by one call site within one task
//! (a loop loading each row's parent: N+1) is warned of through `tracing`, target
//! `model_core::n_plus_one`, naming the call site and the count.
//!
//! Public entry points are `#[track_caller]` and put the caller's location in a task-local
//! for the duration of the call (the outermost call wins, so library-internal calls do not
//! replace it); the engine reads it when it records.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::panic::Location;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use futures_util::FutureExt as _;
use futures_util::future::Either;

use crate::value::Value;

tokio::task_local! {
    static CALLER: &'static Location<'static>;
}

/// Runs `future` with the location of the user's call as the caller of every statement it
/// issues, unless an outer call already set one: the one mechanism behind every public async
/// method. Called from a `#[track_caller]` method, `Location::caller()` here is the line in
/// the user's code that called that method.
#[track_caller]
pub(crate) fn from_caller<F: Future>(future: F) -> impl Future<Output = F::Output> {
    at(Location::caller(), future)
}

/// Runs `future` with `location` as the caller of every statement it issues, unless an outer
/// call already set one. Decided when the future first runs, not when it is built: a future
/// built before it is handed to an outer `at` (`at(caller, session.commit())`) takes the
/// outer location.
///
/// Not an `async fn`: one would keep `future` as its argument and again inside the scope
/// that runs it, doubling the size of every statement's future (7 KB for a lookup) and the
/// bytes copied each time it moves. Decided lazily, the future is held once.
pub(crate) fn at<F: Future>(
    location: &'static Location<'static>,
    future: F,
) -> impl Future<Output = F::Output> {
    futures_util::future::lazy(move |_| {
        if CALLER.try_with(|_| ()).is_ok() {
            Either::Left(future)
        } else {
            Either::Right(CALLER.scope(location, future))
        }
    })
    .flatten()
}

/// One statement, as recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryRecord {
    /// The SQL text.
    pub sql: String,
    /// The bound parameters, in order.
    pub params: Vec<Value>,
    /// The bind it ran on (`default` or the quoted key).
    pub bind: String,
    /// When it was sent.
    pub start: SystemTime,
    /// When it finished.
    pub end: SystemTime,
    /// How long it took.
    pub duration: Duration,
    /// Where the caller's code issued it, when it went through this crate's API.
    pub location: Option<&'static Location<'static>>,
    /// Whether it succeeded.
    pub succeeded: bool,
}

/// The echo and recording switches shared by every bind of a `Database`, and the N+1
/// detector they enable.
#[derive(Debug)]
pub(crate) struct Instrument {
    echo: AtomicBool,
    capacity: AtomicUsize,
    records: Mutex<VecDeque<QueryRecord>>,
    repeats: Repeats,
}

impl Default for Instrument {
    fn default() -> Self {
        Instrument {
            echo: AtomicBool::new(false),
            capacity: AtomicUsize::new(0),
            records: Mutex::new(VecDeque::new()),
            repeats: Repeats::new(DEFAULT_N_PLUS_ONE_THRESHOLD),
        }
    }
}

/// How many times one call site may send one statement within one task before the N+1
/// warning: a loop over 20 rows loading each one's parent is caught, two or three lookups
/// are not.
pub(crate) const DEFAULT_N_PLUS_ONE_THRESHOLD: usize = 10;

/// The N+1 detector: how often each call site sent each statement text within each task.
/// Keyed by the task, so one request's loop counts on its own and concurrent requests doing
/// the same lookup once each do not add up. Bounded: past `MAX_KEYS` entries it starts over.
#[derive(Debug)]
struct Repeats {
    threshold: AtomicUsize,
    seen: Mutex<HashMap<RepeatKey, usize>>,
}

/// A task (none outside a tokio task), a call site, and a statement's text (by hash).
type RepeatKey = (Option<tokio::task::Id>, &'static Location<'static>, u64);

/// The most (task, call site, statement) entries kept.
const MAX_KEYS: usize = 4096;

impl Repeats {
    fn new(threshold: usize) -> Self {
        Repeats {
            threshold: AtomicUsize::new(threshold),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one more `sql` from `location`; warns (once per task, call site and statement)
    /// when the count reaches the threshold.
    fn count(&self, location: &'static Location<'static>, sql: &str, bind: &str) {
        let threshold = self.threshold.load(Ordering::Relaxed);
        if threshold == 0 {
            return;
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        sql.hash(&mut hasher);
        let key = (tokio::task::try_id(), location, hasher.finish());
        let count = {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            if seen.len() >= MAX_KEYS && !seen.contains_key(&key) {
                seen.clear();
            }
            let count = seen.entry(key).or_insert(0);
            *count += 1;
            *count
        };
        if count == threshold {
            tracing::warn!(
                target: "model_core::n_plus_one",
                bind,
                location = %format_args!("{}:{}", location.file(), location.line()),
                count,
                "the same statement was sent {count} times from {}:{} in one task: an N+1 \
                 pattern? Load the related rows of all the rows at once with \
                 `.with(...)` or `.join(...)`. Statement: {sql}",
                location.file(),
                location.line(),
            );
        }
    }
}

/// A statement being timed.
pub(crate) struct Started {
    at: Instant,
    wall: SystemTime,
}

impl Instrument {
    pub(crate) fn set_echo(&self, on: bool) {
        self.echo.store(on, Ordering::Relaxed);
    }

    /// Warns of a statement sent `threshold` times by one call site in one task (0: never).
    pub(crate) fn set_n_plus_one_threshold(&self, threshold: usize) {
        self.repeats.threshold.store(threshold, Ordering::Relaxed);
    }

    /// Keeps the last `capacity` statements; 0 turns recording off and drops what was kept.
    pub(crate) fn set_capacity(&self, capacity: usize) {
        self.capacity.store(capacity, Ordering::Relaxed);
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        while records.len() > capacity {
            records.pop_front();
        }
    }

    pub(crate) fn recorded(&self) -> Vec<QueryRecord> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    pub(crate) fn take(&self) -> Vec<QueryRecord> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
            .collect()
    }

    /// Starts timing a statement, if anything is watching.
    pub(crate) fn start(&self) -> Option<Started> {
        (self.echo.load(Ordering::Relaxed) || self.capacity.load(Ordering::Relaxed) > 0).then(
            || Started {
                at: Instant::now(),
                wall: SystemTime::now(),
            },
        )
    }

    /// Echoes and records a finished statement.
    pub(crate) fn finish(
        &self,
        started: Option<Started>,
        bind: &str,
        sql: &str,
        params: &[Value],
        succeeded: bool,
    ) {
        let Some(started) = started else { return };
        let duration = started.at.elapsed();
        let location = CALLER.try_with(|l| *l).ok();
        if let Some(location) = location {
            self.repeats.count(location, sql, bind);
        }
        if self.echo.load(Ordering::Relaxed) {
            tracing::info!(
                target: "model_core::sql",
                bind,
                elapsed_us = duration.as_micros() as u64,
                succeeded,
                location = location.map(|l| format!("{}:{}", l.file(), l.line())),
                params = ?params,
                "{sql}"
            );
        }
        let capacity = self.capacity.load(Ordering::Relaxed);
        if capacity > 0 {
            let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
            if records.len() >= capacity {
                records.pop_front();
            }
            records.push_back(QueryRecord {
                sql: sql.to_owned(),
                params: params.to_vec(),
                bind: bind.to_owned(),
                start: started.wall,
                end: started.wall + duration,
                duration,
                location,
                succeeded,
            });
        }
    }
}
