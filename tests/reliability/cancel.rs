//! Cancellation: every public async operation dropped after its k-th poll, for every k until it
//! completes, and aborted after short wall-clock delays, as a web handler is when its client
//! goes away. After each cut: the next calls answer correctly, no transaction is left open and
//! no connection leaked (the server is asked), a write is wholly there or wholly absent, and a
//! session is all or nothing.
//!
//! The pool holds one connection and pings it before every use (`PrePing::Always`), the
//! setting where a connection put back mid-ping was seen answering the next caller with the
//! ping's reply.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use model_core::{BindSelection, Database, Error, PoolConfig, PrePing};
use model_tests::Kind;
use sqlx::Connection;

use crate::models::Item;
use crate::servers::{self, database_name, per_backend};

per_backend!(
    a_read_cut_during_its_ping_leaves_no_stale_answer,
    every_operation_cut_at_every_poll_leaves_everything_in_step,
    a_session_step_cut_then_committed_is_all_or_nothing
);

/// The most polls an operation is cut after; every operation here completes in fewer.
const MAX_POLLS: usize = 400;

/// Drives `inner` until it completes or has been polled `polls` times; then drops it.
struct CutAfter<F> {
    inner: Pin<Box<F>>,
    polls: usize,
}

impl<F: Future> Future for CutAfter<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.polls == 0 {
            return Poll::Ready(None);
        }
        self.polls -= 1;
        match self.inner.as_mut().poll(cx) {
            Poll::Ready(output) => Poll::Ready(Some(output)),
            Poll::Pending if self.polls == 0 => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Runs `future` for at most `polls` polls; `None` when it was cut off (and dropped) first.
async fn cut_after<F: Future>(future: F, polls: usize) -> Option<F::Output> {
    CutAfter {
        inner: Box::pin(future),
        polls,
    }
    .await
}

fn pool() -> PoolConfig {
    PoolConfig::default()
        .max_connections(1)
        .pre_ping(PrePing::Always)
        .acquire_timeout(Duration::from_secs(10))
}

/// The rows every check starts from.
fn baseline() -> Vec<Item> {
    (1..=3).map(|id| Item::new(id, 0, id)).collect()
}

async fn restore_baseline(db: &Database) {
    Item::query().delete(db).await.expect("clearing the table");
    db.insert_many(&baseline())
        .await
        .expect("restoring the rows");
}

async fn a_read_cut_during_its_ping_leaves_no_stale_answer(kind: Kind) {
    let _servers = servers::shared().await;
    let Some((_t, url)) = servers::database(kind, "cut_ping").await else {
        return;
    };
    let db = servers::connect(&url, pool()).await;
    restore_baseline(&db).await;
    let mut wrong = Vec::new();
    let mut cut = 0;
    for round in 0..300 {
        let polls = 1 + round % 6;
        if cut_after(Item::query().get(&db, 2), polls).await.is_none() {
            cut += 1;
        }
        match Item::query().get(&db, 2).await {
            Ok(Some(item)) if item == Item::new(2, 0, 2) => {}
            other => wrong.push(format!("round {round}: {other:?}")),
        }
    }
    println!(
        "{kind:?}: {cut} of 300 reads cut, {} wrong answers",
        wrong.len()
    );
    if kind.is_sqlite() {
        // SQLite runs a lookup on the caller's thread, within the future's first poll: there
        // is no await inside it at which it could be cut.
        assert_eq!(cut, 0, "a SQLite lookup was cut midway");
    } else {
        assert!(cut > 0, "no read was cut");
    }
    assert!(
        wrong.is_empty(),
        "{} wrong answers: {wrong:#?}",
        wrong.len()
    );
}

/// One operation of the public API and what it may leave behind when cut off.
struct Operation {
    name: &'static str,
    /// Starts the operation; its output only says whether it completed.
    run: for<'a> fn(&'a Database) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>,
    /// The states the table may be in afterwards (ids and amounts, sorted by id): before
    /// the operation, or after it completed.
    outcomes: fn() -> [Vec<Item>; 2],
}

fn unchanged() -> [Vec<Item>; 2] {
    [baseline(), baseline()]
}

fn with_new_rows(ids: std::ops::RangeInclusive<i64>) -> [Vec<Item>; 2] {
    let mut after = baseline();
    after.extend(ids.map(|id| Item::new(id, 1, id)));
    [baseline(), after]
}

fn with_amounts(amount: impl Fn(i64) -> i64) -> [Vec<Item>; 2] {
    let after = baseline()
        .into_iter()
        .map(|item| Item::new(item.id, 0, amount(item.id)))
        .collect();
    [baseline(), after]
}

/// The operation must complete: a failure of an uncut operation is a bug in itself.
fn must<T, E: std::fmt::Debug>(what: &str, result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| panic!("{what} failed: {e:?}"))
}

macro_rules! op {
    ($name:literal, $outcomes:expr, |$db:ident| $body:expr) => {
        Operation {
            name: $name,
            run: |$db| {
                Box::pin(async move {
                    must($name, $body.await);
                })
            },
            outcomes: $outcomes,
        }
    };
}

fn operations() -> Vec<Operation> {
    vec![
        op!("get", unchanged, |db| Item::query().get(db, 1)),
        op!("all", unchanged, |db| Item::query().all(db)),
        op!("count", unchanged, |db| Item::query().count(db)),
        op!("exists", unchanged, |db| Item::query()
            .filter(Item::AMOUNT.gt(1))
            .exists(db)),
        op!("paginate", unchanged, |db| async move {
            let query = Item::query().order_by(Item::ID.asc());
            let page = query.paginate(db, 1, 2, true).await?;
            page.next(&query, db, true).await
        }),
        op!("insert", || with_new_rows(10..=10), |db| async move {
            db.insert(&Item::new(10, 1, 10)).await
        }),
        op!(
            "insert_many",
            // Three statements in one transaction on every backend: 2,500 rows.
            || with_new_rows(10..=2509),
            |db| async move {
                let rows: Vec<Item> = (10..=2509).map(|id| Item::new(id, 1, id)).collect();
                db.insert_many(&rows).await
            }
        ),
        op!(
            "update",
            || with_amounts(|id| if id == 2 { 99 } else { id }),
            |db| async move { db.update(&Item::new(2, 0, 99)).await }
        ),
        op!(
            "delete",
            || {
                let mut after = baseline();
                after.remove(1);
                [baseline(), after]
            },
            |db| async move { db.delete(&Item::new(2, 0, 2)).await }
        ),
        op!("bulk update", || with_amounts(|_| 100), |db| Item::query()
            .filter(Item::OWNER.eq(0))
            .update(db, [Item::AMOUNT.set(100)])),
        op!(
            "bulk delete",
            || [baseline(), Vec::new()],
            |db| async move { Item::query().filter(Item::ID.ge(1)).delete(db).await }
        ),
        op!(
            "session flush and commit",
            || {
                let [before, mut after] = with_new_rows(10..=12);
                after[0].amount = 7;
                [before, after]
            },
            |db| async move {
                let mut session = db.session();
                session.add(Item::new(10, 1, 10));
                session.add(Item::new(11, 1, 11));
                session.flush().await?;
                session.update(Item::new(1, 0, 7));
                session.add(Item::new(12, 1, 12));
                session.commit().await
            }
        ),
        op!(
            "session read and insert",
            || with_new_rows(10..=11),
            |db| async move {
                let mut session = db.session();
                session.add(Item::new(10, 1, 10));
                let seen = session.all(&Item::query()).await?;
                assert_eq!(seen.len(), 4, "the session sees its own insert");
                session.insert(&Item::new(11, 1, 11)).await?;
                session.commit().await
            }
        ),
        op!("session rollback", unchanged, |db| async move {
            let mut session = db.session();
            session.add(Item::new(10, 1, 10));
            session.flush().await?;
            session.rollback().await;
            Ok::<_, Error>(())
        }),
        op!("transaction", || with_new_rows(10..=11), |db| db
            .transaction(|s| {
                Box::pin(async move {
                    s.insert(&Item::new(10, 1, 10)).await?;
                    s.add(Item::new(11, 1, 11));
                    Ok::<_, Error>(())
                })
            })),
        op!("create_all", unchanged, |db| db
            .create_all_in(BindSelection::Default)),
    ]
}

/// What the server holds for the test database: connections and open transactions.
struct Server {
    kind: Kind,
    name: String,
    admin: Admin,
    /// Connections the test harness holds to the database (its catalog inspector).
    others: i64,
}

enum Admin {
    None,
    Postgres(sqlx::PgConnection),
    MySql(sqlx::MySqlConnection),
}

impl Server {
    /// Connects before the pool opens any connection, to count the harness's own.
    async fn connect(kind: Kind, url: &str) -> Server {
        let admin = match kind {
            Kind::Postgres => Admin::Postgres(
                sqlx::PgConnection::connect(&model_tests::databases::postgres_url())
                    .await
                    .unwrap(),
            ),
            Kind::MySql => Admin::MySql(
                sqlx::MySqlConnection::connect(&model_tests::databases::mysql_url())
                    .await
                    .unwrap(),
            ),
            _ => Admin::None,
        };
        let mut server = Server {
            kind,
            name: database_name(url),
            admin,
            others: 0,
        };
        server.others = server.census().await.0;
        server
    }

    /// Connections open to the database, how many of them are inside a transaction, and how
    /// many are running a statement (with no call of the test running, only a statement whose
    /// client gave up on it: the server finishes it, and may commit it, before it notices).
    async fn census(&mut self) -> (i64, i64, i64) {
        match &mut self.admin {
            Admin::None => (0, 0, 0),
            Admin::Postgres(admin) => sqlx::query_as(
                "SELECT count(*), count(*) FILTER (WHERE state LIKE 'idle in transaction%'), \
                 count(*) FILTER (WHERE state = 'active') \
                 FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            )
            .bind(&self.name)
            .fetch_one(admin)
            .await
            .unwrap(),
            Admin::MySql(admin) => {
                let (open, active): (i64, i64) = sqlx::query_as(
                    "SELECT count(*), CAST(COALESCE(SUM(command <> 'Sleep'), 0) AS SIGNED) \
                     FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()",
                )
                .bind(&self.name)
                .fetch_one(&mut *admin)
                .await
                .unwrap();
                let in_transaction: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM information_schema.innodb_trx t \
                     JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id \
                     WHERE p.db = ?",
                )
                .bind(&self.name)
                .fetch_one(admin)
                .await
                .unwrap();
                (open, in_transaction, active)
            }
        }
    }

    /// Waits until the pool holds at most its one connection, no transaction is open and no
    /// abandoned statement still runs: a connection given up on is closed by a task of its
    /// own, and the server finishes the statement it was running, so the server may see it
    /// for a moment longer. Fails the test after 10 s.
    async fn settled(&mut self, after: &str) {
        if matches!(self.admin, Admin::None) {
            // SQLite: no server to ask; the pool's own checks are what the test sees.
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        // Twice in a row, 20 ms apart: a statement written just before its connection was
        // given up on may not have been read by the server at the first look.
        let mut calm = 0;
        loop {
            let (open, in_transaction, active) = self.census().await;
            if open - self.others <= 1 && in_transaction == 0 && active == 0 {
                calm += 1;
                if calm == 2 {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            calm = 0;
            assert!(
                Instant::now() < deadline,
                "{:?} {after}: {open} connections open, {in_transaction} in a transaction, \
                 {active} running a statement",
                self.kind
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// The table, sorted by id; it must be one of `outcomes`.
async fn check_outcome(db: &Database, op: &Operation, after: &str) -> bool {
    let rows = must(
        "reading the table",
        Item::query().order_by(Item::ID.asc()).all(db).await,
    );
    let outcomes = (op.outcomes)();
    assert!(
        outcomes.contains(&rows),
        "{} cut {after}: the table holds neither the state before nor the state after: {} rows, \
         first {:?}",
        op.name,
        rows.len(),
        rows.first()
    );
    rows != baseline()
}

/// After a cut: the next calls answer right, nothing is left open, the write is whole or absent.
async fn check_after(db: &Database, server: &mut Server, op: &Operation, after: &str) {
    server.settled(after).await;
    if check_outcome(db, op, after).await {
        restore_baseline(db).await;
    }
    match Item::query().get(db, 3).await {
        Ok(Some(item)) if item == Item::new(3, 0, 3) => {}
        other => panic!("{} cut {after}: get(3) answered {other:?}", op.name),
    }
    assert_eq!(must("count", Item::query().count(db).await), 3);
}

async fn every_operation_cut_at_every_poll_leaves_everything_in_step(kind: Kind) {
    let _servers = servers::shared().await;
    let Some((_t, url)) = servers::database(kind, "cut_every").await else {
        return;
    };
    let mut server = Server::connect(kind, &url).await;
    let db = servers::connect(&url, pool()).await;
    restore_baseline(&db).await;
    let (mut cuts, mut iterations) = (0, 0);
    for op in operations() {
        // Cut after every number of polls until the operation completes uncut.
        let mut completed = false;
        for polls in 1..=MAX_POLLS {
            iterations += 1;
            let done = cut_after((op.run)(&db), polls).await.is_some();
            let after = format!("after {polls} polls");
            if !done {
                cuts += 1;
            }
            check_after(&db, &mut server, &op, &after).await;
            if done {
                completed = true;
                break;
            }
        }
        assert!(
            completed,
            "{} did not complete in {MAX_POLLS} polls",
            op.name
        );
        // Cut by the clock, at points the poll count does not reach (inside a poll that
        // returned Pending on another thread's progress).
        for micros in [
            0u64, 20, 50, 100, 200, 400, 700, 1000, 1500, 2500, 4000, 7000,
        ] {
            iterations += 1;
            let task = {
                let db = db.clone();
                let run = op.run;
                tokio::spawn(async move { run(&db).await })
            };
            let start = Instant::now();
            while start.elapsed() < Duration::from_micros(micros) {
                std::hint::spin_loop();
            }
            task.abort();
            if let Err(e) = task.await
                && e.is_cancelled()
            {
                cuts += 1;
            }
            check_after(&db, &mut server, &op, &format!("after {micros} µs")).await;
        }
    }
    println!("{kind:?}: {iterations} iterations, {cuts} cancellations, wrong answers: 0");
}

/// A step of a session (flush, insert, a read) cut while the session lives on: the commit that
/// follows commits all of the session's writes or none, never the part that ran before the cut.
async fn a_session_step_cut_then_committed_is_all_or_nothing(kind: Kind) {
    let _servers = servers::shared().await;
    let Some((_t, url)) = servers::database(kind, "cut_session").await else {
        return;
    };
    let mut server = Server::connect(kind, &url).await;
    let db = servers::connect(&url, pool()).await;
    restore_baseline(&db).await;
    let all_or_nothing = || {
        let [before, mut after] = with_new_rows(10..=14);
        after[0].amount = 7;
        [before, after]
    };
    let steps: [(&str, CutStep); 4] = [
        ("first flush", |s| {
            Box::pin(async move { s.flush().await.map(drop) })
        }),
        ("flush", |s| {
            Box::pin(async move { s.flush().await.map(drop) })
        }),
        ("insert", |s| {
            Box::pin(async move { s.insert(&Item::new(13, 1, 13)).await.map(drop) })
        }),
        ("read", |s| {
            Box::pin(async move { s.all(&Item::query()).await.map(drop) })
        }),
    ];
    let (mut cuts, mut refused) = (0, 0);
    for (name, step) in steps {
        for polls in 1..=MAX_POLLS {
            let mut session = db.session();
            session.add(Item::new(10, 1, 10));
            if name == "first flush" {
                // Nothing ran yet: the cut may fall before the transaction exists.
                session.add(Item::new(11, 1, 11));
            } else {
                session.insert(&Item::new(11, 1, 11)).await.unwrap();
            }
            // Three statements for the flush: an insert, an update, an insert.
            session.add(Item::new(12, 1, 12));
            session.update(Item::new(1, 0, 7));
            session.add(Item::new(14, 1, 14));
            let done = cut_after(step(&mut session), polls).await.is_some();
            if name != "insert" {
                session.add(Item::new(13, 1, 13));
            } else if !done {
                // Cut: the row may or may not be in the transaction; the session must not
                // commit the rest as if the step had not happened.
                session.add(Item::new(13, 1, 13));
            }
            let committed = session.commit().await;
            let after = format!("{name} cut after {polls} polls, then committed ({committed:?})");
            server.settled(&after).await;
            let rows = must(
                "reading",
                Item::query().order_by(Item::ID.asc()).all(&db).await,
            );
            let outcomes = all_or_nothing();
            match &committed {
                Ok(()) => assert_eq!(rows, outcomes[1], "{after}"),
                Err(_) => assert_eq!(rows, outcomes[0], "{after}"),
            }
            if !done {
                cuts += 1;
                refused += usize::from(committed.is_err());
            }
            if rows != baseline() {
                restore_baseline(&db).await;
            }
            if done {
                break;
            }
        }
    }
    println!("{kind:?}: {cuts} session steps cut, {refused} commits refused after a cut");
}

type CutStep = for<'a> fn(
    &'a mut model_core::Session,
) -> Pin<Box<dyn Future<Output = Result<(), Error>> + Send + 'a>>;

#[test]
fn cutting_after_k_polls_drops_the_future() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let slow = async {
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
            5
        };
        assert_eq!(cut_after(slow, 2).await, None);
        let slow = async {
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
            5
        };
        assert_eq!(cut_after(slow, 3).await, Some(5));
    });
}
