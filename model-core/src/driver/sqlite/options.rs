//! A SQLite URL read into what opening a connection needs, in the form sqlx's SQLite driver
//! accepted (so existing `DATABASE_URL`s keep working): `sqlite::memory:`, `sqlite://path`,
//! `sqlite:path`, with `mode` (`ro`, `rw`, `rwc`, `memory`), `cache` (`shared`, `private`),
//! `immutable` and `vfs`, plus the per-connection pragmas `journal_mode`, `synchronous` and
//! `busy_timeout`, and `offload_after` (ms): how long a statement may hold the caller's thread. A file that does not exist yet is created, as Flask-SQLAlchemy does, unless
//! the URL says `mode=ro`; foreign keys are enforced.

use std::time::Duration;

use rusqlite::OpenFlags;

use super::error::from_rusqlite;
use crate::url::DatabaseUrl;

/// How long a statement waits for a lock another connection holds (sqlx's default).
const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a statement may hold the caller's thread before it counts as long and goes off the
/// worker (see `conn`): longer than a lookup, a page or a 1,000-row insert, shorter than a
/// scan of a large table or a lock wait.
const DEFAULT_OFFLOAD_AFTER: Duration = Duration::from_millis(10);

/// How many prepared statements each connection keeps (sqlx's default).
const STATEMENT_CACHE: usize = 100;

/// What opening one connection to a bind's SQLite database takes.
#[derive(Debug, Clone)]
pub(crate) struct SqliteOptions {
    /// The file, or a `file:` URI when the URL asked for URI parameters.
    path: String,
    flags: OpenFlags,
    vfs: Option<String>,
    /// Whether the database lives in memory (one per connection, unless shared).
    pub(crate) in_memory: bool,
    journal_mode: Option<String>,
    synchronous: Option<String>,
    /// How long a statement may wait for a lock before failing with "database is locked".
    pub(crate) busy_timeout: Duration,
    /// How long a statement may hold the caller's thread before it runs off the worker.
    pub(crate) offload_after: Duration,
}

impl SqliteOptions {
    /// Whether the database is a private in-memory one, which exists only inside the one
    /// connection that opened it.
    #[cfg(feature = "migrate")]
    pub(crate) fn is_private_memory(&self) -> bool {
        self.path == ":memory:"
    }

    /// Reads `url`; a parameter it does not know, or a value it cannot use, is an error naming
    /// it.
    pub(crate) fn parse(url: &DatabaseUrl) -> Result<SqliteOptions, sqlx::Error> {
        let text = url.expose();
        let rest = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
            .unwrap_or(text);
        let (database, query) = rest.split_once('?').unwrap_or((rest, ""));
        let database = percent_decode(database)?;
        let mut options = SqliteOptions {
            in_memory: database == ":memory:",
            path: database,
            flags: OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            vfs: None,
            journal_mode: None,
            synchronous: None,
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            offload_after: DEFAULT_OFFLOAD_AFTER,
        };
        let mut uri_parameters = Vec::new();
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let invalid = |expected: &str| {
                sqlx::Error::Configuration(
                    format!(
                        "invalid value {value:?} for `{key}` in the SQLite URL; expected {expected}"
                    )
                    .into(),
                )
            };
            match &*key {
                "mode" => match &*value {
                    "ro" => {
                        options.flags.remove(
                            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
                        );
                        options.flags.insert(OpenFlags::SQLITE_OPEN_READ_ONLY);
                    }
                    "rw" | "rwc" => {}
                    "memory" => {
                        options.in_memory = true;
                        options.flags.insert(
                            OpenFlags::SQLITE_OPEN_MEMORY | OpenFlags::SQLITE_OPEN_SHARED_CACHE,
                        );
                    }
                    _ => return Err(invalid("ro, rw, rwc or memory")),
                },
                "cache" => match &*value {
                    "shared" => options.flags.insert(OpenFlags::SQLITE_OPEN_SHARED_CACHE),
                    "private" => {
                        options.flags.remove(OpenFlags::SQLITE_OPEN_SHARED_CACHE);
                        options.flags.insert(OpenFlags::SQLITE_OPEN_PRIVATE_CACHE);
                    }
                    _ => return Err(invalid("shared or private")),
                },
                "immutable" => match &*value {
                    "true" | "1" => uri_parameters.push("immutable=1"),
                    "false" | "0" => {}
                    _ => return Err(invalid("true or false")),
                },
                "vfs" => options.vfs = Some(value.into_owned()),
                "journal_mode" => {
                    let mode = value.to_ascii_lowercase();
                    if !["delete", "truncate", "persist", "memory", "wal", "off"]
                        .contains(&mode.as_str())
                    {
                        return Err(invalid("delete, truncate, persist, memory, wal or off"));
                    }
                    options.journal_mode = Some(mode);
                }
                "synchronous" => {
                    let level = value.to_ascii_lowercase();
                    if !["off", "normal", "full", "extra"].contains(&level.as_str()) {
                        return Err(invalid("off, normal, full or extra"));
                    }
                    options.synchronous = Some(level);
                }
                "busy_timeout" => {
                    let ms: u64 = value
                        .parse()
                        .map_err(|_| invalid("a number of milliseconds"))?;
                    options.busy_timeout = Duration::from_millis(ms);
                }
                "offload_after" => {
                    let ms: u64 = value
                        .parse()
                        .map_err(|_| invalid("a number of milliseconds"))?;
                    options.offload_after = Duration::from_millis(ms);
                }
                _ => {
                    return Err(sqlx::Error::Configuration(
                        format!(
                            "unknown parameter `{key}` in the SQLite URL; known: mode, cache, \
                             immutable, vfs, journal_mode, synchronous, busy_timeout, \
                             offload_after"
                        )
                        .into(),
                    ));
                }
            }
        }
        if !uri_parameters.is_empty() && !options.in_memory {
            options.path = format!("file:{}?{}", options.path, uri_parameters.join("&"));
        }
        Ok(options)
    }

    /// Opens a connection (blocking: run off the async worker) with the URL's pragmas, foreign
    /// keys on, and SQLite's own lock wait off: the executor waits for locks itself (see
    /// `conn`), so the caller's thread never sleeps in SQLite.
    pub(crate) fn open(&self) -> Result<rusqlite::Connection, sqlx::Error> {
        let conn = if self.path == ":memory:" {
            rusqlite::Connection::open_in_memory_with_flags(self.flags)
        } else {
            match &self.vfs {
                Some(vfs) => rusqlite::Connection::open_with_flags_and_vfs(
                    &self.path,
                    self.flags,
                    vfs.as_str(),
                ),
                None => rusqlite::Connection::open_with_flags(&self.path, self.flags),
            }
        }
        .map_err(from_rusqlite)?;
        // Setting the journal mode takes a lock another connection may hold.
        conn.busy_timeout(self.busy_timeout)
            .map_err(from_rusqlite)?;
        let mut pragmas = String::from("PRAGMA foreign_keys = ON;");
        if let Some(mode) = &self.journal_mode {
            pragmas.push_str(&format!("PRAGMA journal_mode = {mode};"));
        }
        if let Some(level) = &self.synchronous {
            pragmas.push_str(&format!("PRAGMA synchronous = {level};"));
        }
        conn.execute_batch(&pragmas).map_err(from_rusqlite)?;
        conn.busy_timeout(Duration::ZERO).map_err(from_rusqlite)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(conn)
    }
}

/// `%`-escapes in the path decoded (so a `?` or `#` can be part of a file name).
fn percent_decode(path: &str) -> Result<String, sqlx::Error> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = path.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).map_err(|e| {
        sqlx::Error::Configuration(format!("the SQLite path is not UTF-8 once decoded: {e}").into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<SqliteOptions, sqlx::Error> {
        SqliteOptions::parse(&DatabaseUrl::new(url.to_owned()))
    }

    #[test]
    fn urls_read_as_sqlx_read_them() {
        let memory = parse("sqlite::memory:").unwrap();
        assert!(memory.in_memory);
        let file = parse(
            "sqlite://data/app.db?mode=rwc&journal_mode=WAL&busy_timeout=250&offload_after=2",
        )
        .unwrap();
        assert_eq!(file.offload_after, Duration::from_millis(2));
        assert_eq!(file.path, "data/app.db");
        assert_eq!(file.journal_mode.as_deref(), Some("wal"));
        assert_eq!(file.busy_timeout, Duration::from_millis(250));
        assert_eq!(parse("sqlite:a%3Fb.db").unwrap().path, "a?b.db");
        let read_only = parse("sqlite://a.db?mode=ro").unwrap();
        assert!(read_only.flags.contains(OpenFlags::SQLITE_OPEN_READ_ONLY));
        assert!(!read_only.flags.contains(OpenFlags::SQLITE_OPEN_CREATE));
        assert_eq!(
            parse("sqlite://a.db?immutable=1").unwrap().path,
            "file:a.db?immutable=1"
        );
    }

    #[test]
    fn unknown_parameters_and_values_are_refused_by_name() {
        let e = parse("sqlite://a.db?journal=wal").unwrap_err().to_string();
        assert!(e.contains("`journal`"), "{e}");
        let e = parse("sqlite://a.db?synchronous=sometimes")
            .unwrap_err()
            .to_string();
        assert!(e.contains("synchronous") && e.contains("normal"), "{e}");
        let e = parse("sqlite://a.db?busy_timeout=soon")
            .unwrap_err()
            .to_string();
        assert!(e.contains("milliseconds"), "{e}");
    }
}
