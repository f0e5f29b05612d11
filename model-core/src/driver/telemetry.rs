//! What every statement reports as it ends: its time, echoed and recorded through the
//! database's [`Instrument`], and a lost connection to the bind's [`Health`], which the pool
//! reads to test its other idle connections before handing them out. One path for all of it,
//! whether the statement ran on a pooled connection or inside a transaction.

use std::future::Future;
use std::sync::Arc;

use super::error::SqlxCause;
use super::health::Health;
use crate::record::{Instrument, Started};
use crate::value::Value;

/// A bind's label, the database's echo/record switches and the bind's record of lost
/// connections: what a statement reports to.
#[derive(Debug)]
pub(crate) struct Telemetry {
    pub(crate) label: Arc<str>,
    instrument: Arc<Instrument>,
    health: Arc<Health>,
}

impl Telemetry {
    pub(crate) fn new(label: &str, instrument: Arc<Instrument>, health: Arc<Health>) -> Self {
        Telemetry {
            label: label.into(),
            instrument,
            health,
        }
    }

    /// Starts timing a statement, when something is watching (echo or recording is on).
    pub(crate) fn start(&self) -> Option<Started> {
        self.instrument.start()
    }

    /// Reports a statement that ended with `result`.
    pub(crate) fn finish<T, E: SqlxCause>(
        &self,
        started: Option<Started>,
        sql: &str,
        args: &[Value],
        result: &Result<T, E>,
    ) {
        if let Err(error) = result
            && let Some(error) = error.sqlx_cause()
        {
            self.health.observe(error);
        }
        self.instrument
            .finish(started, &self.label, sql, args, result.is_ok());
    }

    /// Runs `work`, the statement `sql` with `args`, and reports it. `work` makes the future
    /// here rather than being one: a future argument is stored twice in this one's state (as
    /// the argument and as what is awaited), and every layer above would carry the copy.
    pub(crate) async fn observe<T, E: SqlxCause, F: Future<Output = Result<T, E>>>(
        &self,
        sql: &str,
        args: &[Value],
        work: impl FnOnce() -> F,
    ) -> Result<T, E> {
        let started = self.start();
        let result = work().await;
        self.finish(started, sql, args, &result);
        result
    }

    /// [`observe`](Self::observe) for a statement that takes its values: a copy is kept for
    /// the report only when something watches.
    pub(crate) async fn observe_owned<T, E: SqlxCause, F: Future<Output = Result<T, E>>>(
        &self,
        sql: &str,
        args: Vec<Value>,
        work: impl FnOnce(Vec<Value>) -> F,
    ) -> Result<T, E> {
        let started = self.start();
        let kept = started.as_ref().map(|_| args.clone());
        let result = work(args).await;
        self.finish(started, sql, kept.as_deref().unwrap_or_default(), &result);
        result
    }
}
