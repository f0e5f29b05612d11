//! Hostile input: property tests push arbitrary strings, bytes, extreme integers and floats
//! through insert, read, filter and bulk delete of a table whose names are all hostile too, and
//! read back exactly what went in. Values a backend cannot store (NUL in PostgreSQL text, NaN
//! on SQLite, NaN and infinities on MariaDB) get a clear error naming the column, and nothing is
//! written. Every case of one shape sends the same SQL text, so no value ever travels as SQL.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicI64, Ordering};

use model_core::{Database, PoolConfig};
use model_tests::Kind;
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestRunner};

use crate::models::Hostile;
use crate::servers::{self, per_backend};

per_backend!(
    hostile_values_round_trip,
    very_long_values_round_trip,
    non_finite_floats_are_stored_or_refused_clearly
);

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<f64>(),
        1 => prop_oneof![
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(-0.0),
            Just(f64::MIN_POSITIVE),
            Just(f64::MAX),
            Just(f64::MIN),
            Just(5e-324),
        ],
    ]
}

fn hostile() -> impl Strategy<Value = Hostile> {
    (
        any::<String>(),
        proptest::collection::vec(any::<u8>(), 0..300),
        any::<i16>(),
        prop_oneof![any::<i64>(), Just(i64::MIN), Just(i64::MAX), Just(0)],
        float(),
        proptest::option::of(any::<String>()),
        any::<bool>(),
    )
        .prop_map(|(text, raw, small, big, float, maybe, flag)| Hostile {
            id: 0,
            text,
            raw,
            small,
            big,
            float,
            maybe,
            flag,
        })
}

/// Why `kind` cannot store `row`, if it cannot.
fn refused(kind: Kind, row: &Hostile) -> Option<&'static str> {
    let nul = row.text.contains('\0') || row.maybe.as_deref().is_some_and(|m| m.contains('\0'));
    match kind {
        Kind::Postgres if nul => Some("NUL"),
        Kind::MySql if !row.float.is_finite() => Some("not finite"),
        Kind::SqliteFile if row.float.is_nan() => Some("NaN"),
        _ => None,
    }
}

fn same_float(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits() || (a == 0.0 && b == 0.0)
}

fn check_same(got: &Hostile, want: &Hostile) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.id, want.id);
    prop_assert_eq!(&got.text, &want.text);
    prop_assert_eq!(&got.raw, &want.raw);
    prop_assert_eq!(got.small, want.small);
    prop_assert_eq!(got.big, want.big);
    prop_assert!(
        same_float(got.float, want.float),
        "{} != {}",
        got.float,
        want.float
    );
    prop_assert_eq!(&got.maybe, &want.maybe);
    prop_assert_eq!(got.flag, want.flag);
    Ok(())
}

static NEXT_ID: AtomicI64 = AtomicI64::new(1);

/// One case: insert, read by key, filter on every comparable column, `starts_with` on the text,
/// bulk delete by filter. Returns the SQL it sent when the row was accepted.
async fn round_trip(
    db: &Database,
    kind: Kind,
    mut row: Hostile,
) -> Result<Option<Vec<String>>, TestCaseError> {
    row.id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    db.take_recorded_queries();
    let inserted = db.insert(&row).await;
    if let Some(reason) = refused(kind, &row) {
        let err = inserted.expect_err(reason);
        let message = err.to_string();
        println!("{kind:?} refuses a row ({reason}): {message}");
        prop_assert!(message.starts_with("bind default: "), "{}", message);
        prop_assert!(
            message.contains("odd \"table\" `name`; 'x' --"),
            "the error names the table: {}",
            message
        );
        let found = Hostile::query().get(db, row.id).await;
        prop_assert!(matches!(found, Ok(None)), "{:?}", found.map(|_| ()));
        return Ok(None);
    }
    let stored = inserted.map_err(|e| TestCaseError::fail(e.to_string()))?;
    check_same(&stored, &row)?;
    let read = Hostile::query()
        .get(db, row.id)
        .await
        .map_err(|e| TestCaseError::fail(e.to_string()))?
        .expect("the row just inserted");
    check_same(&read, &row)?;

    let matching = Hostile::query()
        .filter(Hostile::ID.eq(row.id))
        .filter(Hostile::TEXT.eq(row.text.clone()))
        .filter(Hostile::RAW.eq(row.raw.clone()))
        .filter(Hostile::SMALL.eq(row.small))
        .filter(Hostile::BIG.eq(row.big))
        .filter(Hostile::FLAG.eq(row.flag))
        .filter(match &row.maybe {
            Some(m) => Hostile::MAYBE.eq(m.clone()),
            None => Hostile::MAYBE.is_null(),
        })
        .count(db)
        .await
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(matching, 1);
    let prefix: String = row.text.chars().take(5).collect();
    let by_prefix = Hostile::query()
        .filter(Hostile::ID.eq(row.id) & Hostile::TEXT.starts_with(&prefix))
        .count(db)
        .await
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(by_prefix, 1);

    let deleted = Hostile::query()
        .filter(Hostile::ID.eq(row.id) & Hostile::TEXT.eq(row.text.clone()))
        .delete(db)
        .await
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(deleted, 1);
    let sql = db
        .take_recorded_queries()
        .into_iter()
        .map(|q| q.sql)
        .collect();
    Ok(Some(sql))
}

async fn hostile_values_round_trip(kind: Kind) {
    let _servers = servers::shared().await;
    let Some((_t, url)) = servers::database(kind, "hostile").await else {
        return;
    };
    let db = servers::connect(&url, PoolConfig::default()).await;
    db.record_queries(64);
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(RunnerConfig {
        cases: 64,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    // The SQL of every accepted case, by shape (`maybe` is compared with `=` or `IS NULL`).
    let shapes: RefCell<[Option<Vec<String>>; 2]> = RefCell::default();
    let refusals = Cell::new(0);
    let result = tokio::task::block_in_place(|| {
        // The runner's error holds the failing row; boxed, since it only travels to a panic.
        runner
            .run(&hostile(), |row| {
                let shape = usize::from(row.maybe.is_some());
                match handle.block_on(round_trip(&db, kind, row))? {
                    None => refusals.set(refusals.get() + 1),
                    Some(sql) => {
                        let mut shapes = shapes.borrow_mut();
                        match &shapes[shape] {
                            None => shapes[shape] = Some(sql),
                            Some(first) => prop_assert_eq!(first, &sql, "one shape, one SQL text"),
                        }
                    }
                }
                Ok(())
            })
            .map_err(Box::new)
    });
    let refusals = refusals.get();
    if let Err(failure) = result {
        panic!("{kind:?}: {failure}");
    }
    println!("{kind:?}: 64 hostile rows, {refusals} refused with a clear error");
    assert_eq!(Hostile::query().count(&db).await.unwrap(), 0);
}

async fn very_long_values_round_trip(kind: Kind) {
    let _servers = servers::shared().await;
    let Some((_t, url)) = servers::database(kind, "long").await else {
        return;
    };
    let db = servers::connect(&url, PoolConfig::default()).await;
    let text: String = "ünïcødé 🦀 'quoted' \"double\" `back` ; -- "
        .chars()
        .cycle()
        .take(1 << 20)
        .collect();
    let row = Hostile {
        id: 1,
        text: text.clone(),
        raw: (0..=255u8).cycle().take(1 << 20).collect(),
        small: i16::MIN,
        big: i64::MIN,
        float: f64::MAX,
        maybe: Some(text),
        flag: true,
    };
    db.insert(&row).await.unwrap();
    let read = Hostile::query().get(&db, 1).await.unwrap().unwrap();
    check_same(&read, &row).unwrap();
}

async fn non_finite_floats_are_stored_or_refused_clearly(kind: Kind) {
    let _servers = servers::shared().await;
    let Some((_t, url)) = servers::database(kind, "non_finite").await else {
        return;
    };
    let db = servers::connect(&url, PoolConfig::default()).await;
    for (id, float) in [(1, f64::NAN), (2, f64::INFINITY), (3, f64::NEG_INFINITY)] {
        let row = Hostile {
            id,
            text: "x".into(),
            raw: vec![],
            small: 0,
            big: 0,
            float,
            maybe: None,
            flag: false,
        };
        let inserted = db.insert(&row).await;
        let found = Hostile::query().get(&db, id).await.unwrap();
        match refused(kind, &row) {
            Some(reason) => {
                let err = inserted.expect_err(reason);
                println!("{kind:?} refuses {float}: {err}");
                let message = err.to_string();
                assert!(
                    message.contains("'group by'")
                        || message.contains("cannot store or compare NaN"),
                    "says what is wrong: {message}"
                );
                assert!(found.is_none());
            }
            None => {
                inserted.unwrap();
                assert!(same_float(found.unwrap().float, float), "{float}");
            }
        }
    }
}
