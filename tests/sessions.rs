//! Sessions on every backend: commit with its signals, and rollback on drop, on a failed
//! write, on `Err`, on panic and on a vetoing hook, leaving nothing half-written.
//!
//! A session holds a transaction; while it is open these tests read only through the session
//! or the catalog's own connection, never through the pool (an in-memory SQLite database has
//! one connection, which the session holds).

/// The models every binary of these tests shares, and the rows each test starts from.
#[path = "shared_models.rs"]
#[allow(dead_code)]
mod models;

use std::sync::{Arc, Mutex};

use model_core::{BindSelection, Change, Config, Database, Error, Operation, Value};
use model_tests::{Kind, TestDb, per_backend};

use crate::models::{
    Account, AuditEntry, Follow, Membership, Token, seeded, seeded_mariadb, touched, usernames,
};

per_backend!(
    commit_writes_and_signals,
    queued_writes_read_nothing_back,
    queued_writes_of_composite_and_key_only_rows,
    queued_inserts_into_one_table_go_together,
    writes_between_inserts_keep_their_place,
    dropping_a_session_rolls_back,
    a_failed_write_rolls_back_all_of_the_session,
    transaction_commits_on_ok_and_rolls_back_on_err_or_panic,
    a_vetoing_hook_rolls_back,
    writes_outside_a_session_fire_the_commit_signals,
    a_vetoing_hook_refuses_writes_outside_a_session
);

async fn commit_writes_and_signals(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "commit").await else {
        return;
    };
    let existing = db.insert(&Account::named("existing")).await.unwrap();
    let doomed = db.insert(&Account::named("doomed")).await.unwrap();
    let before: Arc<Mutex<Vec<Change>>> = Arc::default();
    let after: Arc<Mutex<Vec<Change>>> = Arc::default();
    let (b, a) = (before.clone(), after.clone());
    db.before_models_committed(move |changes| {
        b.lock().unwrap().extend_from_slice(changes);
        Ok(())
    });
    db.models_committed(move |changes| a.lock().unwrap().extend_from_slice(changes));

    let mut session = db.session();
    session.add(Account::named("new1"));
    let new2 = session.insert(&Account::named("new2")).await.unwrap();
    assert!(
        *new2.id > 0,
        "insert inside the session returns the generated key"
    );
    session.update(Account {
        note: Some("seen".into()),
        ..existing.clone()
    });
    session.delete(doomed.clone());
    let inside = session
        .all(&Account::query().filter(Account::USERNAME.starts_with("new")))
        .await
        .unwrap();
    assert_eq!(inside.len(), 2, "the session reads its own writes");
    session.commit().await.unwrap();

    assert_eq!(usernames(&db).await, ["existing", "new1", "new2"]);
    let stored = Account::query()
        .get(&db, existing.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.note.as_deref(), *stored.updated_at),
        (Some("seen"), touched())
    );

    let after = after.lock().unwrap().clone();
    assert_eq!(
        after,
        before.lock().unwrap().clone(),
        "both signals saw the same changes"
    );
    let ops: Vec<(Operation, &str)> = after.iter().map(|c| (c.operation, c.table)).collect();
    assert_eq!(
        ops,
        [
            (Operation::Insert, "account"),
            (Operation::Insert, "account"),
            (Operation::Update, "account"),
            (Operation::Delete, "account")
        ]
    );
    let new1 = Account::query()
        .filter(Account::USERNAME.eq("new1"))
        .first(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after[0].key, [Value::BigInt(*new1.id)], "the generated key");
    assert_eq!(after[1].key, [Value::BigInt(*new2.id)]);
    assert_eq!(after[2].key, [Value::BigInt(*existing.id)]);
    assert_eq!(after[3].key, [Value::BigInt(*doomed.id)]);
}

/// A queued insert or update reports only the row's key, so nothing else is read back: no
/// `RETURNING` of the row, no `SELECT` after the write. Only PostgreSQL, which does not report
/// a generated key by itself, returns that one column. A queued update of a missing row
/// fails the commit with `NotFound`.
async fn queued_writes_read_nothing_back(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "queued").await else {
        return;
    };
    let existing = db.insert(&Account::named("existing")).await.unwrap();
    db.record_queries(100);
    let mut session = db.session();
    session.add(Account::named("added"));
    session.add(Account {
        id: 9_000.into(),
        ..Account::named("keyed")
    });
    session.update(Account {
        note: Some("seen".into()),
        ..existing.clone()
    });
    session.commit().await.unwrap();
    let records = db.take_recorded_queries();
    let sql: Vec<&str> = records.iter().map(|r| r.sql.as_str()).collect();
    assert_eq!(sql.len(), 5, "BEGIN, 2 inserts, 1 update, COMMIT: {sql:?}");
    let generated_key = if kind == Kind::Postgres {
        r#" RETURNING "id""#
    } else {
        ")"
    };
    assert!(
        sql[1].starts_with("INSERT") && sql[1].ends_with(generated_key),
        "{}",
        sql[1]
    );
    assert!(
        sql[2].starts_with("INSERT") && !sql[2].contains("RETURNING"),
        "{}",
        sql[2]
    );
    assert!(
        sql[3].starts_with("UPDATE") && !sql[3].contains("RETURNING"),
        "{}",
        sql[3]
    );
    let added = Account::query()
        .filter(Account::USERNAME.eq("added"))
        .first(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (added.role.as_str(), added.status.as_str()),
        ("member", "active"),
        "defaults applied as by db.insert"
    );
    assert!(Account::query().get(&db, 9_000).await.unwrap().is_some());

    let mut session = db.session();
    session.add(Account::named("never"));
    session.update(Account {
        id: 123_456.into(),
        ..Account::named("nobody")
    });
    let err = session.commit().await.unwrap_err();
    assert!(
        matches!(&err, Error::NotFound { model, .. } if model == "Account"),
        "{err:?}"
    );
    let never = Account::query().filter(Account::USERNAME.eq("never"));
    assert_eq!(never.count(&db).await.unwrap(), 0, "rolled back");
}

/// Rows whose key the row gives (a composite key) report it without reading anything back;
/// an update of a row that is nothing but its key has nothing to set, so it reads the row to
/// say whether it exists. Either way the changes carry the keys in key order.
async fn queued_writes_of_composite_and_key_only_rows(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "composite").await else {
        return;
    };
    let member = |team: &str, member: i32, role: &str| Membership {
        team: team.to_owned(),
        member,
        role: role.to_owned(),
    };
    let follow = |follower, followed| Follow { follower, followed };
    db.record_queries(100);
    let mut session = db.session();
    session.add(member("green", 1, "lead"));
    session.add(follow(1, 2));
    session.flush().await.unwrap();
    session.update(member("green", 1, "coach"));
    session.update(follow(1, 2));
    session.commit().await.unwrap();
    let sql: Vec<String> = db
        .take_recorded_queries()
        .into_iter()
        .map(|r| r.sql)
        .filter(|s| {
            ["INSERT", "UPDATE", "DELETE", "SELECT"]
                .iter()
                .any(|v| s.starts_with(v))
        })
        .collect();
    let verbs: Vec<&str> = sql.iter().filter_map(|s| s.split(' ').next()).collect();
    assert_eq!(verbs, ["INSERT", "INSERT", "UPDATE", "SELECT"], "{sql:?}");
    assert!(sql.iter().all(|s| !s.contains("RETURNING")), "{sql:?}");
    let stored = Membership::query().get(&db, ("green", 1)).await.unwrap();
    assert_eq!(stored.map(|m| m.role), Some("coach".to_owned()));

    let seen: Arc<Mutex<Vec<Change>>> = Arc::default();
    let s = seen.clone();
    db.models_committed(move |changes| s.lock().unwrap().extend_from_slice(changes));
    let mut session = db.session();
    session.update(follow(1, 2));
    session.delete(member("green", 1, "coach"));
    session.commit().await.unwrap();
    let seen = seen.lock().unwrap().clone();
    let summary: Vec<(&str, Operation, Vec<Value>)> = seen
        .iter()
        .map(|c| (c.model, c.operation, c.key.clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "Follow",
                Operation::Update,
                vec![Value::Int(1), Value::Int(2)]
            ),
            (
                "Membership",
                Operation::Delete,
                vec![Value::Text("green".into()), Value::Int(1)]
            ),
        ]
    );

    for missing in [
        Box::new(|s: &mut model_core::Session| s.update(follow(7, 8)))
            as Box<dyn Fn(&mut model_core::Session)>,
        Box::new(|s: &mut model_core::Session| s.delete(member("blue", 9, "none"))),
    ] {
        let mut session = db.session();
        session.add(follow(3, 4));
        missing(&mut session);
        let err = session.commit().await.unwrap_err();
        assert!(matches!(&err, Error::NotFound { .. }), "{err:?}");
        let kept = Follow::query().get(&db, (3, 4)).await.unwrap();
        assert_eq!(kept, None, "the add before it was rolled back");
    }
}

/// Consecutive queued inserts into one table writing the same columns go as one statement
/// where every row's key can still be learned: rows that give their keys on every backend, and
/// rows whose keys the database generates on PostgreSQL, which returns them in row order.
/// Elsewhere generated keys are learned one insert at a time. A row writing other columns, or
/// another table, starts a new statement; 1,001 rows take two.
async fn queued_inserts_into_one_table_go_together(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "batched").await else {
        return;
    };
    // Keys already taken, so the generated ones do not start at 1.
    for name in ["first", "second", "third"] {
        db.insert(&Account::named(name)).await.unwrap();
    }
    db.delete(&Account::query().get(&db, 2_i64).await.unwrap().unwrap())
        .await
        .unwrap();
    let seen: Arc<Mutex<Vec<Change>>> = Arc::default();
    let s = seen.clone();
    db.models_committed(move |changes| s.lock().unwrap().extend_from_slice(changes));
    db.record_queries(100);
    let mut session = db.session();
    let generated = ["g1", "g2", "g3", "g4"];
    for name in &generated[..3] {
        session.add(Account::named(name));
    }
    session.add(Account {
        id: 9_001.into(),
        ..Account::named("k1")
    });
    session.add(Account {
        id: 9_002.into(),
        ..Account::named("k2")
    });
    session.add(Account::named(generated[3]));
    let tokens: Vec<Token> = (0..3)
        .map(|i| Token {
            id: uuid::Uuid::from_u128(i + 1).into(),
            label: format!("t{i}"),
        })
        .collect();
    for token in &tokens {
        session.add(token.clone());
    }
    session.commit().await.unwrap();

    let inserts = recorded_inserts(&db);
    let shape: Vec<(&str, bool)> = inserts
        .iter()
        .map(|s| {
            let table = if s.contains("account") {
                "account"
            } else {
                "token"
            };
            (table, s.contains("RETURNING"))
        })
        .collect();
    let expected: &[(&str, bool)] = if kind == Kind::Postgres {
        // g1-g3 together, k1-k2 together, g4 alone, the tokens together.
        &[
            ("account", true),
            ("account", false),
            ("account", true),
            ("token", false),
        ]
    } else {
        &[
            ("account", false),
            ("account", false),
            ("account", false),
            ("account", false),
            ("account", false),
            ("token", false),
        ]
    };
    assert_eq!(shape, expected, "{inserts:#?}");

    // Every change carries the key the row was stored under, in the order of the adds.
    let changes = seen.lock().unwrap().clone();
    let names = ["g1", "g2", "g3", "k1", "k2", "g4"];
    let mut stored = Vec::new();
    for account in accounts_named(&db, &names).await {
        assert_eq!(
            (account.role.as_str(), account.status.as_str()),
            ("member", "active"),
            "defaults applied as by db.insert"
        );
        stored.push(vec![Value::BigInt(*account.id)]);
    }
    stored.extend(tokens.iter().map(|t| vec![Value::Uuid(*t.id)]));
    let keys: Vec<Vec<Value>> = changes.iter().map(|c| c.key.clone()).collect();
    assert_eq!(keys, stored);
    assert!(changes.iter().all(|c| c.operation == Operation::Insert));
    assert_eq!(
        stored[3..5],
        [vec![Value::BigInt(9_001)], vec![Value::BigInt(9_002)]]
    );
    let ids: Vec<&Value> = stored[..3].iter().map(|k| &k[0]).collect();
    assert!(
        ids.windows(2).all(|w| match (w[0], w[1]) {
            (Value::BigInt(a), Value::BigInt(b)) => a < b,
            _ => false,
        }),
        "generated keys ascend in the order of the adds: {ids:?}"
    );

    // More rows than one statement carries.
    db.record_queries(100);
    let mut session = db.session();
    for i in 0..1_001_u128 {
        session.add(Token {
            id: uuid::Uuid::from_u128(1_000 + i).into(),
            label: format!("bulk{i}"),
        });
    }
    session.commit().await.unwrap();
    assert_eq!(recorded_inserts(&db).len(), 2, "1,000 rows, then 1");
    assert_eq!(Token::query().count(&db).await.unwrap(), 1_004);
}

/// An update or delete between queued inserts keeps its place: the inserts before it go
/// together, then it runs, then the inserts after it.
async fn writes_between_inserts_keep_their_place(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "between").await else {
        return;
    };
    let old = db.insert(&Account::named("old")).await.unwrap();
    let seen: Arc<Mutex<Vec<Change>>> = Arc::default();
    let s = seen.clone();
    db.models_committed(move |changes| s.lock().unwrap().extend_from_slice(changes));
    db.record_queries(100);
    let mut session = db.session();
    session.add(Account::named("a"));
    session.add(Account::named("b"));
    // Renames "old"; the insert after it takes that name (usernames are unique), which works
    // only if the update runs first.
    session.update(Account {
        username: "renamed".into(),
        ..old.clone()
    });
    session.add(Account::named("old"));
    session.delete(old.clone());
    session.add(Account::named("c"));
    session.commit().await.unwrap();
    let verbs: Vec<String> = db
        .take_recorded_queries()
        .into_iter()
        .filter_map(|r| r.sql.split(' ').next().map(str::to_owned))
        .filter(|v| ["INSERT", "UPDATE", "DELETE"].contains(&v.as_str()))
        .collect();
    let expected: &[&str] = if kind == Kind::Postgres {
        &["INSERT", "UPDATE", "INSERT", "DELETE", "INSERT"]
    } else {
        &["INSERT", "INSERT", "UPDATE", "INSERT", "DELETE", "INSERT"]
    };
    assert_eq!(verbs, expected);
    let ops: Vec<Operation> = seen.lock().unwrap().iter().map(|c| c.operation).collect();
    use Operation::{Delete, Insert, Update};
    assert_eq!(ops, [Insert, Insert, Update, Insert, Delete, Insert]);
    assert_eq!(usernames(&db).await, ["a", "b", "c", "old"]);
}

async fn dropping_a_session_rolls_back(kind: Kind) {
    let Some((t, db)) = seeded(kind, "drop").await else {
        return;
    };
    {
        let mut session = db.session();
        session.add(Account::named("ghost"));
        session.flush().await.unwrap();
        assert_eq!(session.all(&Account::query()).await.unwrap().len(), 1);
    }
    assert_eq!(Account::query().count(&db).await.unwrap(), 0);
    assert_eq!(t.catalog.count("account").await, 0);

    let mut session = db.session();
    session.add(Account::named("ghost"));
    session.flush().await.unwrap();
    session.rollback().await;
    session.commit().await.unwrap();
    assert_eq!(
        Account::query().count(&db).await.unwrap(),
        0,
        "rolled back writes are not committed later"
    );
}

async fn a_failed_write_rolls_back_all_of_the_session(kind: Kind) {
    let Some((t, db)) = seeded(kind, "fail").await else {
        return;
    };
    db.insert(&Account::named("taken")).await.unwrap();
    let mut session = db.session();
    for i in 0..3 {
        session.add(Account::named(&format!("ok{i}")));
    }
    session.add(Account::named("taken"));
    session.add(Account::named("never"));
    let err = session.commit().await.unwrap_err();
    assert!(matches!(err, Error::Database { .. }), "{err:?}");
    assert!(!session.is_dirty() && session.changes().is_empty());
    let names: Vec<String> = Account::query()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.username)
        .collect();
    assert_eq!(
        names,
        ["taken"],
        "none of the 3 writes before the failure remain"
    );
    assert_eq!(t.catalog.count("account").await, 1);
}

async fn transaction_commits_on_ok_and_rolls_back_on_err_or_panic(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "closure").await else {
        return;
    };
    let id = db
        .transaction(|s| {
            Box::pin(async move {
                let stored = s.insert(&Account::named("kept")).await?;
                s.add(Account::named("kept too"));
                Ok::<_, Error>(stored.id)
            })
        })
        .await
        .unwrap();
    assert!(Account::query().get(&db, id).await.unwrap().is_some());
    assert_eq!(Account::query().count(&db).await.unwrap(), 2);

    let err = db
        .transaction(|s| {
            Box::pin(async move {
                s.insert(&Account::named("lost")).await?;
                Err::<(), _>(Error::Unsupported("the caller changed its mind".into()))
            })
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported(_)));

    let db2 = db.clone();
    let joined = tokio::spawn(async move {
        db2.transaction(|s| {
            Box::pin(async move {
                s.insert(&Account::named("panicked")).await?;
                if s.changes().len() == 1 {
                    panic!("boom inside the transaction");
                }
                Ok::<_, Error>(())
            })
        })
        .await
    })
    .await;
    assert!(
        joined.unwrap_err().is_panic(),
        "the panic reaches the caller"
    );
    assert_eq!(
        Account::query().count(&db).await.unwrap(),
        2,
        "neither the Err nor the panic left a row"
    );
}

async fn a_vetoing_hook_rolls_back(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "veto").await else {
        return;
    };
    let committed = Arc::new(Mutex::new(0));
    let seen = committed.clone();
    db.before_models_committed(|changes| {
        if changes.iter().any(|c| c.operation == Operation::Delete) {
            Err("deletes need approval".into())
        } else {
            Ok(())
        }
    });
    db.models_committed(move |_| *seen.lock().unwrap() += 1);

    // A write outside a session commits too, and is heard.
    let row = db.insert(&Account::named("protected")).await.unwrap();
    assert_eq!(*committed.lock().unwrap(), 1);
    let mut session = db.session();
    session.delete(row.clone());
    let err = session.commit().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "commit vetoed by a before_models_committed hook: deletes need approval"
    );
    assert!(Account::query().get(&db, row.id).await.unwrap().is_some());
    assert_eq!(*committed.lock().unwrap(), 1);

    let mut session = db.session();
    session.add(Account::named("allowed"));
    session.commit().await.unwrap();
    assert_eq!(*committed.lock().unwrap(), 2);
}

/// One session, two binds on two servers: dropped, neither keeps a row; committed, both do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_spans_binds() {
    let Some(main) = TestDb::new(Kind::Postgres, "span_main").await else {
        return;
    };
    let Some(audit) = TestDb::new(Kind::MySql, "span_audit").await else {
        return;
    };
    let config = Config::binds_only()
        .bind("query", main.url.clone())
        .bind("audit", audit.url.clone());
    let db = Database::connect(config).await.unwrap();
    db.create_all_in(BindSelection::list([Some("query"), Some("audit")]))
        .await
        .unwrap();
    let entry = |m: &str| AuditEntry {
        message: m.to_owned(),
        ..AuditEntry::default()
    };

    {
        let mut session = db.session();
        session.add(Account::named("dropped"));
        session.add(entry("dropped"));
        session.flush().await.unwrap();
    }
    assert_eq!(
        (
            main.catalog.count("account").await,
            audit.catalog.count("audit_entry").await
        ),
        (0, 0)
    );

    let mut session = db.session();
    session.add(Account::named("kept"));
    session.add(entry("kept"));
    session.commit().await.unwrap();
    assert_eq!(
        (
            main.catalog.count("account").await,
            audit.catalog.count("audit_entry").await
        ),
        (1, 1)
    );
    assert_eq!(AuditEntry::query().one(&db).await.unwrap().message, "kept");
}

/// Through a `mariadb:` URL, queued inserts whose keys the database generates go as one
/// `INSERT ... VALUES ... RETURNING`, and each change carries the key its row was stored
/// under; through `mysql:` they stay one statement each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_url_sends_queued_inserts_together() {
    let Some((_t, by_mysql, by_mariadb)) = seeded_mariadb("mariadb_batch").await else {
        return;
    };
    for (db, label, inserts) in [(&by_mariadb, "maria", 1), (&by_mysql, "my", 4)] {
        let seen: Arc<Mutex<Vec<Change>>> = Arc::default();
        let s = seen.clone();
        db.models_committed(move |changes| s.lock().unwrap().extend_from_slice(changes));
        db.record_queries(100);
        let mut session = db.session();
        let names: Vec<String> = (0..4).map(|i| format!("{label}{i}")).collect();
        for name in &names {
            session.add(Account::named(name));
        }
        session.commit().await.unwrap();
        let sql = recorded_inserts(db);
        assert_eq!(sql.len(), inserts, "{sql:?}");
        assert_eq!(sql[0].contains(" RETURNING "), inserts == 1, "{sql:?}");
        let stored: Vec<Vec<Value>> = accounts_named(db, &names)
            .await
            .into_iter()
            .map(|a| vec![Value::BigInt(*a.id)])
            .collect();
        let keys: Vec<Vec<Value>> = seen.lock().unwrap().iter().map(|c| c.key.clone()).collect();
        assert_eq!(keys, stored, "{label}");
    }
}

/// The INSERT statements `db` recorded.
fn recorded_inserts(db: &Database) -> Vec<String> {
    db.take_recorded_queries()
        .into_iter()
        .map(|r| r.sql)
        .filter(|s| s.starts_with("INSERT"))
        .collect()
}

/// The stored accounts with these names, in the order of the names.
async fn accounts_named(db: &Database, names: &[impl AsRef<str>]) -> Vec<Account> {
    let mut accounts = Vec::new();
    for name in names {
        let account = Account::query()
            .filter(Account::USERNAME.eq(name.as_ref()))
            .first(db)
            .await
            .unwrap();
        accounts.push(account.unwrap_or_else(|| panic!("no account {}", name.as_ref())));
    }
    accounts
}

/// `models_committed` hears every write outside a session too (a search index fed by it must
/// not miss rows): one change per row with its key; `insert_many` with the keys the rows
/// give (empty where the database generates them); a bulk statement as one change with an
/// empty key. A failed write is not heard.
async fn writes_outside_a_session_fire_the_commit_signals(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "signals_pool").await else {
        return;
    };
    let heard = Arc::new(Mutex::new(Vec::<Change>::new()));
    let h = heard.clone();
    db.models_committed(move |changes| h.lock().unwrap().extend_from_slice(changes));
    let take = || std::mem::take(&mut *heard.lock().unwrap());
    let summary = |changes: Vec<Change>| -> Vec<(&'static str, Operation, Vec<Value>)> {
        changes
            .into_iter()
            .map(|c| (c.table, c.operation, c.key))
            .collect()
    };

    let mut row = db.insert(&Account::named("heard")).await.unwrap();
    let key = vec![Value::BigInt(*row.id)];
    assert_eq!(
        summary(take()),
        [("account", Operation::Insert, key.clone())]
    );
    row.note = Some("changed".into());
    db.update(&row).await.unwrap();
    assert_eq!(
        summary(take()),
        [("account", Operation::Update, key.clone())]
    );
    let row = db.update_returning(&row).await.unwrap();
    assert_eq!(
        summary(take()),
        [("account", Operation::Update, key.clone())]
    );
    db.delete(&row).await.unwrap();
    assert_eq!(
        summary(take()),
        [("account", Operation::Delete, key.clone())]
    );

    let accounts: Vec<Account> = ["m1", "m2", "m3"].map(Account::named).into();
    assert_eq!(db.insert_many(&accounts).await.unwrap(), 3);
    assert_eq!(
        summary(take()),
        vec![("account", Operation::Insert, Vec::new()); 3],
        "generated keys are not read back by insert_many"
    );
    let members = [("green", 7), ("green", 8)].map(|(team, member)| Membership {
        team: team.into(),
        member,
        role: "dev".into(),
    });
    db.insert_many(&members).await.unwrap();
    assert_eq!(
        summary(take()),
        [
            (
                "membership",
                Operation::Insert,
                vec![Value::Text("green".into()), Value::Int(7)]
            ),
            (
                "membership",
                Operation::Insert,
                vec![Value::Text("green".into()), Value::Int(8)]
            ),
        ]
    );

    let query = Account::query().filter(Account::USERNAME.starts_with("m"));
    assert_eq!(
        query
            .update(&db, [Account::NOTE.set(Some("bulk".to_owned()))])
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        summary(take()),
        [("account", Operation::Update, Vec::new())]
    );
    assert_eq!(query.delete(&db).await.unwrap(), 3);
    assert_eq!(
        summary(take()),
        [("account", Operation::Delete, Vec::new())]
    );

    // A failed write commits nothing and is not heard.
    db.insert(&Account::named("twice")).await.unwrap();
    take();
    assert!(db.insert(&Account::named("twice")).await.is_err());
    assert!(take().is_empty());
}

/// With a `before_models_committed` hook registered, a write outside a session runs in a
/// transaction of its own: the hook sees it with its key before COMMIT and may veto it, and
/// a vetoed write leaves nothing behind.
async fn a_vetoing_hook_refuses_writes_outside_a_session(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "veto_pool").await else {
        return;
    };
    let seen = Arc::new(Mutex::new(Vec::<Change>::new()));
    let s = seen.clone();
    db.before_models_committed(move |changes| {
        s.lock().unwrap().extend_from_slice(changes);
        if changes.iter().any(|c| c.operation == Operation::Delete) {
            Err("deletes need approval".into())
        } else {
            Ok(())
        }
    });
    let row = db.insert(&Account::named("kept")).await.unwrap();
    assert_eq!(
        seen.lock().unwrap().last().map(|c| c.key.clone()),
        Some(vec![Value::BigInt(*row.id)]),
        "the hook sees the generated key before COMMIT"
    );
    let err = db.delete(&row).await.unwrap_err();
    assert!(matches!(err, Error::Vetoed(_)), "{err:?}");
    let err = Account::query().delete(&db).await.unwrap_err();
    assert!(matches!(err, Error::Vetoed(_)), "{err:?}");
    assert_eq!(Account::query().count(&db).await.unwrap(), 1);
    assert!(Account::query().get(&db, row.id).await.unwrap().is_some());
    // Allowed writes go through, several statements of insert_many included.
    let many: Vec<Account> = (0..2500)
        .map(|i| Account::named(&format!("n{i}")))
        .collect();
    assert_eq!(db.insert_many(&many).await.unwrap(), 2500);
    assert_eq!(Account::query().count(&db).await.unwrap(), 2501);
}
