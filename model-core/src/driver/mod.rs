//! Running statements. The layers, from the top:
//! - [`Engine`]: one per bind. Takes connections from the bind's pool and runs what concerns
//!   the pool as a whole: reads run again once on a lost connection, statements sent together
//!   in one transaction, DDL scripts, transactions begun ([`Transaction`]).
//! - [`Target`]: where one statement runs, the pool or a transaction. Every statement goes
//!   through it, so it is timed, echoed, recorded and checked for a lost connection in one
//!   place ([`telemetry`]).
//! - [`Connection`](connection::Connection): a checked-out connection of whichever backend; the only enum over
//!   backends that runs statements, and the seam where another executor adds a variant.
//! - `sqlite`: SQLite on the caller's thread through rusqlite; `sqlx_driver`: PostgreSQL and
//!   MySQL/MariaDB through sqlx, generic over its `SqlxBackend`, with one module per backend;
//!   `pool`: the cancel-safe pool both check connections out of.
//!
//! The query, schema, write and session code call `Engine`, `Target` and `Transaction` and
//! never see sqlx. Each backend is a cargo feature (`sqlite`, `postgres`, `mysql`); `absent`
//! refuses the URLs of the ones left out, so a one-backend build links only that backend.

#[cfg(not(all(feature = "sqlite", feature = "postgres", feature = "mysql")))]
mod absent;
mod backend_pool;
mod binding;
mod connection;
mod engine;
mod error;
mod executed;
mod health;
#[cfg(feature = "migrate")]
pub(crate) mod migrator;
mod pool;
pub(crate) mod sink;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(any(feature = "postgres", feature = "mysql"))]
mod sqlx_driver;
mod target;
mod telemetry;
mod transaction;

pub(crate) use engine::Engine;
pub(crate) use error::{DriverError, Reported, ScriptStage, error_detail, reported_violation};
pub use pool::{PoolConfig, PrePing};
pub(crate) use sink::{RowCount, RowSink};
pub(crate) use target::Target;
pub(crate) use transaction::Transaction;

use crate::url::Backend;

/// Whether this build has `backend`'s driver; if not, says which cargo feature adds it.
pub(crate) fn compiled(backend: Backend) -> Result<(), String> {
    match backend {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => Ok(()),
        #[cfg(feature = "postgres")]
        Backend::Postgres => Ok(()),
        #[cfg(feature = "mysql")]
        Backend::MySql => Ok(()),
        #[cfg(not(all(feature = "sqlite", feature = "postgres", feature = "mysql")))]
        other => Err(absent::not_compiled(other)),
    }
}

#[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
compile_error!(
    "model-core needs at least one backend: enable its `sqlite`, `postgres` or `mysql` feature"
);
