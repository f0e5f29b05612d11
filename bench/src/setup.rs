//! One isolation unit per contender and backend: its own SQLite file on /dev/shm, its own
//! PostgreSQL database, its own MariaDB database; the same durability settings for all; the
//! same schema (rendered by model-core's dialect, or created by model-core itself for ours) and
//! the same seed data, loaded through the unit's admin connection.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use model_core::Backend;
use tokio::runtime::Runtime;

use crate::contenders::diesel::{DieselMysql, DieselPostgres, DieselSqlite};
use crate::contenders::floor_mysql::{self, MysqlAdmin, MysqlAsync};
use crate::contenders::floor_postgres::{self, PgAdmin, TokioPostgres};
use crate::contenders::floor_sqlite::{Rusqlite, RusqliteAdmin};
use crate::contenders::ours::Ours;
use crate::contenders::seaorm::SeaOrm;
use crate::contenders::sqlx_raw;
use crate::contenders::{Admin, Contender, Key, Val};
use crate::data;
use crate::harness::Unit;
use crate::sql;
use crate::workload::{COMMENTS_PER_POST, FOLLOWERS, FOLLOWS_EACH, POSTS_PER_USER, Sizes};

/// Where the servers and files are.
#[derive(Clone, Debug)]
pub struct Targets {
    /// `postgres://user@host:port` (no database).
    pub postgres: String,
    /// `mysql://user@host:port` (no database).
    pub mysql: String,
    /// The directory of the SQLite files (tmpfs).
    pub sqlite_dir: PathBuf,
}

/// The units of one backend, and what the report says about the environment.
pub struct Prepared {
    pub units: Vec<Unit>,
    pub server: String,
    pub settings: Vec<String>,
    cleanup: Cleanup,
}

enum Cleanup {
    /// The run's directory of SQLite files.
    Sqlite(PathBuf),
    Postgres {
        admin_url: String,
        databases: Vec<String>,
    },
    MySql {
        admin_url: String,
        databases: Vec<String>,
        flush_was: String,
    },
}

const PREFIX: &str = "model_bench_";

/// The database (or file stem) of a unit: `model_bench_<pid>_<contender>`, so two runs at once
/// (a CI smoke run next to a measurement) never share or drop each other's databases.
fn db_name(key: Key) -> String {
    format!("{PREFIX}{}_{}", std::process::id(), key.id())
}

/// Of `names`, the databases or directories of earlier runs whose process is gone (a killed
/// run leaves them behind). The servers are local, so `/proc` tells.
fn stale(names: impl IntoIterator<Item = String>) -> Vec<String> {
    names
        .into_iter()
        .filter(|name| {
            let pid = name
                .strip_prefix(PREFIX)
                .map(|rest| rest.split('_').next().unwrap_or(""))
                .and_then(|pid| pid.parse::<u32>().ok());
            pid.is_some_and(|pid| {
                pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists()
            })
        })
        .collect()
}

/// Builds every unit of `backend` for `keys` (the floor first), seeded with `sizes`.
pub fn prepare(
    backend: Backend,
    keys: &[Key],
    targets: &Targets,
    sizes: &Sizes,
    rt: &Arc<Runtime>,
) -> Result<Prepared> {
    match backend {
        Backend::Sqlite => prepare_sqlite(keys, targets, sizes, rt),
        Backend::Postgres => prepare_postgres(keys, targets, sizes, rt),
        _ => prepare_mysql(keys, targets, sizes, rt),
    }
}

/// Creates the schema (if the contender has not) and loads the seed data, then collects
/// statistics so every unit's planner sees the same tables.
fn seed(admin: &mut dyn Admin, backend: Backend, sizes: &Sizes) -> Result<()> {
    admin.execute(&sql::schema_ddl(backend))?;
    if backend == Backend::Postgres {
        // Autovacuum would wake up at random during the rounds; ANALYZE below is explicit.
        let statements: Vec<String> = sql::tables()
            .iter()
            .map(|t| format!("ALTER TABLE {} SET (autovacuum_enabled = false)", t.name()))
            .collect();
        admin.execute(&statements)?;
    }
    let users = data::users(sizes.users);
    admin.insert_users("users", &users)?;
    admin.insert_users("users_1", &users[..1])?;
    admin.insert_users("users_100", &users[..100.min(users.len())])?;
    admin.execute(&sql::restore_upd(backend))?;
    let posts: Vec<Vec<Val>> = data::posts(sizes.post_users, POSTS_PER_USER)
        .into_iter()
        .map(|p| {
            vec![
                Val::I64(p.id),
                Val::I64(p.user_id),
                Val::Text(p.title),
                Val::Text(p.body),
            ]
        })
        .collect();
    admin.insert("posts", &["id", "user_id", "title", "body"], &posts)?;
    let comments: Vec<Vec<Val>> =
        data::comments(sizes.comment_users * POSTS_PER_USER, COMMENTS_PER_POST)
            .into_iter()
            .map(|c| vec![Val::I64(c.id), Val::I64(c.post_id), Val::Text(c.text)])
            .collect();
    admin.insert("comments", &["id", "post_id", "text"], &comments)?;
    let follows: Vec<Vec<Val>> =
        data::follows(FOLLOWERS.min(sizes.users), FOLLOWS_EACH, sizes.post_users)
            .into_iter()
            .map(|(follower, followed)| vec![Val::I64(follower), Val::I64(followed)])
            .collect();
    admin.insert("follows", &["follower_id", "followed_id"], &follows)?;
    let analyze: Vec<String> = match backend {
        Backend::Postgres => vec!["VACUUM ANALYZE".to_owned()],
        Backend::MySql => vec![format!(
            "ANALYZE TABLE {}",
            sql::tables()
                .iter()
                .map(|t| t.name())
                .collect::<Vec<_>>()
                .join(", ")
        )],
        _ => vec!["ANALYZE".to_owned()],
    };
    admin.execute(&analyze)
}

/// Makes the unit: ours creates its own schema first (`create_all_in`), everyone else gets
/// the tables from `seed` before connecting (the floors prepare statements at connect time).
fn unit(
    key: Key,
    backend: Backend,
    sizes: &Sizes,
    mut admin: Box<dyn Admin>,
    make: impl FnOnce() -> Result<Box<dyn Contender>>,
) -> Result<Unit> {
    let contender = if key == Key::Ours {
        let c = make()?;
        seed(admin.as_mut(), backend, sizes)?;
        c
    } else {
        seed(admin.as_mut(), backend, sizes)?;
        make()?
    };
    eprintln!("   {} ready", contender.label());
    Ok(Unit { contender, admin })
}

fn prepare_sqlite(
    keys: &[Key],
    targets: &Targets,
    sizes: &Sizes,
    rt: &Arc<Runtime>,
) -> Result<Prepared> {
    if let Ok(entries) = std::fs::read_dir(&targets.sqlite_dir) {
        let names = entries.filter_map(|e| e.ok()?.file_name().into_string().ok());
        for name in stale(names) {
            let _ = std::fs::remove_dir_all(targets.sqlite_dir.join(name));
        }
    }
    let dir = targets
        .sqlite_dir
        .join(format!("{PREFIX}{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut units = Vec::new();
    for &key in keys {
        let path = dir.join(format!("{}.db", key.id()));
        remove_sqlite(&path);
        let admin = Box::new(RusqliteAdmin::new(&path)?);
        let rt = rt.clone();
        let url = format!(
            "sqlite://{}?journal_mode=wal&synchronous=normal",
            path.display()
        );
        units.push(unit(key, Backend::Sqlite, sizes, admin, || {
            Ok(match key {
                Key::Floor => Box::new(Rusqlite::new(&path)?),
                Key::Ours => Box::new(Ours::new(rt, &url)?),
                Key::Sqlx | Key::SqlxConn => {
                    let options = sqlx::sqlite::SqliteConnectOptions::new()
                        .filename(&path)
                        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                        .foreign_keys(true);
                    Box::new(sqlx_raw::sqlite::SqlxSqlite::new(
                        rt,
                        options,
                        key == Key::Sqlx,
                    )?)
                }
                Key::SeaOrm | Key::SeaOrmTuned => Box::new(SeaOrm::new(
                    rt,
                    &format!("sqlite://{}", path.display()),
                    key == Key::SeaOrmTuned,
                )?),
                Key::Diesel => Box::new(DieselSqlite::new(&path)?),
            })
        })?);
    }
    let server = format!(
        "SQLite {} (bundled, one engine for all)",
        rusqlite::version()
    );
    Ok(Prepared {
        units,
        server,
        settings: vec![
            format!(
                "SQLite files in {} (tmpfs), journal_mode=WAL, synchronous=NORMAL, foreign_keys=ON for every contender",
                targets.sqlite_dir.display()
            ),
            "ours: `sqlite://…?journal_mode=wal&synchronous=normal`, default pool (10 connections, no pre-ping on SQLite)".to_owned(),
            "sea-orm: pool size left to sea-orm (1 on SQLite)".to_owned(),
        ],
        cleanup: Cleanup::Sqlite(dir),
    })
}

fn remove_sqlite(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fn prepare_postgres(
    keys: &[Key],
    targets: &Targets,
    sizes: &Sizes,
    rt: &Arc<Runtime>,
) -> Result<Prepared> {
    let base = targets.postgres.trim_end_matches('/');
    let admin_url = format!("{base}/postgres?sslmode=disable");
    let mut databases = Vec::new();
    let (server, fsync) = rt.block_on(async {
        let client = floor_postgres::connect(&admin_url).await?;
        let existing = client
            .query(
                "SELECT datname FROM pg_database WHERE datname LIKE 'model\\_bench\\_%'",
                &[],
            )
            .await?;
        for name in stale(existing.iter().map(|r| r.get::<_, String>(0))) {
            client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
        }
        for &key in keys {
            let name = db_name(key);
            client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await?;
            // The overhead suite: commits do not wait for the WAL flush.
            client
                .batch_execute(&format!(
                    "ALTER DATABASE {name} SET synchronous_commit = off"
                ))
                .await?;
        }
        let version: String = client.query_one("SHOW server_version", &[]).await?.get(0);
        let fsync: String = client.query_one("SHOW fsync", &[]).await?.get(0);
        anyhow::Ok((version, fsync))
    })?;
    let mut units = Vec::new();
    for &key in keys {
        let name = db_name(key);
        databases.push(name.clone());
        let url = format!("{base}/{name}?sslmode=disable");
        let admin = Box::new(PgAdmin::new(rt.clone(), &url)?);
        let rt = rt.clone();
        units.push(unit(key, Backend::Postgres, sizes, admin, || {
            Ok(match key {
                Key::Floor => Box::new(TokioPostgres::new(rt, &url)?),
                Key::Ours => Box::new(Ours::new(rt, &url)?),
                Key::Sqlx | Key::SqlxConn => {
                    let options: sqlx::postgres::PgConnectOptions = url.parse()?;
                    Box::new(sqlx_raw::postgres::SqlxPostgres::new(
                        rt,
                        options,
                        key == Key::Sqlx,
                    )?)
                }
                Key::SeaOrm | Key::SeaOrmTuned => {
                    Box::new(SeaOrm::new(rt, &url, key == Key::SeaOrmTuned)?)
                }
                Key::Diesel => Box::new(DieselPostgres::new(&url)?),
            })
        })?);
    }
    Ok(Prepared {
        units,
        server: format!("PostgreSQL {server}"),
        settings: vec![
            "TCP 127.0.0.1, sslmode=disable for every contender".to_owned(),
            format!(
                "synchronous_commit=off on every bench database (ALTER DATABASE), fsync={fsync} (server), autovacuum off on bench tables, VACUUM ANALYZE after seeding"
            ),
            "ours: default Database (10 connections, pre-ping only after 30 s idle)".to_owned(),
            "sea-orm default pings on every acquire (sqlx default); tuned turns that off"
                .to_owned(),
        ],
        cleanup: Cleanup::Postgres {
            admin_url,
            databases,
        },
    })
}

fn prepare_mysql(
    keys: &[Key],
    targets: &Targets,
    sizes: &Sizes,
    rt: &Arc<Runtime>,
) -> Result<Prepared> {
    use mysql_async::prelude::Queryable;
    let base = targets.mysql.trim_end_matches('/');
    let admin_url = format!("{base}/mysql");
    let (server, flush_was, binlog) = rt.block_on(async {
        let mut conn = floor_mysql::connect(&admin_url).await?;
        let existing: Vec<String> = conn
            .query("SHOW DATABASES LIKE 'model\\_bench\\_%'")
            .await?;
        for name in stale(existing) {
            conn.query_drop(format!("DROP DATABASE IF EXISTS {name}"))
                .await?;
        }
        for &key in keys {
            let name = db_name(key);
            conn.query_drop(format!("DROP DATABASE IF EXISTS {name}"))
                .await?;
            conn.query_drop(format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"))
                .await?;
        }
        let version: Option<String> = conn.query_first("SELECT VERSION()").await?;
        let flush: Option<String> = conn
            .query_first("SELECT CAST(@@GLOBAL.innodb_flush_log_at_trx_commit AS CHAR)")
            .await?;
        let binlog: Option<String> = conn
            .query_first("SELECT CAST(@@GLOBAL.log_bin AS CHAR)")
            .await?;
        // The overhead suite: the redo log is written at commit but flushed once a second.
        conn.query_drop("SET GLOBAL innodb_flush_log_at_trx_commit = 2")
            .await?;
        conn.disconnect().await?;
        anyhow::Ok((
            version.unwrap_or_default(),
            flush.unwrap_or_else(|| "1".to_owned()),
            binlog.unwrap_or_default(),
        ))
    })?;
    let mut databases = Vec::new();
    let mut units = Vec::new();
    let result = (|| -> Result<()> {
        for &key in keys {
            let name = db_name(key);
            databases.push(name.clone());
            let url = format!("{base}/{name}");
            let admin = Box::new(MysqlAdmin::new(rt.clone(), &url)?);
            let rt = rt.clone();
            units.push(unit(key, Backend::MySql, sizes, admin, || {
                // Each client spells "no TLS" its own way; mysql_async is built without TLS.
                let sqlx_url = format!("{url}?ssl-mode=disabled");
                Ok(match key {
                    Key::Floor => Box::new(MysqlAsync::new(rt, &url)?),
                    // The server is MariaDB: its scheme gives model-core INSERT ... RETURNING.
                    Key::Ours => {
                        Box::new(Ours::new(rt, &sqlx_url.replacen("mysql:", "mariadb:", 1))?)
                    }
                    Key::Sqlx | Key::SqlxConn => {
                        let options: sqlx::mysql::MySqlConnectOptions = sqlx_url.parse()?;
                        Box::new(sqlx_raw::mysql::SqlxMySql::new(
                            rt,
                            options,
                            key == Key::Sqlx,
                        )?)
                    }
                    Key::SeaOrm | Key::SeaOrmTuned => {
                        Box::new(SeaOrm::new(rt, &sqlx_url, key == Key::SeaOrmTuned)?)
                    }
                    Key::Diesel => Box::new(DieselMysql::new(&format!("{url}?ssl_mode=disabled"))?),
                })
            })?);
        }
        Ok(())
    })();
    let cleanup = Cleanup::MySql {
        admin_url,
        databases,
        flush_was: flush_was.clone(),
    };
    if let Err(e) = result {
        drop(units);
        cleanup.run(rt, false);
        return Err(e);
    }
    Ok(Prepared {
        units,
        server: format!("MariaDB {server}"),
        settings: vec![
            "TCP 127.0.0.1, TLS off for every contender".to_owned(),
            format!(
                "innodb_flush_log_at_trx_commit=2 for the run (was {flush_was}, restored afterwards), log_bin={binlog}"
            ),
            "ours: default Database (10 connections, pre-ping only after 30 s idle)".to_owned(),
            "sea-orm default pings on every acquire (sqlx default); tuned turns that off"
                .to_owned(),
        ],
        cleanup,
    })
}

impl Prepared {
    /// Closes every connection, then drops the databases or files and restores server settings.
    /// With `keep`, the databases and files stay for inspection (server settings are still
    /// restored).
    pub fn finish(self, rt: &Arc<Runtime>, keep: bool) {
        let Prepared { units, cleanup, .. } = self;
        {
            let _inside = rt.enter();
            drop(units);
        }
        cleanup.run(rt, keep);
    }
}

impl Cleanup {
    fn run(&self, rt: &Arc<Runtime>, keep: bool) {
        match self {
            Cleanup::Sqlite(_) | Cleanup::Postgres { .. } if keep => {
                eprintln!("kept: {}", dir_or_names(self));
            }
            Cleanup::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres {
                admin_url,
                databases,
            } => {
                let result = rt.block_on(async {
                    let client = floor_postgres::connect(admin_url).await?;
                    for name in databases {
                        client
                            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .await?;
                    }
                    anyhow::Ok(())
                });
                if let Err(e) = result {
                    eprintln!("warning: dropping the bench databases failed: {e:#}");
                }
            }
            Cleanup::MySql {
                admin_url,
                databases,
                flush_was,
            } => {
                use mysql_async::prelude::Queryable;
                if keep {
                    eprintln!("kept: {}", dir_or_names(self));
                }
                let result = rt.block_on(async {
                    let mut conn = floor_mysql::connect(admin_url).await?;
                    // Two runs at once could restore each other's value; runs are meant to
                    // have the server to themselves.
                    conn.query_drop(format!(
                        "SET GLOBAL innodb_flush_log_at_trx_commit = {}",
                        flush_was.parse::<u8>().unwrap_or(1)
                    ))
                    .await?;
                    for name in databases.iter().filter(|_| !keep) {
                        conn.query_drop(format!("DROP DATABASE IF EXISTS {name}"))
                            .await?;
                    }
                    conn.disconnect().await?;
                    anyhow::Ok(())
                });
                if let Err(e) = result {
                    eprintln!(
                        "warning: restoring innodb_flush_log_at_trx_commit={flush_was} or dropping the bench databases failed: {e:#}"
                    );
                }
            }
        }
    }
}

/// What a cleanup would remove, for the `--keep` message.
fn dir_or_names(cleanup: &Cleanup) -> String {
    match cleanup {
        Cleanup::Sqlite(dir) => dir.display().to_string(),
        Cleanup::Postgres { databases, .. } | Cleanup::MySql { databases, .. } => {
            databases.join(", ")
        }
    }
}
