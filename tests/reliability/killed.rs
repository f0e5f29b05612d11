//! Killed connections: the server kills every connection of the pool (`pg_terminate_backend`,
//! `KILL`, MariaDB's `wait_timeout`). Later operations succeed without the caller retrying;
//! committed rows are all there; a transaction whose connection died fails with a clear error
//! and leaves nothing behind.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use model_core::{Database, Error, PoolConfig, PrePing};
use model_tests::Kind;
use model_tests::databases::mysql_url;
use sqlx::{Connection, Executor};

use crate::models::Item;
use crate::servers::{self, connect, database_name, kill_connections};

macro_rules! server_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
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

server_tests!(
    idle_connections_killed_are_replaced_with_pre_ping,
    idle_connections_killed_cost_at_most_one_write_with_defaults,
    connections_killed_during_work_lose_no_committed_row,
    a_transaction_whose_connection_dies_leaves_nothing
);

fn pool() -> PoolConfig {
    PoolConfig::default()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(10))
}

/// Opens all four connections of the pool at once.
async fn warm_up(db: &Database, base: i64) {
    let inserts = (0..4).map(|i| {
        let db = db.clone();
        tokio::spawn(async move { db.insert(&Item::new(base + i, 0, i)).await.unwrap() })
    });
    for insert in inserts.collect::<Vec<_>>() {
        insert.await.unwrap();
    }
}

/// A mix of statements after the kill: each must succeed at first try.
async fn mixed_operations(db: &Database, base: i64) -> Vec<String> {
    let mut failures = Vec::new();
    for i in 0..10 {
        let id = base + 100 + i;
        if let Err(e) = db.insert(&Item::new(id, 1, i)).await {
            failures.push(format!("insert: {e}"));
        }
        if let Err(e) = Item::query().get(db, id).await {
            failures.push(format!("get: {e}"));
        }
        if let Err(e) = Item::query().count(db).await {
            failures.push(format!("count: {e}"));
        }
    }
    failures
}

async fn idle_connections_killed_are_replaced_with_pre_ping(kind: Kind) {
    let _servers = servers::shared().await;
    let Some((t, url)) = servers::database(kind, "kill_ping").await else {
        return;
    };
    let db = connect(&url, pool().pre_ping(PrePing::Always)).await;
    warm_up(&db, 0).await;
    let killed = kill_connections(kind, &database_name(&t.url)).await;
    assert!(killed >= 4, "killed {killed} connections");

    let failures = mixed_operations(&db, 0).await;
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(Item::query().count(&db).await.unwrap(), 14);
}

/// With the default pool (ping only connections idle for 30 s), the first statement to meet a
/// dead connection tells the pool; from then on it checks the older connections before use.
/// Reads are retried on a fresh connection, so only a write can fail, and only once.
async fn idle_connections_killed_cost_at_most_one_write_with_defaults(kind: Kind) {
    let _servers = servers::shared().await;
    let Some((t, url)) = servers::database(kind, "kill_default").await else {
        return;
    };
    let db = connect(&url, pool()).await;
    warm_up(&db, 0).await;
    kill_connections(kind, &database_name(&t.url)).await;

    // Reads first: retried transparently.
    for _ in 0..6 {
        Item::query().count(&db).await.unwrap();
        Item::query().get(&db, 1).await.unwrap();
    }
    warm_up(&db, 10).await;
    kill_connections(kind, &database_name(&t.url)).await;
    let failures = mixed_operations(&db, 0).await;
    println!("{kind:?}: default pool after a kill: {failures:?}");
    assert!(failures.len() <= 1, "{failures:#?}");
    for failure in &failures {
        assert!(failure.starts_with("insert: bind default:"), "{failure}");
    }
}

async fn connections_killed_during_work_lose_no_committed_row(kind: Kind) {
    let _servers = servers::shared().await;
    let Some((t, url)) = servers::database(kind, "kill_work").await else {
        return;
    };
    let db = connect(&url, pool().pre_ping(PrePing::Always)).await;
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..8i64)
        .map(|w| {
            let (db, stop) = (db.clone(), stop.clone());
            tokio::spawn(async move {
                let (mut committed, mut failed) = (Vec::new(), Vec::new());
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let id = w * 1_000_000 + n;
                    match db.insert(&Item::new(id, w as i32, n)).await {
                        Ok(_) => committed.push(id),
                        Err(e) => failed.push((id, e)),
                    }
                }
                (committed, failed)
            })
        })
        .collect();
    let name = database_name(&t.url);
    let mut killed = 0;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        killed += kill_connections(kind, &name).await;
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    stop.store(true, Ordering::Relaxed);

    let (mut committed, mut failed) = (Vec::new(), Vec::new());
    for worker in workers {
        let (c, f) = worker.await.unwrap();
        committed.extend(c);
        failed.extend(f);
    }
    println!(
        "{kind:?}: {killed} connections killed during work; {} inserts committed, {} failed",
        committed.len(),
        failed.len()
    );
    // Only statements in flight when their connection died may fail: at most the pool's four
    // per kill, each with an error that names the bind.
    assert!(failed.len() <= 12, "{failed:#?}");
    for (_, e) in &failed {
        assert!(matches!(e, Error::Database { .. }), "{e:?}");
        assert!(e.to_string().starts_with("bind default: "), "{e}");
    }
    let stored: std::collections::BTreeSet<i64> = Item::query()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|item| item.id)
        .collect();
    for id in &committed {
        assert!(stored.contains(id), "committed row {id} is missing");
    }
    // A failed insert either never ran or ran whole; nothing else is in the table.
    assert!(stored.len() <= committed.len() + failed.len());
    assert!(mixed_operations(&db, 9_000_000).await.is_empty());
}

async fn a_transaction_whose_connection_dies_leaves_nothing(kind: Kind) {
    let _servers = servers::shared().await;
    let Some((t, url)) = servers::database(kind, "kill_tx").await else {
        return;
    };
    let db = connect(&url, pool().pre_ping(PrePing::Always)).await;
    db.insert(&Item::new(1, 0, 1)).await.unwrap();

    let mut session = db.session();
    session.insert(&Item::new(2, 0, 2)).await.unwrap();
    session.update(Item::new(1, 0, 100));
    session.flush().await.unwrap();
    kill_connections(kind, &database_name(&t.url)).await;
    session.add(Item::new(3, 0, 3));
    let err = session.commit().await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::Database { .. }), "{err:?}");
    assert!(message.starts_with("bind default: "), "{message}");
    println!("{kind:?}: a session whose connection died: {message}");

    let rows = Item::query().all(&db).await.unwrap();
    assert_eq!(rows, [Item::new(1, 0, 1)], "nothing of the session is left");
}

/// MariaDB closes connections idle past `wait_timeout` ("MySQL server has gone away" in the
/// reference material). Recycling connections younger than that timeout, as
/// Flask-SQLAlchemy's `pool_recycle` does, keeps the pool clear of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_closed_by_wait_timeout_are_recycled() {
    let _servers = servers::exclusive().await;
    let Some((_t, url)) = servers::database(Kind::MySql, "wait_timeout").await else {
        return;
    };
    let _restore = WaitTimeout::set(2).await;
    for pool in [
        pool().recycle(Some(Duration::from_millis(1500))),
        pool().pre_ping(PrePing::Always),
    ] {
        let db = connect(&url, pool).await;
        db.execute_raw(None, "DELETE FROM rel_item", &[])
            .await
            .unwrap();
        warm_up(&db, 0).await;
        tokio::time::sleep(Duration::from_millis(3500)).await;
        let failures = mixed_operations(&db, 0).await;
        assert!(failures.is_empty(), "{failures:#?}");
        db.close().await;
    }
}

/// A server that closes idle connections after 2 s (MariaDB's `wait_timeout`, PostgreSQL's
/// `idle_session_timeout`), with the default pool: after 3.5 s idle, reads, writes and a
/// session all succeed at first try. The pool learned the limit when each connection opened
/// and does not hand out one the server is about to close.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_closed_by_the_servers_idle_limit_fail_no_call_with_defaults() {
    let _servers = servers::exclusive().await;
    for kind in [Kind::MySql, Kind::Postgres] {
        let Some((t, url)) = servers::database(kind, "idle_limit").await else {
            continue;
        };
        let _restore = match kind {
            Kind::MySql => Some(WaitTimeout::set(2).await),
            _ => {
                // Per database: no other test's connections are affected.
                let mut admin =
                    sqlx::PgConnection::connect(&model_tests::databases::postgres_url())
                        .await
                        .unwrap();
                admin
                    .execute(sqlx::AssertSqlSafe(format!(
                        "ALTER DATABASE \"{}\" SET idle_session_timeout = '2s'",
                        database_name(&t.url)
                    )))
                    .await
                    .unwrap();
                None
            }
        };
        let db = connect(&url, PoolConfig::default().max_connections(4)).await;
        warm_up(&db, 0).await;
        tokio::time::sleep(Duration::from_millis(3500)).await;
        let failures = mixed_operations(&db, 0).await;
        assert!(failures.is_empty(), "{kind:?}: {failures:#?}");
        tokio::time::sleep(Duration::from_millis(3500)).await;
        let mut session = db.session();
        session.add(Item::new(500, 2, 1));
        session
            .commit()
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: a session after the idle limit: {e}"));
        tokio::time::sleep(Duration::from_millis(3500)).await;
        db.insert(&Item::new(501, 2, 1))
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: an insert after the idle limit: {e}"));
        db.close().await;
    }
}

/// Sets MariaDB's global `wait_timeout` for the connections opened from now on; puts the
/// previous value back when dropped.
struct WaitTimeout {
    previous: u64,
}

impl WaitTimeout {
    async fn set(seconds: u64) -> WaitTimeout {
        let mut admin = sqlx::MySqlConnection::connect(&mysql_url()).await.unwrap();
        let previous: u64 = sqlx::query_scalar("SELECT @@GLOBAL.wait_timeout")
            .fetch_one(&mut admin)
            .await
            .unwrap();
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "SET GLOBAL wait_timeout = {seconds}"
            )))
            .await
            .unwrap();
        WaitTimeout { previous }
    }
}

impl Drop for WaitTimeout {
    fn drop(&mut self) {
        let previous = self.previous;
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut admin) = sqlx::MySqlConnection::connect(&mysql_url()).await {
                    let _ = admin
                        .execute(sqlx::AssertSqlSafe(format!(
                            "SET GLOBAL wait_timeout = {previous}"
                        )))
                        .await;
                }
            })
        })
        .join();
    }
}
