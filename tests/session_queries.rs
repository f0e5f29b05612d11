//! A session does everything the pool can, inside its transaction: every terminal method of a
//! query (`get`, `count`, `exists`, `first`, `one`, `paginate`, bulk `update` and `delete`)
//! and raw SQL take `&mut session`; nested transactions roll back to their savepoint; the
//! isolation level and read-only mode are chosen per session. On every backend.

/// The models every binary of these tests shares, and the rows each test starts from.
#[path = "shared_models.rs"]
#[allow(dead_code)]
mod models;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use model_core::{Change, Error, IsolationLevel, Operation, Session, TransactionOptions, Value};
use model_tests::{Kind, per_backend};

use crate::models::{Account, Person, seeded, single_connection, usernames};

per_backend!(
    every_read_of_a_query_runs_in_the_session,
    bulk_writes_and_raw_sql_join_the_session,
    a_transaction_closure_passes_its_session_on,
    a_failed_nested_transaction_rolls_back_to_its_savepoint,
    nested_transactions_nest_and_keep_their_work,
    a_cancelled_nested_transaction_rolls_everything_back,
    read_only_sessions_refuse_writes,
    isolation_levels_reach_the_database
);

async fn every_read_of_a_query_runs_in_the_session(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "sess_reads").await else {
        return;
    };
    let mut session = db.session();
    session.add(Account::named("ann"));
    session.add(Account::named("bob"));
    let named = Account::query().filter(Account::USERNAME.is_in(["ann", "bob"]));

    // Each of these sees the queued inserts: they are flushed into the session's transaction.
    assert_eq!(named.count(&mut session).await.unwrap(), 2);
    assert!(named.exists(&mut session).await.unwrap());
    let first = Account::query()
        .order_by(Account::USERNAME.desc())
        .first(&mut session)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.username, "bob");
    let ann = Account::query()
        .filter(Account::USERNAME.eq("ann"))
        .one(&mut session)
        .await
        .unwrap();
    let by_key = Account::query()
        .get(&mut session, ann.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_key, ann);
    let same: Account = session.get(ann.id).await.unwrap().unwrap();
    assert_eq!(same, ann);
    let page = named
        .clone()
        .order_by(Account::USERNAME.asc())
        .paginate(&mut session, 2, 1, true)
        .await
        .unwrap();
    assert_eq!((page.total, page.items.len()), (2, 1));
    assert_eq!(page.items[0].username, "bob");
    let back = page
        .prev(
            &named.clone().order_by(Account::USERNAME.asc()),
            &mut session,
            true,
        )
        .await
        .unwrap();
    assert_eq!(back.items[0].username, "ann");
    let counted: i64 = session
        .fetch_scalar(Some("query"), "SELECT COUNT(*) FROM account", &[])
        .await
        .unwrap();
    assert_eq!(counted, 2);
    let raw: Vec<Account> = session
        .fetch_raw(
            "SELECT * FROM account WHERE username = ?",
            &[Value::from("ann")],
        )
        .await
        .unwrap();
    assert_eq!(raw, std::slice::from_ref(&ann));
    let pairs: Vec<(String,)> = session
        .fetch_as(
            Some("query"),
            "SELECT username FROM account ORDER BY username",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(pairs, [("ann".to_owned(),), ("bob".to_owned(),)]);
    // Models of the same bind the session has not written to are read in its transaction too.
    assert_eq!(Person::query().count(&mut session).await.unwrap(), 30);

    session.rollback().await;
    assert!(usernames(&db).await.is_empty(), "nothing was committed");
    assert_eq!(named.count(&db).await.unwrap(), 0);
}

async fn bulk_writes_and_raw_sql_join_the_session(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "sess_bulk").await else {
        return;
    };
    for name in ["ann", "bob", "cid"] {
        db.insert(&Account::named(name)).await.unwrap();
    }
    let committed: Arc<Mutex<Vec<Change>>> = Arc::default();
    let seen = committed.clone();
    db.models_committed(move |changes| seen.lock().unwrap().extend_from_slice(changes));

    let mut session = db.session();
    let updated = Account::query()
        .filter(Account::USERNAME.ne("cid"))
        .update(&mut session, [Account::NOTE.set(Some("bulk".to_owned()))])
        .await
        .unwrap();
    assert_eq!(updated, 2);
    let deleted = Account::query()
        .filter(Account::USERNAME.eq("cid"))
        .delete(&mut session)
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    let raw = session
        .execute_raw(
            Some("query"),
            "UPDATE account SET role = ? WHERE username = ?",
            &[Value::from("admin"), Value::from("ann")],
        )
        .await
        .unwrap();
    assert_eq!(raw, 1);
    assert!(
        committed.lock().unwrap().is_empty(),
        "nothing is committed before the session is"
    );
    let inside = Account::query()
        .filter(Account::NOTE.eq("bulk"))
        .count(&mut session)
        .await
        .unwrap();
    assert_eq!(inside, 2);
    session.rollback().await;
    assert_eq!(usernames(&db).await, ["ann", "bob", "cid"]);
    assert_eq!(
        Account::query()
            .filter(Account::NOTE.is_null())
            .count(&db)
            .await
            .unwrap(),
        3,
        "the rolled-back bulk update left every row as it was"
    );

    let mut session = db.session();
    Account::query()
        .filter(Account::USERNAME.eq("cid"))
        .delete(&mut session)
        .await
        .unwrap();
    session.commit().await.unwrap();
    assert_eq!(usernames(&db).await, ["ann", "bob"]);
    let changes = committed.lock().unwrap().clone();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].operation, Operation::Delete);
}

async fn a_transaction_closure_passes_its_session_on(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "sess_closure").await else {
        return;
    };
    let counted = db
        .transaction(|mut s| {
            Box::pin(async move {
                s.add(Account::named("ann"));
                // `&mut s` (with `mut s`) or `&mut *s` leave `s` usable afterwards.
                let n = Account::query().count(&mut s).await?;
                s.add(Account::named("bob"));
                let m = Account::query().count(&mut *s).await?;
                Ok::<_, Error>((n, m))
            })
        })
        .await
        .unwrap();
    assert_eq!(counted, (1, 2));
    assert_eq!(usernames(&db).await, ["ann", "bob"]);
}

async fn a_failed_nested_transaction_rolls_back_to_its_savepoint(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "sess_nested_fail").await else {
        return;
    };
    let mut session = db.session();
    session.add(Account::named("ann"));
    let outcome = session
        .nested(|s| {
            Box::pin(async move {
                s.add(Account::named("bob"));
                s.flush().await?;
                // Breaks the unique username: the nested transaction fails.
                s.add(Account::named("ann"));
                s.flush().await
            })
        })
        .await;
    let error = outcome.expect_err("the duplicate username fails");
    assert!(error.constraint_violation().is_some(), "{error:?}");
    assert!(!session.in_nested());
    // The session goes on: bob is gone, ann stays.
    session.add(Account::named("cid"));
    assert_eq!(Account::query().count(&mut session).await.unwrap(), 2);

    // A nested closure that swallows the failure of its write is rolled back all the same.
    let swallowed = session
        .nested(|s| {
            Box::pin(async move {
                s.add(Account::named("dan"));
                s.add(Account::named("cid"));
                let _ = s.flush().await;
                // Refused: the nested transaction can only be rolled back now.
                let refused = Account::query().count(&mut *s).await;
                assert!(matches!(refused, Err(Error::Interrupted(_))), "{refused:?}");
                Ok::<_, Error>(())
            })
        })
        .await;
    assert!(
        matches!(swallowed, Err(Error::NestedRolledBack(_))),
        "{swallowed:?}"
    );
    session.commit().await.unwrap();
    assert_eq!(usernames(&db).await, ["ann", "cid"]);
}

async fn nested_transactions_nest_and_keep_their_work(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "sess_nested_keep").await else {
        return;
    };
    db.record_queries(100);
    let mut session = db.session();
    session.add(Account::named("ann"));
    session
        .nested(|s| {
            Box::pin(async move {
                s.add(Account::named("bob"));
                let inner = s
                    .nested(|s| {
                        Box::pin(async move {
                            s.add(Account::named("cid"));
                            s.flush().await?;
                            Err::<(), _>(Error::Unsupported("changed my mind".into()))
                        })
                    })
                    .await;
                assert!(inner.is_err());
                assert!(s.in_nested(), "the outer nested transaction is still open");
                s.add(Account::named("dan"));
                Ok::<_, Error>(())
            })
        })
        .await
        .unwrap();
    session.commit().await.unwrap();
    assert_eq!(usernames(&db).await, ["ann", "bob", "dan"]);
    let sql: Vec<String> = db
        .recorded_queries()
        .into_iter()
        .map(|q| q.sql)
        .filter(|s| s.contains("SAVEPOINT"))
        .collect();
    let quote = if kind == Kind::Postgres { '"' } else { '`' };
    assert_eq!(
        sql,
        [
            format!("SAVEPOINT {quote}model_core_savepoint_1{quote}"),
            format!("SAVEPOINT {quote}model_core_savepoint_2{quote}"),
            format!("ROLLBACK TO SAVEPOINT {quote}model_core_savepoint_2{quote}"),
            format!("RELEASE SAVEPOINT {quote}model_core_savepoint_2{quote}"),
            format!("RELEASE SAVEPOINT {quote}model_core_savepoint_1{quote}"),
        ]
    );
}

async fn a_cancelled_nested_transaction_rolls_everything_back(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "sess_nested_cancel").await else {
        return;
    };
    let mut session = db.session();
    session.add(Account::named("ann"));
    let cut = tokio::time::timeout(
        Duration::from_millis(200),
        session.nested(|s| {
            Box::pin(async move {
                s.add(Account::named("bob"));
                s.flush().await?;
                // The request times out here, between two calls on the session.
                std::future::pending::<()>().await;
                Ok::<_, Error>(())
            })
        }),
    )
    .await;
    assert!(cut.is_err(), "timed out");
    let refused = Account::query().count(&mut session).await;
    assert!(matches!(refused, Err(Error::Interrupted(_))), "{refused:?}");
    // Usable again, with nothing of before kept.
    session.add(Account::named("cid"));
    session.commit().await.unwrap();
    assert_eq!(usernames(&db).await, ["cid"]);
}

async fn read_only_sessions_refuse_writes(kind: Kind) {
    let Some((t, db)) = seeded(kind, "sess_read_only").await else {
        return;
    };
    db.insert(&Account::named("ann")).await.unwrap();
    let mut session = db.session_with(TransactionOptions::new().read_only());
    assert_eq!(Account::query().count(&mut session).await.unwrap(), 1);
    session.add(Account::named("bob"));
    let queued = session.flush().await;
    assert!(matches!(queued, Err(Error::ReadOnly(_))), "{queued:?}");
    let bulk = Account::query().delete(&mut session).await;
    assert!(matches!(bulk, Err(Error::ReadOnly(_))), "{bulk:?}");
    let raw = session
        .execute_raw(Some("query"), "DELETE FROM account", &[])
        .await;
    assert!(matches!(raw, Err(Error::ReadOnly(_))), "{raw:?}");
    let inserted = session.insert(&Account::named("cid")).await;
    assert!(matches!(inserted, Err(Error::ReadOnly(_))), "{inserted:?}");
    if !kind.is_sqlite() {
        // The database refuses too, whatever the session does not see as a write.
        let sneaked: Result<Vec<(i64,)>, _> = session
            .fetch_as(Some("query"), "UPDATE account SET note = 'x'", &[])
            .await;
        assert!(sneaked.is_err(), "{sneaked:?}");
    }
    session.rollback().await;
    assert_eq!(usernames(&db).await, ["ann"]);

    // The pooled connection goes back read-write.
    let one = single_connection(&t).await;
    let mut reader = one.session_with(TransactionOptions::new().read_only());
    Account::query().count(&mut reader).await.unwrap();
    reader.commit().await.unwrap();
    one.insert(&Account::named("dan")).await.unwrap();
    let mut writer = one.session();
    writer.add(Account::named("eve"));
    writer.commit().await.unwrap();
    assert_eq!(usernames(&db).await, ["ann", "dan", "eve"]);
}

/// The isolation level the session's transaction runs at, as the database reports it; `None`
/// on SQLite, which has one level.
async fn reported_isolation(kind: Kind, session: &mut Session) -> Option<String> {
    let sql = match kind {
        Kind::Postgres => "SELECT current_setting('transaction_isolation')",
        // `@@tx_isolation` is the session's level, not the open transaction's; InnoDB lists
        // the transaction once it has read a table, in a table it refreshes at most every
        // 100 ms.
        Kind::MySql => {
            let _: i64 = session
                .fetch_scalar(Some("query"), "SELECT COUNT(*) FROM account", &[])
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(250)).await;
            "SELECT trx_isolation_level FROM information_schema.innodb_trx \
             WHERE trx_mysql_thread_id = CONNECTION_ID()"
        }
        _ => return None,
    };
    let level: String = session.fetch_scalar(Some("query"), sql, &[]).await.unwrap();
    Some(level.to_lowercase().replace(['-', '_'], " "))
}

async fn isolation_levels_reach_the_database(kind: Kind) {
    let Some((t, _db)) = seeded(kind, "sess_isolation").await else {
        return;
    };
    // One connection: each session below runs on the connection the one before used.
    let one = single_connection(&t).await;
    let mut default = one.session();
    let before = reported_isolation(kind, &mut default).await;
    default.commit().await.unwrap();

    let serializable = TransactionOptions::new().isolation(IsolationLevel::Serializable);
    let mut strict = one.session_with(serializable);
    strict.add(Account::named("ann"));
    let level = reported_isolation(kind, &mut strict).await;
    if !kind.is_sqlite() {
        assert_eq!(level.as_deref(), Some("serializable"));
    }
    strict.commit().await.unwrap();

    let chosen = one
        .transaction_with(
            TransactionOptions::new().isolation(IsolationLevel::ReadCommitted),
            |s| Box::pin(async move { Ok::<_, Error>(reported_isolation(kind, s).await) }),
        )
        .await
        .unwrap();
    if !kind.is_sqlite() {
        assert_eq!(chosen.as_deref(), Some("read committed"));
    }

    // The connection is back at the database's default for the next transaction.
    let mut after = one.session();
    assert_eq!(reported_isolation(kind, &mut after).await, before);
    after.commit().await.unwrap();
    assert_eq!(Account::query().count(&one).await.unwrap(), 1);
}
