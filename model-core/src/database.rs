//! The `Database` handle: one pool per bind, chosen by URL scheme, shared cheaply across tasks
//! (the `db = SQLAlchemy(app)` of a Rust service, minus the app), with the commit signals and
//! the echo/record switches every statement reports to.
//!
//! This file holds what the handle *is*: connecting, finding a bind, hooks, recording, closing.
//! The operations a user starts from it (`create_all`, `insert`, `session`...) are declared in
//! `operations.rs`, above the modules that do them, so those modules can take a `&Database`
//! without this file importing them back.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::bind::Bind;
use crate::change::Change;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::meta::Table;
use crate::naming::bind_label;
use crate::record::{Instrument, QueryRecord};
use crate::signals::Signals;

/// Connection pools for the default database and every named bind. Clone it freely: clones
/// share the pools. It is `Send + Sync`, so one handle serves every task of a service.
///
/// ```no_run
/// # async fn run() -> model_core::Result<()> {
/// use model_core::{Config, Database};
/// let db = Database::connect(Config::new("sqlite://app.db").bind("users", "postgres://app@db/users")).await?;
/// db.create_all().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Database {
    inner: Arc<Inner>,
}

struct Inner {
    default: Option<Bind>,
    binds: BTreeMap<String, Bind>,
    signals: Signals,
    instrument: Arc<Instrument>,
}

impl Database {
    /// Opens a pool for every database in `config` (within a Tokio runtime, which the pools'
    /// maintenance tasks run on). Connections are made lazily, on first use,
    /// so a server that is down does not stop startup; a malformed URL or an unknown scheme is
    /// an error here, naming the bind. A plain URL string is a config with just a default database.
    pub async fn connect(config: impl Into<Config>) -> Result<Database> {
        let config = config.into();
        let instrument = Arc::new(Instrument::default());
        instrument.set_echo(config.echo_setting());
        instrument.set_capacity(config.record_setting());
        let default = config
            .default_bind()
            .map(|c| Bind::open(None, c, &instrument))
            .transpose()?;
        let mut binds = BTreeMap::new();
        for (key, bind) in config.binds() {
            binds.insert(key.to_owned(), Bind::open(Some(key), bind, &instrument)?);
        }
        Ok(Database {
            inner: Arc::new(Inner {
                default,
                binds,
                signals: Signals::default(),
                instrument,
            }),
        })
    }

    /// [`Database::connect`] with [`Config::from_env`] (`DATABASE_URL`, `DATABASE_BINDS`).
    pub async fn from_env() -> Result<Database> {
        Database::connect(Config::from_env()?).await
    }

    /// The bind `key` (`None`: the default database).
    pub fn bind(&self, key: Option<&str>) -> Result<&Bind> {
        let found = match key {
            None => self.inner.default.as_ref(),
            Some(key) => self.inner.binds.get(key),
        };
        found.ok_or_else(|| Error::UnknownBind {
            bind: bind_label(key),
            configured: self.configured_binds(),
        })
    }

    /// The bind `table` lives in; an unknown bind is said from the model's side.
    pub(crate) fn bind_for(&self, table: &Table) -> Result<&Bind> {
        self.bind(table.bind()).map_err(|error| match error {
            Error::UnknownBind { bind, configured } => Error::UnknownBind {
                bind: format!("{bind} (wanted by {})", table.describe()),
                configured,
            },
            other => other,
        })
    }

    /// Every configured bind, the default database first.
    pub fn binds(&self) -> impl Iterator<Item = &Bind> {
        self.inner.default.iter().chain(self.inner.binds.values())
    }

    /// The configured binds for messages: `default, "appmeta", "users"` (or `none`).
    pub(crate) fn configured_binds(&self) -> String {
        let labels: Vec<String> = self.binds().map(Bind::label).collect();
        if labels.is_empty() {
            "none".to_owned()
        } else {
            labels.join(", ")
        }
    }

    /// Registers a hook run before every session commit with the session's changes
    /// (Flask-SQLAlchemy's `before_models_committed`). Returning `Err(reason)` vetoes the
    /// commit: the session is rolled back and `commit` fails with [`Error::Vetoed`].
    pub fn before_models_committed(
        &self,
        hook: impl Fn(&[Change]) -> std::result::Result<(), String> + Send + Sync + 'static,
    ) {
        self.inner.signals.add_before(Arc::new(hook));
    }

    /// Registers a hook run after every session commit with the committed changes
    /// (Flask-SQLAlchemy's `models_committed`).
    pub fn models_committed(&self, hook: impl Fn(&[Change]) + Send + Sync + 'static) {
        self.inner.signals.add_after(Arc::new(hook));
    }

    /// Echoes every statement to `tracing` (target `model_core::sql`, level INFO) with its bind,
    /// elapsed time, parameters and caller location (`SQLALCHEMY_ECHO`).
    pub fn set_echo(&self, on: bool) {
        self.inner.instrument.set_echo(on);
    }

    /// With echo or recording on, warns through `tracing` (target `model_core::n_plus_one`)
    /// when one call site sends the same statement `threshold` times within one task: the
    /// N+1 pattern of loading each row's related rows in a loop. 10 by default; 0 turns the
    /// warning off.
    pub fn warn_n_plus_one(&self, threshold: usize) {
        self.inner.instrument.set_n_plus_one_threshold(threshold);
    }

    /// Keeps the last `capacity` statements for [`Database::recorded_queries`]
    /// (`SQLALCHEMY_RECORD_QUERIES`); 0 turns recording off.
    pub fn record_queries(&self, capacity: usize) {
        self.inner.instrument.set_capacity(capacity);
    }

    /// The statements recorded so far, oldest first (`get_debug_queries`).
    pub fn recorded_queries(&self) -> Vec<QueryRecord> {
        self.inner.instrument.recorded()
    }

    /// The statements recorded so far, removing them (e.g. at the end of a request).
    pub fn take_recorded_queries(&self) -> Vec<QueryRecord> {
        self.inner.instrument.take()
    }

    pub(crate) fn signals(&self) -> &Signals {
        &self.inner.signals
    }

    /// Closes every pool, waiting for connections in use to be returned. The handle and its
    /// clones cannot run statements afterwards (they fail with a closed-pool error).
    pub async fn close(&self) {
        for bind in self.binds() {
            bind.engine.close().await;
        }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.binds()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}

    #[test]
    fn database_is_a_shareable_handle() {
        assert_send_sync::<Database>();
    }

    #[tokio::test]
    async fn bad_urls_name_the_bind_and_hide_the_password() {
        let err =
            Database::connect(Config::binds_only().bind("users", "oracle://scott:tiger@db/x"))
                .await
                .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("\"users\"") && text.contains("oracle"),
            "{text}"
        );
        assert!(!text.contains("tiger"), "{text}");

        let err = Database::connect("postgres://app:hunter2@[::1/x")
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("bind default"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[cfg(feature = "postgres")]
    #[tokio::test]
    async fn debug_output_hides_passwords() {
        let db = Database::connect(
            Config::binds_only().bind("x", "postgres://app:hunter2@127.0.0.1:1/x"),
        )
        .await
        .unwrap();
        let text = format!("{db:?}");
        assert!(text.contains("app:***@"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        let err = db.bind(Some("nope")).unwrap_err().to_string();
        assert!(err.contains("\"nope\"") && err.contains("\"x\""), "{err}");
    }
}
