//! Noticing that a pool's connections died: a server restart, a failover, an operator or a
//! `wait_timeout` closing them. The default pool pings only connections idle for a while, so a
//! connection killed while busy is found dead by the next statement that uses it. That statement
//! reports the loss here; for a while afterwards every connection opened before the loss is
//! pinged before use, so the others are replaced instead of each failing one more caller.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long connections older than a loss stay suspect. Long enough for a pool to cycle through
/// every connection it holds; short enough that the extra pings stop soon after.
const SUSPECT_FOR: Duration = Duration::from_secs(60);

/// The connection losses one pool has seen.
#[derive(Debug)]
pub(crate) struct Health {
    origin: Instant,
    /// Milliseconds from `origin` to the last loss, plus one; 0 when there was none.
    last_loss: AtomicU64,
}

impl Health {
    pub(crate) fn new() -> Health {
        Health {
            origin: Instant::now(),
            last_loss: AtomicU64::new(0),
        }
    }

    /// Records `error` if it says the connection is gone.
    pub(crate) fn observe(&self, error: &sqlx::Error) {
        if is_connection_lost(error) {
            let at = self.origin.elapsed().as_millis() as u64 + 1;
            self.last_loss.store(at, Ordering::Relaxed);
        }
    }

    /// Whether a connection opened `age` ago may have died in the last loss and should be
    /// pinged before use.
    pub(crate) fn suspects(&self, age: Duration) -> bool {
        let at = self.last_loss.load(Ordering::Relaxed);
        if at == 0 {
            return false;
        }
        let since = self
            .origin
            .elapsed()
            .saturating_sub(Duration::from_millis(at - 1));
        since < SUSPECT_FOR && age >= since
    }
}

/// Whether `error` means the connection itself is gone (not that the statement was wrong), so
/// the statement never took effect if it was a read and the connection must not be reused.
/// SQLSTATE class 08 is "connection exception" on every backend; 57P01–57P03 are PostgreSQL's
/// administrator or crash shutdown; 70100 is MariaDB's "Connection was killed".
pub(crate) fn is_connection_lost(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "70100")
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_connections_older_than_a_recent_loss_are_suspect() {
        let health = Health::new();
        assert!(!health.suspects(Duration::from_secs(3600)));
        health.observe(&sqlx::Error::Protocol("a syntax problem".into()));
        assert!(!health.suspects(Duration::from_secs(3600)), "not a loss");
        std::thread::sleep(Duration::from_millis(20));
        health.observe(&sqlx::Error::Io(std::io::ErrorKind::BrokenPipe.into()));
        assert!(health.suspects(Duration::from_secs(3600)));
        assert!(!health.suspects(Duration::ZERO), "opened after the loss");
    }
}
