//! A bind's pool settings (Flask-SQLAlchemy's `SQLALCHEMY_ENGINE_OPTIONS` for the pool):
//! what the pool reads, kept beside it so the engine layer depends on nothing above it.
//! Re-exported from the configuration, where users meet them.

use std::time::Duration;

/// When to test a pooled connection before handing it out, so a connection the server closed
/// ("server has gone away") is replaced instead of failing the caller's statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrePing {
    /// Never test.
    Never,
    /// Test every time: one extra round trip per acquire.
    Always,
    /// Test only connections that sat idle longer than this (the default, 30 s): no extra round
    /// trip for a busy pool, and stale connections are still caught.
    IdleLongerThan(Duration),
}

/// Pool settings of one bind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    pub(crate) max_connections: u32,
    pub(crate) min_connections: u32,
    pub(crate) acquire_timeout: Duration,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) recycle: Option<Option<Duration>>,
    pub(crate) pre_ping: PrePing,
}

/// MySQL/MariaDB close connections idle past `wait_timeout` (8 hours by default, often less);
/// Flask-SQLAlchemy recycles them after 2 hours, and so do we.
pub(crate) const MYSQL_DEFAULT_RECYCLE: Duration = Duration::from_secs(2 * 60 * 60);

impl Default for PoolConfig {
    /// 10 connections, 30 s acquire timeout, idle connections closed after 10 minutes, recycle
    /// after 2 hours on MySQL/MariaDB (never elsewhere), pre-ping after 30 s idle.
    fn default() -> Self {
        PoolConfig {
            max_connections: 10,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(30),
            idle_timeout: Some(Duration::from_secs(600)),
            recycle: None,
            pre_ping: PrePing::IdleLongerThan(Duration::from_secs(30)),
        }
    }
}

impl PoolConfig {
    /// The most connections the pool opens (`pool_size`). An in-memory SQLite database always
    /// uses one, since each connection would otherwise see its own empty database.
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }
    /// Connections kept open even when idle.
    pub fn min_connections(mut self, n: u32) -> Self {
        self.min_connections = n;
        self
    }
    /// How long to wait for a free connection before failing (`pool_timeout`).
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }
    /// Close connections idle longer than this; `None` keeps them.
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }
    /// Replace connections older than this (`pool_recycle`); `None` never does. Default: 2 hours
    /// on MySQL/MariaDB, never elsewhere.
    pub fn recycle(mut self, after: Option<Duration>) -> Self {
        self.recycle = Some(after);
        self
    }
    /// When to test connections before use (`pool_pre_ping`).
    pub fn pre_ping(mut self, pre_ping: PrePing) -> Self {
        self.pre_ping = pre_ping;
        self
    }
    /// The recycle age in force for a backend.
    pub(crate) fn recycle_for(&self, backend: crate::url::Backend) -> Option<Duration> {
        match self.recycle {
            Some(explicit) => explicit,
            None if backend == crate::url::Backend::MySql => Some(MYSQL_DEFAULT_RECYCLE),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_recycles_by_default() {
        let pool = PoolConfig::default();
        assert_eq!(
            pool.recycle_for(crate::url::Backend::MySql),
            Some(MYSQL_DEFAULT_RECYCLE)
        );
        assert_eq!(pool.recycle_for(crate::url::Backend::Postgres), None);
        assert_eq!(
            pool.clone()
                .recycle(None)
                .recycle_for(crate::url::Backend::MySql),
            None
        );
    }
}
