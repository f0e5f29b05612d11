//! How a transaction is opened: its isolation level and whether it may write. Chosen per
//! session ([`Database::session_with`](crate::Database::session_with)) or per transaction
//! ([`Database::transaction_with`](crate::Database::transaction_with)); each dialect turns
//! them into its own `BEGIN`.

use std::fmt;

/// The SQL isolation levels. A database may run a transaction at a stricter level than asked
/// (the SQL standard allows it): PostgreSQL runs `ReadUncommitted` as `ReadCommitted`, and
/// SQLite runs every transaction serializable, whatever is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IsolationLevel {
    /// `READ UNCOMMITTED`: may see other transactions' uncommitted writes (MySQL).
    ReadUncommitted,
    /// `READ COMMITTED`: each statement sees what was committed when it began (PostgreSQL's
    /// default).
    ReadCommitted,
    /// `REPEATABLE READ`: every statement sees the snapshot of the first (MySQL's default).
    RepeatableRead,
    /// `SERIALIZABLE`: as if the transactions ran one after another; a conflicting one fails
    /// and may be run again (SQLite's only level).
    Serializable,
}

impl IsolationLevel {
    /// The level as SQL writes it.
    pub fn sql(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "READ UNCOMMITTED",
            IsolationLevel::ReadCommitted => "READ COMMITTED",
            IsolationLevel::RepeatableRead => "REPEATABLE READ",
            IsolationLevel::Serializable => "SERIALIZABLE",
        }
    }
}

impl fmt::Display for IsolationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sql())
    }
}

/// The isolation level and access mode of the transactions a session opens.
///
/// ```no_run
/// # async fn run(db: model_core::Database) -> model_core::Result<()> {
/// use model_core::{IsolationLevel, TransactionOptions};
///
/// let report = TransactionOptions::new()
///     .isolation(IsolationLevel::RepeatableRead)
///     .read_only();
/// let mut session = db.session_with(report);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TransactionOptions {
    /// The isolation level; `None`: the database's default.
    pub isolation: Option<IsolationLevel>,
    /// Whether the transaction may not write.
    pub read_only: bool,
}

impl TransactionOptions {
    /// The database's defaults: its isolation level, reads and writes.
    pub fn new() -> Self {
        TransactionOptions::default()
    }

    /// Runs at `level`.
    pub fn isolation(mut self, level: IsolationLevel) -> Self {
        self.isolation = Some(level);
        self
    }

    /// Refuses writes: the database refuses them in a `READ ONLY` transaction (PostgreSQL,
    /// MySQL), and the session refuses its own writes before they are sent on every backend
    /// (SQLite has no read-only transaction; there it begins `DEFERRED`, taking no write lock).
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// Whether these are the defaults (a plain `BEGIN`).
    pub fn is_default(&self) -> bool {
        self.isolation.is_none() && !self.read_only
    }
}
