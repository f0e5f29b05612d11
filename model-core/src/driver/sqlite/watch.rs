//! Timing statements from inside SQLite. SQLite calls a progress handler every
//! [`OPS_PER_CHECK`] virtual-machine steps; the handler notes when it was first called for the
//! current statement and, once the statement has run past the budget, marks it slow and
//! (for a read) stops it. A statement too short to reach the first call (a lookup by key, an
//! insert) costs two atomic stores and a load, and no clock read.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How many virtual-machine steps SQLite runs between two calls of the handler (a few
/// microseconds of work).
const OPS_PER_CHECK: i32 = 1000;

/// What the handler does with a statement that runs past the budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Mode {
    /// Nothing: the statement runs off the async worker, where it may take its time.
    Off = 0,
    /// Marks it slow and lets it finish (a write, which must not be cut midway).
    Observe = 1,
    /// Marks it slow and stops it (a read, which is run again off the worker).
    Interrupt = 2,
}

/// The state the handler and the executor share, for one connection.
#[derive(Debug)]
pub(super) struct Watch {
    origin: Instant,
    budget_nanos: u64,
    mode: AtomicU8,
    /// Nanoseconds from `origin` (plus one) at the handler's first call for this statement;
    /// 0 before it.
    started: AtomicU64,
    slow: AtomicBool,
}

impl Watch {
    /// Installs a watch with `budget` on `conn`.
    pub(super) fn install(
        conn: &rusqlite::Connection,
        budget: Duration,
    ) -> rusqlite::Result<Arc<Watch>> {
        let watch = Arc::new(Watch {
            origin: Instant::now(),
            budget_nanos: u64::try_from(budget.as_nanos()).unwrap_or(u64::MAX),
            mode: AtomicU8::new(Mode::Off as u8),
            started: AtomicU64::new(0),
            slow: AtomicBool::new(false),
        });
        let handler = watch.clone();
        conn.progress_handler(OPS_PER_CHECK, Some(move || handler.check()))?;
        Ok(watch)
    }

    /// Starts watching one statement.
    pub(super) fn start(&self, mode: Mode) {
        self.started.store(0, Ordering::Relaxed);
        self.slow.store(false, Ordering::Relaxed);
        self.mode.store(mode as u8, Ordering::Relaxed);
    }

    /// Stops watching; whether the statement ran past the budget.
    pub(super) fn finish(&self) -> bool {
        self.mode.store(Mode::Off as u8, Ordering::Relaxed);
        self.slow.swap(false, Ordering::Relaxed)
    }

    /// The handler: `true` stops the statement.
    fn check(&self) -> bool {
        let mode = self.mode.load(Ordering::Relaxed);
        if mode == Mode::Off as u8 {
            return false;
        }
        let now = u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX - 1) + 1;
        let started = self.started.load(Ordering::Relaxed);
        if started == 0 {
            self.started.store(now, Ordering::Relaxed);
            return false;
        }
        if now - started < self.budget_nanos {
            return false;
        }
        self.slow.store(true, Ordering::Relaxed);
        mode == Mode::Interrupt as u8
    }
}
