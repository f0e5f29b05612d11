//! SQLite's executor: statements run on the caller's thread, and what would hold that thread
//! too long goes elsewhere. A task waiting for a lock another connection holds lets the other
//! tasks run; a long read or write runs off the worker, where a timeout around it can fire and
//! interrupt it; a read stopped and run again inside a transaction keeps the transaction. Most
//! of these run on a current-thread runtime, where a blocked thread would stop every task.
//!
//! Also: values written by sqlx's SQLite driver (the driver this executor replaced) read back
//! the same, and the other way round, so existing database files keep working.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use model_core::{BindSelection, Config, Database, Model, PoolConfig, Value};
use model_tests::{Kind, TestDb};
use rust_decimal::Decimal;
use sqlx::{Connection, Executor, Row};

/// A row to write and lock.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "exec")]
pub struct Tally {
    #[column(primary_key, autoincrement = false)]
    pub id: i64,
    pub n: i64,
}

/// One column of each type whose SQLite encoding the executor chose.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "exec")]
pub struct Stamp {
    #[column(primary_key, autoincrement = false)]
    pub id: i64,
    pub at: NaiveDateTime,
    pub at_utc: DateTime<Utc>,
    pub day: NaiveDate,
    pub time_of_day: NaiveTime,
    pub key: uuid::Uuid,
    pub doc: serde_json::Value,
    #[column(precision = 12, scale = 2)]
    pub price: Decimal,
    pub flag: bool,
    pub ratio: f64,
    pub small: i16,
    pub bytes: Vec<u8>,
    pub note: Option<String>,
}

/// A count SQLite takes a while over: `rows` rows of a recursive sequence.
fn counting(rows: u64) -> String {
    format!(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {rows}) \
         SELECT count(*) FROM c"
    )
}

/// A SQLite file in WAL mode, with the tables made; `None` never (SQLite needs no server).
async fn file(label: &str, query: &str, pool: PoolConfig) -> (TestDb, String, Database) {
    let t = TestDb::new(Kind::SqliteFile, label)
        .await
        .expect("a SQLite file");
    let url = format!("{}?journal_mode=wal{query}", t.url);
    let db = Database::connect(
        Config::binds_only()
            .bind("exec", url.clone())
            .default_pool(pool),
    )
    .await
    .expect("connect");
    db.create_all_in(BindSelection::named("exec"))
        .await
        .expect("create_all");
    (t, url, db)
}

/// A task counting the milliseconds it gets to run.
fn ticker() -> Arc<AtomicUsize> {
    let ticks = Arc::new(AtomicUsize::new(0));
    let counted = ticks.clone();
    tokio::spawn(async move {
        loop {
            counted.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    ticks
}

/// Another connection to the file (sqlx's own), holding its write lock until told.
async fn lock_for_writing(t: &TestDb) -> sqlx::SqliteConnection {
    let mut other = sqlx::SqliteConnection::connect(&t.url).await.unwrap();
    other.execute("BEGIN IMMEDIATE").await.unwrap();
    other
}

#[tokio::test]
async fn a_task_waiting_for_a_lock_lets_the_other_tasks_run() {
    let (t, _url, db) = file("lock_wait", "", PoolConfig::default()).await;
    let mut other = lock_for_writing(&t).await;
    let ticks = ticker();
    let started = Instant::now();
    let release = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        other.execute("COMMIT").await.unwrap();
    };
    // One thread: if the waiting insert held it, `release` could never run and the insert
    // would fail after the 5 s busy timeout.
    let (inserted, ()) = tokio::join!(db.insert(&Tally { id: 1, n: 1 }), release);
    inserted.expect("the insert went through once the lock was released");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(200), "waited {waited:?}");
    assert!(waited < Duration::from_secs(3), "waited {waited:?}");
    let ran = ticks.load(Ordering::Relaxed);
    assert!(ran >= 50, "other tasks ran {ran} times in {waited:?}");
    assert_eq!(
        Tally::query().all(&db).await.unwrap(),
        [Tally { id: 1, n: 1 }]
    );
}

#[tokio::test]
async fn a_lock_never_released_fails_after_the_busy_timeout_and_blocks_no_one() {
    let (t, _url, db) = file("lock_timeout", "&busy_timeout=300", PoolConfig::default()).await;
    let _other = lock_for_writing(&t).await;
    let ticks = ticker();
    let started = Instant::now();
    let error = db.insert(&Tally { id: 1, n: 1 }).await.unwrap_err();
    let waited = started.elapsed();
    assert!(error.to_string().contains("database is locked"), "{error}");
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(2),
        "waited {waited:?}"
    );
    let ran = ticks.load(Ordering::Relaxed);
    assert!(ran >= 50, "other tasks ran {ran} times in {waited:?}");
}

#[tokio::test]
async fn a_session_waits_for_the_write_lock_without_blocking() {
    let (t, _url, db) = file("session_wait", "", PoolConfig::default()).await;
    let mut other = lock_for_writing(&t).await;
    let ticks = ticker();
    let release = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        other.execute("COMMIT").await.unwrap();
    };
    let write = async {
        let mut session = db.session();
        session.add(Tally { id: 2, n: 2 });
        session.commit().await
    };
    let (committed, ()) = tokio::join!(write, release);
    committed.expect("BEGIN IMMEDIATE waited for the lock");
    assert!(ticks.load(Ordering::Relaxed) >= 30);
    assert_eq!(Tally::query().count(&db).await.unwrap(), 1);
}

#[tokio::test]
async fn a_long_read_runs_off_the_worker() {
    let (_t, _url, db) = file("long_read", "", PoolConfig::default()).await;
    let ticks = ticker();
    let sql = counting(3_000_000);
    for round in 0..2 {
        let before = ticks.load(Ordering::Relaxed);
        let started = Instant::now();
        let n: i64 = db.fetch_scalar(Some("exec"), &sql, &[]).await.unwrap();
        let took = started.elapsed();
        assert_eq!(n, 3_000_000);
        let ran = ticks.load(Ordering::Relaxed) - before;
        // Stopped after its 10 ms on the caller's thread (the first time), then run on a
        // blocking thread while this thread served the other tasks.
        assert!(
            took < Duration::from_millis(40) || ran as u128 >= took.as_millis() / 10,
            "round {round}: other tasks ran {ran} times in {took:?}"
        );
    }
}

#[tokio::test]
async fn a_timeout_around_a_long_read_fires_and_interrupts_it() {
    let pool = PoolConfig::default().max_connections(1);
    let (_t, _url, db) = file("read_timeout", "", pool).await;
    // Minutes of work if it ran to the end.
    let sql = counting(2_000_000_000);
    for round in 0..3 {
        let cut = tokio::time::timeout(
            Duration::from_millis(50),
            db.fetch_scalar::<i64>(Some("exec"), &sql, &[]),
        )
        .await;
        assert!(cut.is_err(), "round {round}: {cut:?}");
        // The pool's one connection is back as soon as the interrupted statement stopped.
        let started = Instant::now();
        db.insert(&Tally { id: round, n: 0 }).await.unwrap();
        let waited = started.elapsed();
        assert!(waited < Duration::from_secs(2), "round {round}: {waited:?}");
    }
    assert_eq!(Tally::query().count(&db).await.unwrap(), 3);
}

#[tokio::test]
async fn a_long_read_in_a_transaction_sees_the_transaction_and_keeps_it() {
    let (_t, _url, db) = file("read_in_tx", "", PoolConfig::default()).await;
    let mut session = db.session();
    session.add(Tally { id: 7, n: 7 });
    session.flush().await.unwrap();
    let sql = format!(
        "SELECT (SELECT count(*) FROM tally) + ({})",
        counting(2_000_000)
    );
    for _ in 0..2 {
        let n: i64 = session.fetch_scalar(Some("exec"), &sql, &[]).await.unwrap();
        assert_eq!(n, 2_000_001, "the uncommitted row is seen");
    }
    session.commit().await.unwrap();
    assert_eq!(
        Tally::query().all(&db).await.unwrap(),
        [Tally { id: 7, n: 7 }]
    );
}

#[tokio::test]
async fn a_long_write_runs_off_the_worker_from_its_second_run() {
    let (_t, _url, db) = file("long_write", "", PoolConfig::default()).await;
    db.execute_raw(
        Some("exec"),
        "INSERT INTO tally (id, n) WITH RECURSIVE c(x) AS \
         (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT x, 0 FROM c",
        &[],
    )
    .await
    .unwrap();
    let update = "UPDATE tally SET n = n + 1";
    db.execute_raw(Some("exec"), update, &[]).await.unwrap();
    let ticks = ticker();
    tokio::task::yield_now().await;
    let before = ticks.load(Ordering::Relaxed);
    let started = Instant::now();
    let changed = db.execute_raw(Some("exec"), update, &[]).await.unwrap();
    let took = started.elapsed();
    assert_eq!(changed, 300_000);
    let ran = ticks.load(Ordering::Relaxed) - before;
    assert!(
        took < Duration::from_millis(40) || ran as u128 >= took.as_millis() / 10,
        "other tasks ran {ran} times in {took:?}"
    );
    let n: i64 = db
        .fetch_scalar(Some("exec"), "SELECT min(n) FROM tally", &[])
        .await
        .unwrap();
    assert_eq!(n, 2, "both updates applied once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_multi_threaded_runtime_too() {
    let (t, _url, db) = file("multi_thread", "", PoolConfig::default()).await;
    let mut other = lock_for_writing(&t).await;
    let release = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        other.execute("COMMIT").await.unwrap();
    };
    let (inserted, ()) = tokio::join!(db.insert(&Tally { id: 1, n: 1 }), release);
    inserted.unwrap();
    let cut = tokio::time::timeout(
        Duration::from_millis(50),
        db.fetch_scalar::<i64>(Some("exec"), &counting(2_000_000_000), &[]),
    )
    .await;
    assert!(cut.is_err());
    let n: i64 = db
        .fetch_scalar(Some("exec"), &counting(100_000), &[])
        .await
        .unwrap();
    assert_eq!(n, 100_000);
}

fn stamp() -> Stamp {
    Stamp {
        id: 1,
        at: NaiveDate::from_ymd_opt(2024, 5, 1)
            .unwrap()
            .and_hms_micro_opt(12, 30, 5, 250_000)
            .unwrap(),
        at_utc: DateTime::parse_from_rfc3339("2024-05-01T10:00:00.5Z")
            .unwrap()
            .with_timezone(&Utc),
        day: NaiveDate::from_ymd_opt(1999, 12, 31).unwrap(),
        time_of_day: NaiveTime::from_hms_micro_opt(23, 59, 58, 125).unwrap(),
        key: uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
        doc: serde_json::json!({"a": [1, 2, {"b": null}], "c": "d"}),
        price: Decimal::new(1234567, 2),
        flag: true,
        ratio: -0.125,
        small: -300,
        bytes: vec![0, 159, 255],
        note: None,
    }
}

#[tokio::test]
async fn values_written_by_sqlx_read_back_the_same() {
    let (t, _url, db) = file("from_sqlx", "", PoolConfig::default()).await;
    let s = stamp();
    let mut sqlx_conn = sqlx::SqliteConnection::connect(&t.url).await.unwrap();
    sqlx::query(
        "INSERT INTO stamp (id, at, at_utc, day, time_of_day, key, doc, price, flag, ratio, \
         small, bytes, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(s.id)
    .bind(s.at)
    .bind(s.at_utc)
    .bind(s.day)
    .bind(s.time_of_day)
    .bind(s.key)
    .bind(sqlx::types::Json(&s.doc))
    .bind(s.price.to_string())
    .bind(s.flag)
    .bind(s.ratio)
    .bind(s.small)
    .bind(&s.bytes)
    .bind(&s.note)
    .execute(&mut sqlx_conn)
    .await
    .unwrap();
    assert_eq!(Stamp::query().get(&db, 1).await.unwrap(), Some(s.clone()));
    // And keyed lookups bind as sqlx stored them.
    assert_eq!(
        Stamp::query()
            .filter(Stamp::KEY.eq(s.key))
            .filter(Stamp::AT.eq(s.at))
            .filter(Stamp::DAY.eq(s.day))
            .count(&db)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn values_written_here_read_back_through_sqlx() {
    let (t, _url, db) = file("to_sqlx", "", PoolConfig::default()).await;
    let s = stamp();
    db.insert(&s).await.unwrap();
    let mut sqlx_conn = sqlx::SqliteConnection::connect(&t.url).await.unwrap();
    let row = sqlx::query("SELECT * FROM stamp")
        .fetch_one(&mut sqlx_conn)
        .await
        .unwrap();
    assert_eq!(row.get::<NaiveDateTime, _>("at"), s.at);
    assert_eq!(row.get::<DateTime<Utc>, _>("at_utc"), s.at_utc);
    assert_eq!(row.get::<NaiveDate, _>("day"), s.day);
    assert_eq!(row.get::<NaiveTime, _>("time_of_day"), s.time_of_day);
    assert_eq!(row.get::<uuid::Uuid, _>("key"), s.key);
    assert_eq!(
        row.get::<sqlx::types::Json<serde_json::Value>, _>("doc").0,
        s.doc
    );
    assert_eq!(row.get::<bool, _>("flag"), s.flag);
    assert_eq!(row.get::<f64, _>("ratio"), s.ratio);
    assert_eq!(row.get::<i16, _>("small"), s.small);
    assert_eq!(row.get::<Vec<u8>, _>("bytes"), s.bytes);
    assert_eq!(row.get::<Option<String>, _>("note"), None);
}

#[tokio::test]
async fn a_value_of_the_wrong_storage_class_is_a_clear_error() {
    let (_t, _url, db) = file("wrong_class", "", PoolConfig::default()).await;
    db.execute_raw(
        Some("exec"),
        "INSERT INTO tally (id, n) VALUES (1, 'many')",
        &[],
    )
    .await
    .unwrap();
    let error = Tally::query().all(&db).await.unwrap_err().to_string();
    assert!(
        error.contains("\"n\"") && error.contains("INTEGER") && error.contains("TEXT"),
        "{error}"
    );
    let error = db
        .execute_raw(
            Some("exec"),
            "UPDATE tally SET n = ?",
            &[Value::Double(f64::NAN)],
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("NaN"), "{error}");
}

#[tokio::test]
async fn read_only_and_unknown_url_parameters() {
    let (t, _url, db) = file("read_only", "", PoolConfig::default()).await;
    db.insert(&Tally { id: 1, n: 1 }).await.unwrap();
    let read_only =
        Database::connect(Config::binds_only().bind("exec", format!("{}?mode=ro", t.url)))
            .await
            .unwrap();
    assert_eq!(Tally::query().count(&read_only).await.unwrap(), 1);
    let error = read_only
        .insert(&Tally { id: 2, n: 2 })
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("readonly"), "{error}");
    let error =
        Database::connect(Config::binds_only().bind("exec", format!("{}?jurnal_mode=wal", t.url)))
            .await
            .unwrap_err()
            .to_string();
    assert!(error.contains("jurnal_mode"), "{error}");
}

#[tokio::test]
async fn a_script_of_several_statements_runs_each_once() {
    let (_t, _url, db) = file("script", "", PoolConfig::default()).await;
    db.execute_raw(
        Some("exec"),
        "CREATE TABLE scratch (x INTEGER); INSERT INTO scratch VALUES (1); \
         INSERT INTO tally (id, n) VALUES (1, 1);",
        &[],
    )
    .await
    .unwrap();
    let n: i64 = db
        .fetch_scalar(Some("exec"), "SELECT count(*) FROM scratch", &[])
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(Tally::query().count(&db).await.unwrap(), 1);
}

#[tokio::test]
async fn a_decimal_sum_stored_as_real_reads_as_sqlite_prints_it() {
    let (_t, _url, db) = file("decimal_real", "", PoolConfig::default()).await;
    db.insert(&stamp()).await.unwrap();
    db.execute_raw(Some("exec"), "UPDATE stamp SET price = 0.1 + 0.2", &[])
        .await
        .unwrap();
    let read = Stamp::query().get(&db, 1).await.unwrap().unwrap();
    assert_eq!(read.price.to_string(), "0.3");
    db.execute_raw(Some("exec"), "UPDATE stamp SET price = 12.0", &[])
        .await
        .unwrap();
    let read = Stamp::query().get(&db, 1).await.unwrap().unwrap();
    assert_eq!(read.price, Decimal::new(12, 0));
}
