//! One isolated database per test: a named in-memory SQLite database, a SQLite file in the temp
//! directory, or a fresh database created on the PostgreSQL / MariaDB server and dropped when
//! the test ends (even when it panics).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::{Connection, Executor};

use crate::catalog::Catalog;

/// Where a test database lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A named, shared-cache in-memory SQLite database.
    SqliteMemory,
    /// A SQLite file.
    SqliteFile,
    /// A database on the PostgreSQL server.
    Postgres,
    /// A database on the MariaDB/MySQL server.
    MySql,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 4] = [
        Kind::SqliteMemory,
        Kind::SqliteFile,
        Kind::Postgres,
        Kind::MySql,
    ];

    /// Whether this kind is SQLite.
    pub fn is_sqlite(self) -> bool {
        matches!(self, Kind::SqliteMemory | Kind::SqliteFile)
    }
}

/// The server URL of PostgreSQL for tests.
pub fn postgres_url() -> String {
    std::env::var("MODEL_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// The server URL of MariaDB/MySQL for tests.
pub fn mysql_url() -> String {
    std::env::var("MODEL_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into())
}

/// Whether servers are mandatory (under CI).
pub fn servers_required() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique_name(label: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let label: String = label
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(32)
        .collect();
    format!(
        "mc_{}_{}_{}",
        label.to_ascii_lowercase(),
        std::process::id(),
        n
    )
}

/// A database that exists for one test.
pub struct TestDb {
    /// Its kind.
    pub kind: Kind,
    /// The URL to give `model_core`.
    pub url: String,
    /// The catalog inspector, connected to the same database.
    pub catalog: Catalog,
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    File(std::path::PathBuf),
    Server {
        admin_url: String,
        name: String,
        kind: Kind,
    },
}

impl TestDb {
    /// A fresh database of `kind`; `None` (after saying why) when its server is unreachable
    /// outside CI.
    pub async fn new(kind: Kind, label: &str) -> Option<TestDb> {
        let name = unique_name(label);
        match kind {
            Kind::SqliteMemory => {
                let url = format!("sqlite:file:{name}?mode=memory&cache=shared");
                let catalog = Catalog::connect(kind, &url)
                    .await
                    .expect("open in-memory SQLite");
                Some(TestDb {
                    kind,
                    url,
                    catalog,
                    cleanup: None,
                })
            }
            Kind::SqliteFile => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                let url = format!("sqlite://{}", path.display());
                let catalog = Catalog::connect(kind, &format!("{url}?mode=rwc"))
                    .await
                    .expect("open SQLite file");
                Some(TestDb {
                    kind,
                    url,
                    catalog,
                    cleanup: Some(Cleanup::File(path)),
                })
            }
            Kind::Postgres | Kind::MySql => {
                let admin_url = if kind == Kind::Postgres {
                    postgres_url()
                } else {
                    mysql_url()
                };
                if let Err(e) = create_server_db(kind, &admin_url, &name).await {
                    let shown = model_core::DatabaseUrl::new(admin_url.as_str()).redacted();
                    let message = format!("{kind:?} server at {shown} is unreachable ({e})");
                    if servers_required() {
                        panic!("{message}; servers are mandatory under CI");
                    }
                    eprintln!(
                        "skipping: {message}; set MODEL_TEST_POSTGRES_URL / MODEL_TEST_MYSQL_URL"
                    );
                    return None;
                }
                let url = replace_database(&admin_url, &name);
                let catalog = Catalog::connect(kind, &url)
                    .await
                    .expect("connect to the test database");
                Some(TestDb {
                    kind,
                    url,
                    catalog,
                    cleanup: Some(Cleanup::Server {
                        admin_url,
                        name,
                        kind,
                    }),
                })
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self.cleanup.take() {
            None => {}
            Some(Cleanup::File(path)) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Some(Cleanup::Server {
                admin_url,
                name,
                kind,
            }) => {
                // Drop runs inside the test's runtime (maybe while panicking): use a thread with
                // its own runtime, and wait for it so the database is gone when the test ends.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(runtime) = runtime {
                        runtime.block_on(drop_server_db(kind, &admin_url, &name));
                    }
                })
                .join();
            }
        }
    }
}

async fn create_server_db(kind: Kind, admin_url: &str, name: &str) -> Result<(), sqlx::Error> {
    let connect = async {
        match kind {
            Kind::Postgres => {
                let mut conn = sqlx::PgConnection::connect(admin_url).await?;
                conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .await?;
                conn.close().await
            }
            _ => {
                let mut conn = sqlx::MySqlConnection::connect(admin_url).await?;
                conn.execute(sqlx::AssertSqlSafe(format!(
                    // The server's default collation, as a user's database has.
                    "CREATE DATABASE `{name}` CHARACTER SET utf8mb4"
                )))
                .await?;
                conn.close().await
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), connect)
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)?
}

async fn drop_server_db(kind: Kind, admin_url: &str, name: &str) {
    match kind {
        Kind::Postgres => {
            if let Ok(mut conn) = sqlx::PgConnection::connect(admin_url).await {
                let _ = conn
                    .execute(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    )))
                    .await;
            }
        }
        _ => {
            if let Ok(mut conn) = sqlx::MySqlConnection::connect(admin_url).await {
                let _ = conn
                    .execute(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS `{name}`"
                    )))
                    .await;
            }
        }
    }
}

/// `admin_url` with its database (the path) replaced by `name`.
pub fn replace_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[authority_start..]
        .find('/')
        .map(|i| i + authority_start)
        .unwrap_or(base.len());
    let mut url = format!("{}/{}", &base[..path_start], name);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}
