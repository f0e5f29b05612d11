//! The pool's state machine against a scripted fake connection: no server needed. Each test
//! reads what the pool did to its connections (opened, pinged, rolled back, closed) from the
//! fake's event log.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;

use super::{Manager, Pool, State};
use super::{PoolConfig, PrePing};
use crate::driver::health::Health;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    Opened(u32),
    Pinged(u32),
    RolledBack(u32),
    Closed { id: u32, healthy: bool },
}

/// What the fake's connections do; shared with the test, which changes it between steps.
#[derive(Default)]
struct Script {
    events: Vec<Event>,
    /// How long a ping takes.
    ping_for: Duration,
    /// What the next connects fail with.
    refuse: Option<std::io::ErrorKind>,
    /// The idle limit the server of new connections reports.
    server_idle_limit: Option<Duration>,
}

/// A fake backend; `REUSABLE` plays SQLite (a connection recovers from abandoned work).
struct Fake<const REUSABLE: bool> {
    script: Arc<Mutex<Script>>,
    next_id: AtomicU32,
}

struct FakeConn {
    id: u32,
    script: Arc<Mutex<Script>>,
}

fn log(script: &Mutex<Script>, event: Event) {
    script.lock().unwrap().events.push(event);
}

impl<const REUSABLE: bool> Manager for Fake<REUSABLE> {
    type Conn = FakeConn;
    const REUSABLE_AFTER_CANCEL: bool = REUSABLE;

    async fn connect(&self) -> Result<(FakeConn, Option<Duration>), sqlx::Error> {
        let (refuse, limit) = {
            let script = self.script.lock().unwrap();
            (script.refuse, script.server_idle_limit)
        };
        if let Some(kind) = refuse {
            return Err(sqlx::Error::Io(kind.into()));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        log(&self.script, Event::Opened(id));
        let conn = FakeConn {
            id,
            script: self.script.clone(),
        };
        Ok((conn, limit))
    }

    async fn ping(conn: &mut FakeConn) -> Result<(), sqlx::Error> {
        let wait = conn.script.lock().unwrap().ping_for;
        tokio::time::sleep(wait).await;
        log(&conn.script, Event::Pinged(conn.id));
        Ok(())
    }

    fn rollback<'c>(&self, conn: &'c mut FakeConn) -> BoxFuture<'c, Result<(), sqlx::Error>> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            log(&conn.script, Event::RolledBack(conn.id));
            Ok(())
        })
    }

    async fn close(conn: FakeConn, healthy: bool) {
        log(
            &conn.script,
            Event::Closed {
                id: conn.id,
                healthy,
            },
        );
    }
}

struct Harness<const REUSABLE: bool> {
    pool: Pool<Fake<REUSABLE>>,
    script: Arc<Mutex<Script>>,
}

impl<const REUSABLE: bool> Harness<REUSABLE> {
    fn new(config: PoolConfig) -> Self {
        let script = Arc::new(Mutex::new(Script::default()));
        let fake = Fake {
            script: script.clone(),
            next_id: AtomicU32::new(0),
        };
        Harness {
            pool: Pool::new(fake, config, None, Arc::new(Health::new())),
            script,
        }
    }

    /// The events so far, and forgets them.
    fn events(&self) -> Vec<Event> {
        std::mem::take(&mut self.script.lock().unwrap().events)
    }

    /// Lets spawned tasks (closing, rolling back) run.
    async fn settle(&self) {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    /// Acquires a connection and says which one it is.
    async fn acquire_id(&self) -> u32 {
        let conn = self.pool.acquire().await.expect("acquire");
        conn.conn.as_ref().map(|c| c.id).expect("a connection")
    }
}

fn one_connection() -> PoolConfig {
    PoolConfig::default()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
}

fn ok() -> Result<(), sqlx::Error> {
    Ok(())
}

#[tokio::test]
async fn a_finished_statement_goes_back_as_it_is() {
    let h = Harness::<false>::new(one_connection());
    let mut conn = h.pool.acquire().await.unwrap();
    conn.begin_statement().unwrap();
    conn.end_statement(&ok());
    assert_eq!(conn.state(), State::Clean);
    drop(conn);
    assert_eq!(h.acquire_id().await, 1);
    h.settle().await;
    assert_eq!(
        h.events(),
        [Event::Opened(1)],
        "no ping, no rollback, no close"
    );
}

#[tokio::test]
async fn a_connection_cut_during_its_ping_is_closed_not_handed_out() {
    let h = Harness::<false>::new(one_connection().pre_ping(PrePing::Always));
    assert_eq!(h.acquire_id().await, 1);
    h.script.lock().unwrap().ping_for = Duration::from_millis(200);
    let cut = tokio::time::timeout(Duration::from_millis(20), h.pool.acquire()).await;
    assert!(cut.is_err(), "the acquire was cut during its ping");
    h.settle().await;
    assert_eq!(
        h.events(),
        [
            Event::Opened(1),
            Event::Closed {
                id: 1,
                healthy: false
            }
        ],
        "the ping's answer was never read: the connection must not be reused"
    );
    h.script.lock().unwrap().ping_for = Duration::ZERO;
    assert_eq!(h.acquire_id().await, 2);
}

#[tokio::test]
async fn work_abandoned_midway_closes_a_server_connection() {
    let h = Harness::<false>::new(one_connection());
    let mut conn = h.pool.acquire().await.unwrap();
    conn.begin_statement().unwrap();
    drop(conn);
    h.settle().await;
    assert_eq!(
        h.events(),
        [
            Event::Opened(1),
            Event::Closed {
                id: 1,
                healthy: false
            }
        ]
    );
    assert_eq!(h.acquire_id().await, 2);
}

#[tokio::test]
async fn work_abandoned_midway_on_a_reusable_connection_is_rolled_back_and_kept() {
    let h = Harness::<true>::new(one_connection());
    let mut conn = h.pool.acquire().await.unwrap();
    conn.begin_statement().unwrap();
    drop(conn);
    // The acquire waits for the rollback: the rolling-back task holds the only slot.
    assert_eq!(h.acquire_id().await, 1);
    assert_eq!(h.events(), [Event::Opened(1), Event::RolledBack(1)]);
}

#[tokio::test]
async fn an_open_transaction_is_rolled_back_before_reuse() {
    let h = Harness::<false>::new(one_connection());
    let mut conn = h.pool.acquire().await.unwrap();
    conn.begin_statement().unwrap();
    conn.end_statement(&ok());
    conn.set_in_transaction(true);
    assert_eq!(conn.state(), State::InTransaction);
    drop(conn);
    assert_eq!(h.acquire_id().await, 1);
    assert_eq!(h.events(), [Event::Opened(1), Event::RolledBack(1)]);
}

#[tokio::test]
async fn a_connection_whose_work_was_abandoned_refuses_the_next_statement() {
    let h = Harness::<false>::new(one_connection());
    let mut conn = h.pool.acquire().await.unwrap();
    conn.set_in_transaction(true);
    conn.begin_statement().unwrap();
    // The caller's future was dropped here in real use; a later statement of the same
    // transaction would read the abandoned one's answer.
    let refused = conn.begin_statement().err().expect("refused").to_string();
    assert!(refused.contains("cancelled or abandoned"), "{refused}");
    // A decode failure (an error with no sqlx cause) leaves the rows unread: still refused.
    conn.end_statement::<(), _>(&Err(crate::driver::DriverError::Decode(
        crate::row::DecodeError::new(0, "bad"),
    )));
    assert!(conn.begin_statement().is_err());
}

#[tokio::test]
async fn a_lost_connection_is_closed() {
    let h = Harness::<false>::new(one_connection());
    let mut conn = h.pool.acquire().await.unwrap();
    conn.begin_statement().unwrap();
    let lost: Result<(), sqlx::Error> =
        Err(sqlx::Error::Io(std::io::ErrorKind::ConnectionReset.into()));
    conn.end_statement(&lost);
    assert_eq!(conn.state(), State::Broken);
    drop(conn);
    h.settle().await;
    assert_eq!(
        h.events(),
        [
            Event::Opened(1),
            Event::Closed {
                id: 1,
                healthy: false
            }
        ]
    );
}

#[tokio::test]
async fn a_refused_connection_fails_at_once_with_its_cause() {
    let h = Harness::<false>::new(PoolConfig::default().acquire_timeout(Duration::from_secs(30)));
    h.script.lock().unwrap().refuse = Some(std::io::ErrorKind::ConnectionRefused);
    let started = Instant::now();
    let error = h.pool.acquire().await.expect_err("refused");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(
        matches!(&error, sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_busy_pool_times_out_after_the_acquire_timeout() {
    let h = Harness::<false>::new(one_connection().acquire_timeout(Duration::from_millis(50)));
    let held = h.pool.acquire().await.unwrap();
    let error = h.pool.acquire().await.expect_err("timed out");
    assert!(matches!(error, sqlx::Error::PoolTimedOut), "{error:?}");
    drop(held);
    assert_eq!(h.acquire_id().await, 1);
}

#[tokio::test]
async fn close_waits_at_most_the_acquire_timeout_for_connections_in_use() {
    let h = Harness::<false>::new(one_connection().acquire_timeout(Duration::from_millis(50)));
    let held = h.pool.acquire().await.unwrap();
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(5), h.pool.close())
        .await
        .expect("close returned although a connection was never given back");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(matches!(
        h.pool.acquire().await,
        Err(sqlx::Error::PoolClosed)
    ));
    drop(held);
    h.settle().await;
    assert_eq!(
        h.events(),
        [
            Event::Opened(1),
            Event::Closed {
                id: 1,
                healthy: true
            }
        ],
        "a connection given back after close is closed"
    );
}

#[test]
fn housekeeping_starts_again_on_a_new_runtime() {
    let h = Harness::<false>::new(one_connection().idle_timeout(Some(Duration::from_secs(60))));
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let first = runtime();
    first.block_on(async {
        h.pool.acquire().await.unwrap();
    });
    // Only the slow path (a new connection) starts it; the fast path takes an idle one.
    assert!(h.pool.shared.housekeeping_task().is_some());
    drop(first);
    let second = runtime();
    second.block_on(async {
        // Make the next acquire take the slow path.
        let held = h.pool.acquire().await.unwrap();
        drop(held);
        let _ = h.pool.shared.idle().drain(..).collect::<Vec<_>>();
        h.pool.shared.size.store(0, Ordering::Relaxed);
        h.pool.acquire().await.unwrap();
        let task = h.pool.shared.housekeeping_task();
        assert!(
            task.as_ref().is_some_and(|task| !task.is_finished()),
            "housekeeping runs on the runtime in use"
        );
    });
}

#[tokio::test]
async fn a_connection_idle_near_the_servers_limit_is_closed_not_handed_out() {
    let h = Harness::<false>::new(one_connection());
    h.script.lock().unwrap().server_idle_limit = Some(Duration::from_millis(800));
    assert_eq!(h.acquire_id().await, 1);
    // Well within the limit (it stops at 600 ms): reused as it is, no ping.
    assert_eq!(h.acquire_id().await, 1);
    // Past three quarters of it: the server is about to close it, so it is not handed out.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(h.acquire_id().await, 2);
    h.settle().await;
    // Closing happens in a task of its own, so after or before the next open.
    let mut events = h.events();
    events.sort_by_key(|e| format!("{e:?}"));
    assert_eq!(
        events,
        [
            Event::Closed {
                id: 1,
                healthy: true
            },
            Event::Opened(1),
            Event::Opened(2)
        ]
    );
}

#[tokio::test]
async fn retired_connections_are_closed_and_replaced_whether_idle_or_in_use() {
    let h = Harness::<false>::new(PoolConfig::default().max_connections(2));
    let idle = h.pool.acquire().await.unwrap();
    let in_use = h.pool.acquire().await.unwrap();
    drop(idle);
    h.pool.retire_connections();
    // The idle one is closed when next handed out, the one in use when it comes back; the
    // pool opens new ones in their place.
    drop(in_use);
    let first = h.acquire_id().await;
    let second = h.pool.acquire().await.unwrap();
    assert!(first > 2, "a new connection, not #{first}");
    assert!(second.conn.as_ref().is_some_and(|c| c.id > 2));
    drop(second);
    h.settle().await;
    let closed: Vec<u32> = h
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Closed { id, healthy: true } => Some(id),
            _ => None,
        })
        .collect();
    let mut closed_sorted = closed.clone();
    closed_sorted.sort_unstable();
    assert_eq!(closed_sorted, [1, 2], "both retired, healthy: {closed:?}");
    // Connections opened after the retirement stay.
    let again = h.acquire_id().await;
    assert!(again > 2);
}
