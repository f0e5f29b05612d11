//! Atomicity: a session that fails after k of its n writes (a constraint violation, an error
//! returned by the closure, a panic in it) leaves none of the n; a `create_all` that fails
//! partway leaves no table behind on PostgreSQL and SQLite.

use model_core::{Auto, BindSelection, Config, Database, Error, Model, PoolConfig};
use model_tests::Kind;

use crate::models::Item;
use crate::servers::{self, per_backend};

per_backend!(
    a_constraint_violation_after_k_writes_leaves_none,
    an_error_returned_after_k_writes_leaves_none,
    a_panic_after_k_writes_leaves_none,
    a_create_all_failing_partway_leaves_no_table
);

const N: i64 = 6;

async fn setup(kind: Kind, label: &str) -> Option<(model_tests::TestDb, Database)> {
    let (t, url) = servers::database(kind, label).await?;
    let db = servers::connect(&url, PoolConfig::default()).await;
    db.insert(&Item::new(1, 0, 1)).await.unwrap();
    Some((t, db))
}

async fn only_the_first_row(db: &Database) {
    assert_eq!(Item::query().all(db).await.unwrap(), [Item::new(1, 0, 1)]);
}

async fn a_constraint_violation_after_k_writes_leaves_none(kind: Kind) {
    let _servers = servers::shared().await;
    let Some((_t, db)) = setup(kind, "violation").await else {
        return;
    };
    for k in [0, 1, N - 1] {
        let mut session = db.session();
        for i in 0..N {
            // Write k + 1 reuses the key of the existing row.
            let id = if i == k { 1 } else { 100 + i };
            session.add(Item::new(id, 1, i));
        }
        session.update(Item::new(1, 0, 999));
        let err = session.commit().await.unwrap_err();
        assert!(matches!(err, Error::Database { .. }), "{err:?}");
        only_the_first_row(&db).await;
    }
}

async fn an_error_returned_after_k_writes_leaves_none(kind: Kind) {
    let _servers = servers::shared().await;
    let Some((_t, db)) = setup(kind, "returned").await else {
        return;
    };
    for k in [1, N] {
        let outcome = db
            .transaction(|s| {
                Box::pin(async move {
                    for i in 0..k {
                        s.insert(&Item::new(100 + i, 1, i)).await?;
                    }
                    s.update(Item::new(1, 0, 999));
                    s.flush().await?;
                    Err::<(), _>(Error::Unsupported(format!("refused after {k} writes")))
                })
            })
            .await;
        assert!(matches!(outcome, Err(Error::Unsupported(_))), "{outcome:?}");
        only_the_first_row(&db).await;
    }
}

async fn a_panic_after_k_writes_leaves_none(kind: Kind) {
    let _servers = servers::shared().await;
    let Some((_t, db)) = setup(kind, "panic").await else {
        return;
    };
    for k in [1, N] {
        let db2 = db.clone();
        let task = tokio::spawn(async move {
            db2.transaction(|s| {
                Box::pin(async move {
                    for i in 0..k {
                        s.insert(&Item::new(100 + i, 1, i)).await?;
                    }
                    s.delete(Item::new(1, 0, 1));
                    s.flush().await?;
                    if k > 0 {
                        panic!("a bug in the handler after {k} writes");
                    }
                    Ok::<_, Error>(())
                })
            })
            .await
        });
        let joined = task.await;
        assert!(joined.is_err_and(|e| e.is_panic()));
        only_the_first_row(&db).await;
    }
}

/// The second table of bind `partway` exists already without the column its index needs, so
/// `create_all` fails at that index, after creating the first table.
#[derive(Model, Debug)]
#[model(bind = "partway")]
struct PartwayA {
    #[column(primary_key)]
    id: Auto<i64>,
}

#[derive(Model, Debug)]
#[model(bind = "partway")]
struct PartwayB {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(foreign_key = "partway_a.id")]
    a_id: i64,
    #[column(index, length = 20)]
    name: String,
}

async fn a_create_all_failing_partway_leaves_no_table(kind: Kind) {
    if kind == Kind::MySql {
        // MySQL commits each CREATE TABLE, and declares indexes inside it; the clean-up of a
        // failed `create_all` there is tested in `tests/failures.rs`.
        return;
    }
    let _servers = servers::shared().await;
    let Some((t, url)) = servers::database(kind, "partway").await else {
        return;
    };
    t.catalog
        .execute("CREATE TABLE partway_b (id INTEGER PRIMARY KEY, a_id INTEGER)")
        .await;
    t.catalog
        .execute("INSERT INTO partway_b (id, a_id) VALUES (7, 7)")
        .await;
    let db = Database::connect(Config::binds_only().bind("partway", url))
        .await
        .unwrap();
    let err = db
        .create_all_in(BindSelection::named("partway"))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("bind \"partway\": "), "{message}");
    assert!(message.contains("partway_b"), "{message}");
    assert_eq!(t.catalog.tables().await, ["partway_b"], "{message}");
    assert_eq!(t.catalog.count("partway_b").await, 1);
}
