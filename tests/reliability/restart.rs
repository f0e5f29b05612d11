//! A restarted server: while it is down every operation fails within the acquire timeout with
//! an error naming the bind (no hang); once it is back the pool recovers by itself within a
//! bounded time. The server is started again even when the test fails.

use std::time::{Duration, Instant};

use model_core::PoolConfig;
use model_tests::Kind;

use crate::models::Item;
use crate::servers::{self, Server, connect};

const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_is_survived() {
    restart_is_survived(Kind::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_restart_is_survived() {
    restart_is_survived(Kind::MySql).await
}

async fn restart_is_survived(kind: Kind) {
    let _servers = servers::exclusive().await;
    let Some((_t, url)) = servers::database(kind, "restart").await else {
        return;
    };
    let Some(server) = Server::local(kind) else {
        return;
    };
    let db = connect(
        &url,
        PoolConfig::default()
            .max_connections(4)
            .acquire_timeout(ACQUIRE_TIMEOUT),
    )
    .await;
    for id in 0..20 {
        db.insert(&Item::new(id, 0, id)).await.unwrap();
    }

    tokio::task::block_in_place(|| server.stop());
    for attempt in 0..3 {
        let started = Instant::now();
        let outcome = tokio::time::timeout(Duration::from_secs(30), Item::query().count(&db))
            .await
            .expect("an operation hung while the server was down");
        let err = outcome.expect_err("the server is down");
        let waited = started.elapsed();
        println!("{kind:?} down, attempt {attempt}: failed after {waited:.2?}: {err}");
        assert!(err.to_string().starts_with("bind default: "), "{err}");
        assert!(
            waited < ACQUIRE_TIMEOUT + Duration::from_secs(2),
            "{waited:?}"
        );
    }

    tokio::task::block_in_place(|| server.start());
    let back = Instant::now();
    let mut failures = 0;
    loop {
        match tokio::time::timeout(Duration::from_secs(30), Item::query().count(&db)).await {
            Ok(Ok(count)) => {
                assert_eq!(count, 20, "committed rows survive the restart");
                break;
            }
            Ok(Err(e)) => {
                failures += 1;
                assert!(
                    back.elapsed() < Duration::from_secs(15),
                    "not recovered after 15 s: {e}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(_) => panic!("an operation hung after the server came back"),
        }
    }
    println!(
        "{kind:?} back: the pool recovered {:.2?} after the server accepted connections again, \
         {failures} failed attempts in between",
        back.elapsed()
    );
    for id in 20..40 {
        db.insert(&Item::new(id, 0, id)).await.unwrap();
        assert!(Item::query().get(&db, id).await.unwrap().is_some());
    }
    drop(server);
}
