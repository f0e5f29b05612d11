//! Recorded queries and echo: every statement is kept with its SQL, parameters, bind, timing
//! and the line of the caller's code that issued it; echo sends the same to `tracing`.

/// The models every binary of these tests shares, and the rows each test starts from.
#[path = "shared_models.rs"]
#[allow(dead_code)]
mod models;

use model_core::{Config, Database, Value};
use model_tests::{Capture, Kind, TestDb, per_backend};

use crate::models::{Account, Keyed, Person, seeded};

per_backend!(
    statements_are_recorded_with_their_caller,
    every_recorded_statement_points_into_the_callers_code
);

async fn statements_are_recorded_with_their_caller(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "record").await else {
        return;
    };
    assert!(db.recorded_queries().is_empty(), "off by default");
    db.record_queries(100);

    let query = Person::query().filter(Keyed::ID.eq(3));
    let (line, people) = (line!(), query.all(&db).await.unwrap());
    assert_eq!(people.len(), 1);
    let records = db.take_recorded_queries();
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert!(
        record.sql.starts_with("SELECT") && record.sql.contains("WHERE"),
        "{}",
        record.sql
    );
    assert_eq!(record.params, [Value::BigInt(3)]);
    assert_eq!(record.bind, "\"query\"");
    assert!(record.succeeded && record.end >= record.start);
    let location = record.location.expect("the caller's location");
    assert!(location.file().ends_with("recording.rs"), "{location}");
    assert_eq!(
        location.line(),
        line,
        "the line of the caller, not of the library"
    );

    // Statements a session runs at commit point at the commit call.
    let mut session = db.session();
    session.add(Account::named("rec"));
    let (line, _) = (line!(), session.commit().await.unwrap());
    let records = db.take_recorded_queries();
    let sql: Vec<&str> = records
        .iter()
        .map(|r| r.sql.split(' ').next().unwrap_or(""))
        .collect();
    assert_eq!(sql.first(), Some(&"BEGIN"));
    assert_eq!(sql.last(), Some(&"COMMIT"));
    assert!(sql.contains(&"INSERT"), "{sql:?}");
    // The values are handed to the driver; the record keeps its own copy of them.
    let insert = records
        .iter()
        .find(|r| r.sql.starts_with("INSERT"))
        .expect("the INSERT is recorded");
    assert!(
        insert.params.contains(&Value::Text("rec".to_owned())),
        "{:?}",
        insert.params
    );
    assert!(
        records
            .iter()
            .all(|r| r.location.map(|l| l.line()) == Some(line)),
        "{records:?}"
    );

    // The buffer keeps the last N; 0 turns recording off.
    db.record_queries(2);
    for _ in 0..5 {
        Person::query().count(&db).await.unwrap();
    }
    assert_eq!(db.recorded_queries().len(), 2);
    db.record_queries(0);
    Person::query().count(&db).await.unwrap();
    assert!(db.recorded_queries().is_empty());
}

per_backend!(lookups_by_key_send_only_the_key);

/// A primary key matches at most one row, so `get` and the read-back after a write (on a
/// backend without `RETURNING`) send the plain lookup: no `LIMIT`, and the key as the only
/// parameter. `first` still limits.
async fn lookups_by_key_send_only_the_key(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "bykey").await else {
        return;
    };
    db.record_queries(100);

    let found = Person::query().get(&db, 7_i64).await.unwrap();
    assert_eq!(found.map(|p| *p.key.id), Some(7));
    assert!(Person::query().get_or_404(&db, 8_i64).await.is_ok());
    let records = db.take_recorded_queries();
    assert_eq!(records.len(), 2, "{records:?}");
    // One text per shape, so the driver's prepared-statement cache hits.
    assert_eq!(records[0].sql, records[1].sql);
    for (record, key) in records.iter().zip([7, 8]) {
        assert!(!record.sql.contains("LIMIT"), "{}", record.sql);
        assert_eq!(record.params, [Value::BigInt(key)], "{}", record.sql);
    }

    Person::query().first(&db).await.unwrap();
    let records = db.take_recorded_queries();
    assert!(records[0].sql.contains("LIMIT"), "{}", records[0].sql);

    let stored = db.insert(&Account::named("bykey")).await.unwrap();
    let records = db.take_recorded_queries();
    let reads: Vec<_> = records
        .iter()
        .filter(|r| r.sql.starts_with("SELECT"))
        .collect();
    if let Some(read) = reads.first() {
        assert_eq!(reads.len(), 1, "{records:?}");
        assert!(!read.sql.contains("LIMIT"), "{}", read.sql);
        assert_eq!(read.params, [Value::BigInt(*stored.id)], "{}", read.sql);
    } else {
        assert!(records[0].sql.contains("RETURNING"), "{records:?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn echo_sends_statements_to_tracing() {
    let (capture, captured) = Capture::new("model_core::sql");
    let _guard = tracing::subscriber::set_default(capture);
    let t = TestDb::new(Kind::SqliteMemory, "echo").await.unwrap();
    let db = Database::connect(Config::binds_only().bind("query", t.url.clone()).echo(true))
        .await
        .unwrap();
    db.create_all_in(model_core::BindSelection::named("query"))
        .await
        .unwrap();
    Person::query()
        .filter(Keyed::ID.eq(7))
        .count(&db)
        .await
        .unwrap();
    let lines = captured.lock().unwrap().clone();
    let count = lines
        .iter()
        .find(|l| l.contains("SELECT COUNT(*)"))
        .expect("the count was echoed");
    assert!(count.contains("bind=\"\\\"query\\\"\""), "{count}");
    assert!(
        count.contains("params=[BigInt(7)]") && count.contains("elapsed_us="),
        "{count}"
    );
    assert!(count.contains("recording.rs"), "{count}");

    db.set_echo(false);
    let before = captured.lock().unwrap().len();
    Person::query().count(&db).await.unwrap();
    assert_eq!(
        captured.lock().unwrap().len(),
        before,
        "nothing echoed once echo is off"
    );
}

/// The lines of this file each record points at; `None` for a record without a location.
fn lines(db: &Database) -> Vec<Option<u32>> {
    db.take_recorded_queries()
        .iter()
        .map(|r| {
            r.location.map(|l| {
                assert!(
                    l.file().ends_with("recording.rs"),
                    "{l} is not the caller's code"
                );
                l.line()
            })
        })
        .collect()
}

/// `db.transaction`, `Page::next`/`prev` and `Session::rollback` record where the caller
/// called them; the statements inside a transaction's closure, where the closure issued them.
async fn every_recorded_statement_points_into_the_callers_code(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "record_all").await else {
        return;
    };
    db.record_queries(100);

    let mut inner = 0;
    let outer = line!() + 1;
    db.transaction(|s| {
        inner = line!() + 1;
        Box::pin(async move { s.insert(&Account::named("tx")).await.map(drop) })
    })
    .await
    .unwrap();
    let seen = lines(&db);
    assert!(seen.len() >= 3, "{seen:?}");
    assert_eq!(
        seen.last(),
        Some(&Some(outer)),
        "COMMIT at the transaction call: {seen:?}"
    );
    assert!(
        seen.contains(&Some(inner)),
        "the INSERT at its own line: {seen:?}"
    );
    assert!(
        seen.iter().all(|l| *l == Some(outer) || *l == Some(inner)),
        "{seen:?}"
    );

    let query = Person::query().order_by(Keyed::ID.asc());
    let page = query.paginate(&db, 1, 10, true).await.unwrap();
    db.take_recorded_queries();
    let (line, next) = (line!(), page.next(&query, &db, true).await.unwrap());
    assert_eq!(lines(&db), [Some(line)]);
    let (line, _) = (line!(), next.prev(&query, &db, true).await.unwrap());
    assert_eq!(lines(&db), [Some(line)]);

    let mut session = db.session();
    session.add(Account::named("rolled back"));
    session.flush().await.unwrap();
    db.take_recorded_queries();
    let line = line!() + 1;
    session.rollback().await;
    assert_eq!(lines(&db), [Some(line)]);
}
