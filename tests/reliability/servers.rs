//! The three backends of the suite, the lock that keeps server-wide faults away from other
//! tests, and the faults themselves: killing a database's connections, stopping and starting
//! a server, changing a global setting for the length of one test.

use std::process::Command;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use model_core::{BindSelection, Config, Database, PoolConfig};
use model_tests::databases::{mysql_url, postgres_url, servers_required};
use model_tests::{Kind, TestDb};
use sqlx::{Connection, Executor, Row};
use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Generates one test per backend of the suite for an `async fn(Kind)`:
/// `name::sqlite_wal`, `name::postgres`, `name::mysql`.
macro_rules! per_backend {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite_wal() {
                    super::$name(model_tests::Kind::SqliteFile).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(model_tests::Kind::Postgres).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn mysql() {
                    super::$name(model_tests::Kind::MySql).await
                }
            }
        )*
    };
}
pub(crate) use per_backend;

static SERVERS: LazyLock<RwLock<()>> = LazyLock::new(|| RwLock::new(()));

/// Held by every test that uses a server in the ordinary way.
pub async fn shared() -> RwLockReadGuard<'static, ()> {
    SERVERS.read().await
}

/// Held by a test that stops a server or changes its global settings.
pub async fn exclusive() -> RwLockWriteGuard<'static, ()> {
    SERVERS.write().await
}

/// A fresh database of `kind` (SQLite files in WAL mode) and its URL for `model_core`.
pub async fn database(kind: Kind, label: &str) -> Option<(TestDb, String)> {
    let t = TestDb::new(kind, label).await?;
    let url = if kind == Kind::SqliteFile {
        format!("{}?journal_mode=wal", t.url)
    } else {
        t.url.clone()
    };
    Some((t, url))
}

/// A `Database` on `url` with `pool` for the default bind, its models created.
pub async fn connect(url: &str, pool: PoolConfig) -> Database {
    let db = Database::connect(Config::new(url).default_pool(pool))
        .await
        .expect("connect");
    db.create_all_in(BindSelection::Default)
        .await
        .expect("create_all");
    db
}

/// The name of the database a server URL points at.
pub fn database_name(url: &str) -> String {
    let path = url.split('?').next().unwrap_or(url);
    path.rsplit('/').next().unwrap_or_default().to_owned()
}

/// Kills every connection to database `name` on the server of `kind`, the way an operator or
/// a failover would; returns how many were killed.
pub async fn kill_connections(kind: Kind, name: &str) -> usize {
    match kind {
        Kind::Postgres => {
            let mut admin = sqlx::PgConnection::connect(&postgres_url()).await.unwrap();
            let killed = sqlx::query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = $1 AND pid <> pg_backend_pid()",
            )
            .bind(name)
            .fetch_all(&mut admin)
            .await
            .unwrap();
            killed.len()
        }
        Kind::MySql => {
            let mut admin = sqlx::MySqlConnection::connect(&mysql_url()).await.unwrap();
            let ids: Vec<i64> = sqlx::query(
                "SELECT id FROM information_schema.processlist \
                 WHERE db = ? AND id <> CONNECTION_ID()",
            )
            .bind(name)
            .fetch_all(&mut admin)
            .await
            .unwrap()
            .iter()
            .map(|row| row.get::<i64, _>(0))
            .collect();
            for id in &ids {
                // A connection may have gone by itself in the meantime.
                let _ = admin
                    .execute(sqlx::AssertSqlSafe(format!("KILL {id}")))
                    .await;
            }
            ids.len()
        }
        _ => 0,
    }
}

/// How many connections the server of `kind` has open to database `name` (0 for SQLite,
/// which has no server to ask).
pub async fn open_connections(kind: Kind, name: &str) -> usize {
    let count: i64 = match kind {
        Kind::Postgres => {
            let mut admin = sqlx::PgConnection::connect(&postgres_url()).await.unwrap();
            sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = $1 AND pid <> pg_backend_pid()",
            )
            .bind(name)
            .fetch_one(&mut admin)
            .await
            .unwrap()
        }
        Kind::MySql => {
            let mut admin = sqlx::MySqlConnection::connect(&mysql_url()).await.unwrap();
            sqlx::query_scalar(
                "SELECT count(*) FROM information_schema.processlist \
                 WHERE db = ? AND id <> CONNECTION_ID()",
            )
            .bind(name)
            .fetch_one(&mut admin)
            .await
            .unwrap()
        }
        _ => 0,
    };
    usize::try_from(count).unwrap_or_default()
}

/// A server of this machine that a test may stop; started again when dropped, so a failing
/// test still leaves it running.
pub struct Server {
    kind: Kind,
}

impl Server {
    /// The local server of `kind`, if this machine can stop and start it (the commands exist
    /// and we may run them). Outside CI a machine that cannot skips the test, saying why.
    pub fn local(kind: Kind) -> Option<Server> {
        let usable = match kind {
            Kind::Postgres => postgres_version().is_some() && which("pg_ctlcluster"),
            Kind::MySql => which("start-stop-daemon") && which("mariadb-admin"),
            _ => false,
        };
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0"));
        if usable && root {
            return Some(Server { kind });
        }
        let message = format!("cannot stop and start the local {kind:?} server here");
        if servers_required() {
            panic!("{message}; this test is mandatory under CI");
        }
        eprintln!("skipping: {message}");
        None
    }

    /// Stops the server and waits until it is gone.
    pub fn stop(&self) {
        match self.kind {
            Kind::Postgres => run(
                "pg_ctlcluster",
                &[
                    "--skip-systemctl-redirect",
                    &postgres_version().unwrap(),
                    "main",
                    "stop",
                    "-m",
                    "fast",
                ],
            ),
            _ => run(
                "start-stop-daemon",
                &[
                    "--stop",
                    "--oknodo",
                    "--retry",
                    "TERM/30/KILL/5",
                    "--exec",
                    "/usr/sbin/mariadbd",
                ],
            ),
        }
    }

    /// Starts the server unless it runs, and waits until it accepts connections (at most a
    /// minute).
    pub fn start(&self) {
        match self.kind {
            Kind::Postgres if self.accepts() => {}
            Kind::Postgres => run(
                "pg_ctlcluster",
                &[
                    "--skip-systemctl-redirect",
                    &postgres_version().unwrap(),
                    "main",
                    "start",
                ],
            ),
            _ => run(
                "start-stop-daemon",
                &[
                    "--start",
                    "--oknodo",
                    "--background",
                    "--exec",
                    "/usr/sbin/mariadbd",
                ],
            ),
        }
        let started = Instant::now();
        while !self.accepts() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the {:?} server did not come back",
                self.kind
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn accepts(&self) -> bool {
        let url = if self.kind == Kind::Postgres {
            postgres_url()
        } else {
            mysql_url()
        };
        std::thread::scope(|s| {
            s.spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    if self.kind == Kind::Postgres {
                        sqlx::PgConnection::connect(&url).await.is_ok()
                    } else {
                        sqlx::MySqlConnection::connect(&url).await.is_ok()
                    }
                })
            })
            .join()
            .unwrap_or(false)
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.start();
    }
}

fn postgres_version() -> Option<String> {
    let mut versions: Vec<String> = std::fs::read_dir("/etc/postgresql")
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    versions.sort();
    versions.pop()
}

fn which(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run(program: &str, args: &[&str]) {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
