//! The pool: a connection goes back as it was left only when its work finished. A statement
//! cut off midway, a transaction dropped without commit, a pool closed while in use, the
//! connection limit under contention and idle connections aging out.

use std::time::{Duration, Instant};

use model_core::{Database, PoolConfig};
use model_tests::Kind;

use crate::models::Item;
use crate::servers::{self, database_name, open_connections, per_backend};

per_backend!(
    a_statement_cut_off_midway_leaves_the_pool_usable,
    a_dropped_transaction_releases_its_locks_at_once,
    closing_waits_for_connections_in_use_then_refuses,
    the_pool_never_holds_more_than_its_maximum,
    idle_connections_close_after_idle_timeout_down_to_the_minimum
);

/// A statement that runs for about `seconds` on `kind`.
fn slow_statement(kind: Kind, seconds: f64) -> String {
    match kind {
        Kind::Postgres => format!("SELECT pg_sleep({seconds})"),
        Kind::MySql => format!("SELECT SLEEP({seconds})"),
        // SQLite has no sleep: count through a recursive sequence (~10 M rows a second).
        _ => format!(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {}) \
             SELECT count(*) FROM c",
            (seconds * 1e7) as u64
        ),
    }
}

async fn setup(
    kind: Kind,
    label: &str,
    pool: PoolConfig,
) -> Option<(model_tests::TestDb, String, Database)> {
    let (t, url) = servers::database(kind, label).await?;
    let db = servers::connect(&url, pool).await;
    db.insert(&Item::new(1, 0, 1)).await.unwrap();
    Some((t, url, db))
}

/// The connections `db`'s pool holds on the server: those open to its database, less the ones
/// the test harness had open before (its catalog inspector).
struct Census {
    kind: Kind,
    name: String,
    others: usize,
}

impl Census {
    /// Counts the connections open to `url`'s database now, before the pool opens any.
    async fn before_pool(kind: Kind, url: &str) -> Census {
        let name = database_name(url);
        let others = open_connections(kind, &name).await;
        Census { kind, name, others }
    }

    async fn pool(&self) -> usize {
        open_connections(self.kind, &self.name)
            .await
            .saturating_sub(self.others)
    }
}

async fn amount_of_row_1(db: &Database) -> i64 {
    Item::query()
        .get(db, 1)
        .await
        .unwrap()
        .expect("row 1")
        .amount
}

/// A statement whose future is dropped (a request timeout) leaves its server connection
/// mid-protocol. With one connection in the pool, the next statements must neither fail nor
/// wait for the abandoned one: that connection is closed and another opened. SQLite's
/// connection is kept: the long statement runs off the worker (it ran past the time budget on
/// the caller's thread), so the timeout can fire, and dropping it interrupts the statement.
async fn a_statement_cut_off_midway_leaves_the_pool_usable(kind: Kind) {
    let _servers = servers::shared().await;
    let pool = PoolConfig::default()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(20));
    let Some((_t, _url, db)) = setup(kind, "cut_off", pool).await else {
        return;
    };
    let slow = slow_statement(kind, if kind == Kind::SqliteFile { 0.5 } else { 10.0 });
    for round in 0..3 {
        let cut =
            tokio::time::timeout(Duration::from_millis(100), db.execute_raw(None, &slow, &[]))
                .await;
        assert!(
            cut.is_err(),
            "round {round}: the slow statement finished: {cut:?}"
        );
        let started = Instant::now();
        assert_eq!(
            Item::query().all(&db).await.unwrap(),
            [Item::new(1, 0, 1)],
            "round {round}"
        );
        db.execute_raw(None, "UPDATE rel_item SET amount = amount + 1", &[])
            .await
            .unwrap();
        let waited = started.elapsed();
        assert!(
            waited < Duration::from_secs(5),
            "round {round}: waited {waited:?} for the abandoned statement"
        );
        db.execute_raw(None, "UPDATE rel_item SET amount = amount - 1", &[])
            .await
            .unwrap();
    }
    assert_eq!(amount_of_row_1(&db).await, 1);
}

/// A session dropped with its writes flushed but not committed holds row locks (SQLite: the
/// database's write lock). They are released as the session is dropped, not when its
/// connection is next used: another connection's write to the same row goes through.
async fn a_dropped_transaction_releases_its_locks_at_once(kind: Kind) {
    let _servers = servers::shared().await;
    let pool = PoolConfig::default().max_connections(2);
    let Some((_t, _url, db)) = setup(kind, "dropped_tx", pool).await else {
        return;
    };
    for round in 0..3 {
        let mut session = db.session();
        session.update(Item::new(1, 0, 100 + round));
        session.flush().await.unwrap();
        drop(session);
        let write = db.execute_raw(None, "UPDATE rel_item SET amount = amount + 1", &[]);
        let written = tokio::time::timeout(Duration::from_secs(4), write)
            .await
            .unwrap_or_else(|_| panic!("round {round}: the dropped session's locks are held"));
        assert_eq!(written.unwrap(), 1);
        assert_eq!(amount_of_row_1(&db).await, 2 + round, "round {round}");
    }
}

/// `close` waits for a connection in use (an open transaction) to come back, commits nothing
/// on its behalf, and leaves the handle refusing work with an error that says why.
async fn closing_waits_for_connections_in_use_then_refuses(kind: Kind) {
    let _servers = servers::shared().await;
    let Some((_t, url, db)) = setup(kind, "closing", PoolConfig::default()).await else {
        return;
    };
    let mut session = db.session();
    session.add(Item::new(2, 0, 2));
    session.flush().await.unwrap();
    let closing = tokio::spawn({
        let db = db.clone();
        async move { db.close().await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !closing.is_finished(),
        "close returned with a transaction open"
    );
    session.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), closing)
        .await
        .expect("close returns once the connection is back")
        .unwrap();
    let err = Item::query().all(&db).await.unwrap_err();
    assert!(err.to_string().contains("closed"), "{err}");
    let reopened = servers::connect(&url, PoolConfig::default()).await;
    assert_eq!(
        Item::query().all(&reopened).await.unwrap(),
        [Item::new(1, 0, 1), Item::new(2, 0, 2)]
    );
}

/// Twelve tasks share a pool of three: the server never sees more than three connections.
async fn the_pool_never_holds_more_than_its_maximum(kind: Kind) {
    if kind == Kind::SqliteFile {
        return; // No server to count connections on.
    }
    let _servers = servers::shared().await;
    let Some((_t, url)) = servers::database(kind, "maximum").await else {
        return;
    };
    let census = Census::before_pool(kind, &url).await;
    let db = servers::connect(&url, PoolConfig::default().max_connections(3)).await;
    let sleep = slow_statement(kind, 0.02);
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let (db, sleep) = (db.clone(), sleep.clone());
            tokio::spawn(async move {
                for _ in 0..10 {
                    db.execute_raw(None, &sleep, &[]).await.unwrap();
                }
            })
        })
        .collect();
    let mut most = 0;
    while tasks.iter().any(|task| !task.is_finished()) {
        most = most.max(census.pool().await);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for task in tasks {
        task.await.unwrap();
    }
    println!("{kind:?}: at most {most} connections open for a pool of 3");
    assert!((1..=3).contains(&most), "{most} connections open");
}

/// Connections idle past `idle_timeout` are closed, down to `min_connections`.
async fn idle_connections_close_after_idle_timeout_down_to_the_minimum(kind: Kind) {
    if kind == Kind::SqliteFile {
        return; // No server to count connections on.
    }
    let _servers = servers::shared().await;
    let Some((_t, url)) = servers::database(kind, "idle_timeout").await else {
        return;
    };
    let census = Census::before_pool(kind, &url).await;
    let pool = PoolConfig::default()
        .max_connections(4)
        .min_connections(1)
        .idle_timeout(Some(Duration::from_millis(300)));
    let db = servers::connect(&url, pool).await;
    db.insert(&Item::new(1, 0, 1)).await.unwrap();
    let sleep = slow_statement(kind, 0.3);
    let busy: Vec<_> = (0..4)
        .map(|_| {
            let (db, sleep) = (db.clone(), sleep.clone());
            tokio::spawn(async move { db.execute_raw(None, &sleep, &[]).await.unwrap() })
        })
        .collect();
    for task in busy {
        task.await.unwrap();
    }
    assert_eq!(census.pool().await, 4);
    let deadline = Instant::now() + Duration::from_secs(10);
    while census.pool().await > 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(census.pool().await, 1, "kept min_connections");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(census.pool().await, 1, "still min_connections");
    assert_eq!(amount_of_row_1(&db).await, 1);
}
