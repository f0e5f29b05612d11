//! Where the databases are: the default URL and the named binds (Flask-SQLAlchemy's
//! `SQLALCHEMY_DATABASE_URI` and `SQLALCHEMY_BINDS`), each with its pool settings. Built in code
//! or read from the environment; nothing connects until [`Database::connect`](crate::Database::connect).

use std::collections::BTreeMap;

pub use crate::driver::{PoolConfig, PrePing};
use crate::error::{Error, Result};
use crate::url::DatabaseUrl;

/// The environment variable holding the default database URL.
pub const DATABASE_URL: &str = "DATABASE_URL";
/// The environment variable holding the named binds: `key=url` pairs separated by whitespace or
/// newlines, e.g. `users=postgres://app@db/users appmeta=sqlite://meta.db`.
pub const DATABASE_BINDS: &str = "DATABASE_BINDS";

/// The environment variable turning echo on (`1`, `true`, `yes`, `on`).
pub const DATABASE_ECHO: &str = "DATABASE_ECHO";
/// The environment variable holding how many statements to record.
pub const DATABASE_RECORD_QUERIES: &str = "DATABASE_RECORD_QUERIES";

/// The databases an application uses.
///
/// ```
/// use model_core::{Config, PoolConfig};
/// let config = Config::new("sqlite://app.db")
///     .bind("users", "postgres://app@127.0.0.1/users")
///     .bind_with("appmeta", "sqlite::memory:", PoolConfig::default().max_connections(1));
/// assert_eq!(config.bind_keys(), vec!["appmeta", "users"]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Config {
    default: Option<BindConfig>,
    binds: BTreeMap<String, BindConfig>,
    echo: bool,
    record_queries: usize,
}

/// One database: its URL and pool settings.
#[derive(Clone, Debug)]
pub struct BindConfig {
    /// The URL; its password never appears in `Debug` output.
    pub url: DatabaseUrl,
    /// The pool settings.
    pub pool: PoolConfig,
}

impl Config {
    /// A configuration whose default database is at `url`.
    pub fn new(url: impl Into<DatabaseUrl>) -> Self {
        Config {
            default: Some(BindConfig {
                url: url.into(),
                pool: PoolConfig::default(),
            }),
            ..Config::default()
        }
    }

    /// A configuration with no default database, only named binds.
    pub fn binds_only() -> Self {
        Config::default()
    }

    /// Sets (or replaces) the default database, keeping its pool settings if it had one.
    pub fn default_url(mut self, url: impl Into<DatabaseUrl>) -> Self {
        let pool = self.default.take().map(|d| d.pool).unwrap_or_default();
        self.default = Some(BindConfig {
            url: url.into(),
            pool,
        });
        self
    }

    /// Adds (or replaces) the named bind `key` at `url`, with default pool settings.
    pub fn bind(self, key: impl Into<String>, url: impl Into<DatabaseUrl>) -> Self {
        self.bind_with(key, url, PoolConfig::default())
    }

    /// Adds (or replaces) the named bind `key` at `url`, with the given pool settings.
    pub fn bind_with(
        mut self,
        key: impl Into<String>,
        url: impl Into<DatabaseUrl>,
        pool: PoolConfig,
    ) -> Self {
        self.binds.insert(
            key.into(),
            BindConfig {
                url: url.into(),
                pool,
            },
        );
        self
    }

    /// Echoes every statement to `tracing` (`SQLALCHEMY_ECHO`); also `DATABASE_ECHO=1`.
    pub fn echo(mut self, on: bool) -> Self {
        self.echo = on;
        self
    }

    /// Records the last `capacity` statements (`SQLALCHEMY_RECORD_QUERIES`); also
    /// `DATABASE_RECORD_QUERIES=<capacity>`.
    pub fn record_queries(mut self, capacity: usize) -> Self {
        self.record_queries = capacity;
        self
    }

    pub(crate) fn echo_setting(&self) -> bool {
        self.echo
    }

    pub(crate) fn record_setting(&self) -> usize {
        self.record_queries
    }

    /// Sets the pool settings of the default database (if there is one).
    pub fn default_pool(mut self, pool: PoolConfig) -> Self {
        if let Some(default) = &mut self.default {
            default.pool = pool;
        }
        self
    }

    /// Reads `DATABASE_URL` (the default database, optional when binds are given) and
    /// `DATABASE_BINDS` (`key=url` pairs separated by whitespace).
    pub fn from_env() -> Result<Self> {
        Config::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`Config::from_env`], reading variables through `var` (for tests and custom sources).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let mut config = match var(DATABASE_URL).filter(|v| !v.trim().is_empty()) {
            Some(url) => Config::new(url.trim().to_owned()),
            None => Config::binds_only(),
        };
        if let Some(binds) = var(DATABASE_BINDS) {
            for pair in binds.split_whitespace() {
                let Some((key, url)) = pair.split_once('=') else {
                    return Err(Error::Config(format!(
                        "{DATABASE_BINDS} holds `key=url` pairs separated by whitespace; found `{}`",
                        DatabaseUrl::new(pair).redacted()
                    )));
                };
                if key.is_empty() || url.is_empty() {
                    return Err(Error::Config(format!(
                        "{DATABASE_BINDS}: empty key or URL in `{}`",
                        DatabaseUrl::new(pair).redacted()
                    )));
                }
                config = config.bind(key, url);
            }
        }
        if let Some(echo) = var(DATABASE_ECHO) {
            config.echo = matches!(
                echo.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            );
        }
        if let Some(capacity) = var(DATABASE_RECORD_QUERIES) {
            config.record_queries = capacity.trim().parse().map_err(|_| {
                Error::Config(format!("{DATABASE_RECORD_QUERIES} takes a number of statements to keep, found `{capacity}`"))
            })?;
        }
        if config.default.is_none() && config.binds.is_empty() {
            return Err(Error::Config(format!(
                "neither {DATABASE_URL} nor {DATABASE_BINDS} is set; set {DATABASE_URL}, e.g. \
                 {DATABASE_URL}=sqlite://app.db"
            )));
        }
        Ok(config)
    }

    /// The default database, if configured.
    pub fn default_bind(&self) -> Option<&BindConfig> {
        self.default.as_ref()
    }

    /// The named binds, sorted by key.
    pub fn binds(&self) -> impl Iterator<Item = (&str, &BindConfig)> {
        self.binds.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The keys of the named binds, sorted.
    pub fn bind_keys(&self) -> Vec<&str> {
        self.binds.keys().map(String::as_str).collect()
    }
}

impl From<&str> for Config {
    fn from(url: &str) -> Self {
        Config::new(url)
    }
}

impl From<String> for Config {
    fn from(url: String) -> Self {
        Config::new(url)
    }
}

/// So `Database::connect(&url)` takes a URL held in a `String`, as `&str` would.
impl From<&String> for Config {
    fn from(url: &String) -> Self {
        Config::new(url.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn env_gives_default_and_binds() {
        let config = Config::from_vars(vars(&[
            (DATABASE_URL, "sqlite://app.db"),
            (
                DATABASE_BINDS,
                "users=postgres://u:pw@h/users\n appmeta=sqlite::memory:",
            ),
        ]))
        .unwrap();
        assert_eq!(
            config.default_bind().unwrap().url.expose(),
            "sqlite://app.db"
        );
        assert_eq!(config.bind_keys(), vec!["appmeta", "users"]);
    }

    #[test]
    fn bad_env_is_an_error_without_password() {
        let err =
            Config::from_vars(vars(&[(DATABASE_BINDS, "postgres://u:hunter2@h/x")])).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("key=url"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(Config::from_vars(vars(&[])).is_err());
    }
}
