//! An open transaction on one bind: a checked-out connection with BEGIN run on it, and the
//! bind's telemetry. Dropped without `commit` or `rollback`, it is rolled back before the
//! connection is reused (see `pool`).

use std::fmt;
use std::sync::Arc;

use super::connection::{Connection, Outcome};
use super::telemetry::Telemetry;

/// A transaction in progress; statements run in it through [`Target::Tx`](super::Target::Tx).
pub(crate) struct Transaction {
    pub(super) connection: Connection,
    pub(super) telemetry: Arc<Telemetry>,
}

impl fmt::Debug for Transaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Transaction(bind {})", self.telemetry.label)
    }
}

impl Transaction {
    /// Commits; the transaction is gone either way.
    pub(crate) async fn commit(mut self) -> Result<(), sqlx::Error> {
        self.end(Outcome::Commit).await
    }

    /// Rolls back; the transaction is gone either way.
    pub(crate) async fn rollback(mut self) -> Result<(), sqlx::Error> {
        self.end(Outcome::Rollback).await
    }

    /// Runs a statement without values that is not prepared (a savepoint's).
    pub(crate) async fn run_plain(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        let Transaction {
            connection,
            telemetry,
        } = self;
        telemetry
            .observe(sql, &[], || connection.run_unprepared(sql))
            .await
    }

    async fn end(&mut self, outcome: Outcome) -> Result<(), sqlx::Error> {
        let Transaction {
            connection,
            telemetry,
        } = self;
        telemetry
            .observe(outcome.sql(), &[], || connection.end_transaction(outcome))
            .await
    }
}
