//! The connection sqlx's migrator runs on: one of its own, opened for the run and closed after
//! it, never a pooled one. sqlx takes its lock (PostgreSQL's session advisory lock, MySQL's
//! `GET_LOCK`) on the connection it is given and returns early on a failed migration without
//! releasing it; on a pooled connection the lock would outlive the run and hang the next one.
//! A connection of its own releases the lock when it closes, on every path: success, failure,
//! or the caller's future dropped.
//!
//! The lock is taken here, before the applied migrations are read, and sqlx's migrator is
//! run with its own locking off: PostgreSQL's is sqlx's own (`pg_advisory_lock` on the same
//! key); MySQL's is `GET_LOCK` on the same name sqlx uses, but with a timeout MariaDB accepts
//! (sqlx asks `GET_LOCK(name, -1)`, which MariaDB answers with NULL at once, taking no lock:
//! two replicas then applied the same migration and one failed on a duplicate key).
//!
//! SQLite has no lock in sqlx: two processes upgrading one file could both apply the same
//! migration. Here a lock file beside the database (`<file>-migrate.lock`), held for the run,
//! makes one wait for the other; an in-memory database, which only this process can reach,
//! is serialized within the process.

use std::str::FromStr;
#[cfg(feature = "sqlite")]
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::migrate::{AppliedMigration, Migrate, MigrateError, Migrator};

use crate::url::{Backend, DatabaseUrl};

/// How often a run waiting for another's SQLite lock tries again.
#[cfg(feature = "sqlite")]
const LOCK_POLL: Duration = Duration::from_millis(50);

/// A connection of its own for one migration run.
pub(crate) enum MigrationConnection {
    /// SQLite, and the lock held for the run.
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::sqlite::SqliteConnection, sqlite_lock::Held),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::postgres::PgConnection),
    /// MySQL or MariaDB.
    #[cfg(feature = "mysql")]
    MySql(sqlx::mysql::MySqlConnection),
}

/// Runs `$body` with `$conn` bound to the connection of whichever backend.
macro_rules! on_backend {
    ($self:expr, $conn:ident => $body:expr) => {
        match $self {
            #[cfg(feature = "sqlite")]
            MigrationConnection::Sqlite($conn, _) => $body,
            #[cfg(feature = "postgres")]
            MigrationConnection::Postgres($conn) => $body,
            #[cfg(feature = "mysql")]
            MigrationConnection::MySql($conn) => $body,
        }
    };
}

impl MigrationConnection {
    /// Opens a connection of its own to the database at `url` (on SQLite, once the lock is
    /// held).
    pub(crate) async fn open(backend: Backend, url: &DatabaseUrl) -> Result<Self, sqlx::Error> {
        let _ = url;
        match backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => {
                let (options, in_memory) = sqlite_options(url)?;
                let held = sqlite_lock::acquire(&options, in_memory).await?;
                let conn = sqlx::sqlite::SqliteConnection::connect_with(&options).await?;
                Ok(MigrationConnection::Sqlite(conn, held))
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres => {
                let options = sqlx::postgres::PgConnectOptions::from_str(url.expose())?;
                Ok(MigrationConnection::Postgres(
                    sqlx::postgres::PgConnection::connect_with(&options).await?,
                ))
            }
            #[cfg(feature = "mysql")]
            Backend::MySql => {
                let raw = url.expose();
                let raw = match raw.strip_prefix("mariadb:") {
                    Some(rest) => format!("mysql:{rest}"),
                    None => raw.to_owned(),
                };
                let options = sqlx::mysql::MySqlConnectOptions::from_str(&raw)?;
                Ok(MigrationConnection::MySql(
                    sqlx::mysql::MySqlConnection::connect_with(&options).await?,
                ))
            }
            #[allow(unreachable_patterns)]
            other => Err(sqlx::Error::Configuration(
                format!("the {other:?} backend is not compiled in").into(),
            )),
        }
    }

    /// Takes the lock that serializes migration runs on this database, waiting for it; held
    /// until the connection closes.
    pub(crate) async fn lock(&mut self) -> Result<(), MigrateError> {
        match self {
            // Taken when the connection was opened.
            #[cfg(feature = "sqlite")]
            MigrationConnection::Sqlite(..) => Ok(()),
            #[cfg(feature = "postgres")]
            MigrationConnection::Postgres(conn) => conn.lock().await,
            #[cfg(feature = "mysql")]
            MigrationConnection::MySql(conn) => mysql_lock(conn).await,
        }
    }

    /// Applies the pending migrations of `migrator`, up to `target` when given.
    pub(crate) async fn run(
        &mut self,
        migrator: &Migrator,
        target: Option<i64>,
    ) -> Result<(), MigrateError> {
        // `run_direct` is `run`/`run_to` without their `Acquire` bound, whose higher-ranked
        // lifetimes keep a future that awaits them from being proven `Send` (sqlx's own note).
        on_backend!(self, conn => migrator.run_direct(target, conn, false).await)
    }

    /// Records the pending migrations of `migrator` (up to `target` when given) as applied
    /// without running them.
    pub(crate) async fn skip(
        &mut self,
        migrator: &Migrator,
        target: Option<i64>,
    ) -> Result<(), MigrateError> {
        on_backend!(self, conn => migrator.run_direct(target, conn, true).await)
    }

    /// Reverts the applied migrations of `migrator` above `target`, newest first, each by
    /// sqlx's `revert` (its down SQL and its bookkeeping), after the checks sqlx's `undo`
    /// makes: no migration left dirty, none applied that the folder lacks. (`undo` itself
    /// takes an `Acquire`, whose higher-ranked lifetimes keep the future from being proven
    /// `Send`; see `run`.)
    pub(crate) async fn undo(
        &mut self,
        migrator: &Migrator,
        target: i64,
    ) -> Result<(), MigrateError> {
        const TABLE: &str = "_sqlx_migrations";
        on_backend!(self, conn => {
            conn.ensure_migrations_table(TABLE).await?;
            if let Some(version) = conn.dirty_version(TABLE).await? {
                return Err(MigrateError::Dirty(version));
            }
            let applied = conn.list_applied_migrations(TABLE).await?;
            if let Some(missing) = applied
                .iter()
                .find(|a| !migrator.iter().any(|m| m.version == a.version))
            {
                return Err(MigrateError::VersionMissing(missing.version));
            }
            for migration in migrator
                .iter()
                .rev()
                .filter(|m| m.migration_type.is_down_migration())
                .filter(|m| m.version > target)
                .filter(|m| applied.iter().any(|a| a.version == m.version))
            {
                conn.revert(TABLE, migration).await?;
            }
            Ok(())
        })
    }

    /// The migrations applied so far, by version (the bookkeeping table is made if missing).
    pub(crate) async fn applied(&mut self) -> Result<Vec<AppliedMigration>, MigrateError> {
        const TABLE: &str = "_sqlx_migrations";
        on_backend!(self, conn => {
            conn.ensure_migrations_table(TABLE).await?;
            conn.list_applied_migrations(TABLE).await
        })
    }

    /// Closes the connection (which ends its session, and with it any lock it held); on
    /// SQLite the lock file is released after.
    pub(crate) async fn close(self) {
        match self {
            #[cfg(feature = "sqlite")]
            MigrationConnection::Sqlite(conn, held) => {
                let _ = conn.close().await;
                drop(held);
            }
            #[cfg(feature = "postgres")]
            MigrationConnection::Postgres(conn) => {
                let _ = conn.close().await;
            }
            #[cfg(feature = "mysql")]
            MigrationConnection::MySql(conn) => {
                let _ = conn.close().await;
            }
        }
    }
}

/// `GET_LOCK` on the name sqlx's migrator uses for this database, asked again every 10 s
/// until granted.
#[cfg(feature = "mysql")]
async fn mysql_lock(conn: &mut sqlx::mysql::MySqlConnection) -> Result<(), MigrateError> {
    let database: String = sqlx::query_scalar("SELECT DATABASE()")
        .fetch_one(&mut *conn)
        .await?;
    let name = format!(
        "{:x}",
        0x3d32_ad9e_i64 * i64::from(crc32(database.as_bytes()))
    );
    loop {
        let granted: Option<i64> = sqlx::query_scalar("SELECT CAST(GET_LOCK(?, 10) AS SIGNED)")
            .bind(&name)
            .fetch_one(&mut *conn)
            .await?;
        match granted {
            Some(1) => return Ok(()),
            Some(_) => continue,
            None => {
                return Err(MigrateError::Execute(sqlx::Error::Protocol(format!(
                    "GET_LOCK('{name}') failed"
                ))));
            }
        }
    }
}

/// CRC-32 (ISO-HDLC, as zlib): what sqlx derives its MySQL lock name from.
#[cfg(feature = "mysql")]
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// sqlx's SQLite options for `url`, read by the crate's own SQLite URL reader first so every
/// URL a bind accepts is accepted here, with the parameters only this crate knows left out.
#[cfg(feature = "sqlite")]
fn sqlite_options(
    url: &DatabaseUrl,
) -> Result<(sqlx::sqlite::SqliteConnectOptions, bool), sqlx::Error> {
    let ours = super::sqlite::SqliteOptions::parse(url)?;
    if ours.is_private_memory() {
        return Err(sqlx::Error::Configuration(
            "a private in-memory SQLite database (`sqlite::memory:`) lives in its one \
             connection, which the migrator's cannot reach; migrate a file, or a named shared \
             one (`sqlite:file:name?mode=memory&cache=shared`)"
                .into(),
        ));
    }
    let text = url.expose();
    let (base, query) = text.split_once('?').unwrap_or((text, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            !pair.is_empty()
                && ![
                    "journal_mode",
                    "synchronous",
                    "busy_timeout",
                    "offload_after",
                ]
                .contains(&key)
        })
        .collect();
    let rebuilt = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let read_only = kept.contains(&"mode=ro");
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(&rebuilt)?
        .create_if_missing(!read_only)
        .busy_timeout(ours.busy_timeout);
    Ok((options, ours.in_memory))
}

#[cfg(feature = "sqlite")]
mod sqlite_lock {
    //! The lock a SQLite migration run holds: a lock file for a database on disk, a mutex of
    //! the process for one in memory.

    use std::collections::HashMap;
    use std::fs::{File, OpenOptions, TryLockError};
    use std::path::PathBuf;
    use std::sync::{Arc, LazyLock, Mutex};

    use tokio::sync::OwnedMutexGuard;

    use super::LOCK_POLL;

    /// The lock, released when dropped.
    pub(crate) struct Held {
        // Dropping the file closes it, which releases its lock.
        _file: Option<File>,
        _guard: OwnedMutexGuard<()>,
    }

    /// One mutex per database of this process (runs within it queue here first).
    static LOCAL: LazyLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> =
        LazyLock::new(Default::default);

    pub(crate) async fn acquire(
        options: &sqlx::sqlite::SqliteConnectOptions,
        in_memory: bool,
    ) -> Result<Held, sqlx::Error> {
        let path = options.get_filename().to_path_buf();
        let local = {
            let mut map = LOCAL
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            map.entry(path.clone()).or_default().clone()
        };
        let guard = local.lock_owned().await;
        if in_memory {
            return Ok(Held {
                _file: None,
                _guard: guard,
            });
        }
        let mut lock_path = path.into_os_string();
        lock_path.push("-migrate.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(sqlx::Error::Io)?;
        loop {
            match file.try_lock() {
                Ok(()) => {
                    return Ok(Held {
                        _file: Some(file),
                        _guard: guard,
                    });
                }
                Err(TryLockError::WouldBlock) => tokio::time::sleep(LOCK_POLL).await,
                Err(TryLockError::Error(error)) => return Err(sqlx::Error::Io(error)),
            }
        }
    }
}

#[cfg(all(test, feature = "mysql"))]
mod tests {
    #[test]
    fn the_lock_name_is_sqlx_s() {
        // The check value of CRC-32/ISO-HDLC.
        assert_eq!(super::crc32(b"123456789"), 0xCBF4_3926);
    }
}
