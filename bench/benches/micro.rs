//! divan micro-benchmarks of model-core's CPU-only paths, with allocation counts:
//!
//! - `render_select`: building a filtered, ordered, limited query and rendering it to SQL
//!   (`Select::to_sql`) for each dialect;
//! - `render_insert`: turning a model into its bound values (`ColumnGroup::push_values`) and
//!   writing the INSERT text with the dialect's quoting and placeholders. model-core has no
//!   public way to render an INSERT, so this mirrors what `db.insert` does internally;
//! - `insert_one`: `db.insert` against raw sqlx on an in-memory SQLite database;
//! - `decode`: reading 1,000 rows of an in-memory SQLite table into owned structs, ours
//!   (`User::query().all`) against raw sqlx (`query_as` into tuples).
//! - `get_by_pk`: one lookup by primary key, ours against raw sqlx (pool and connection) and
//!   rusqlite; run under `valgrind --tool=callgrind` to see where SQLite's time goes.
//! - `server_get`: one lookup by primary key over loopback on PostgreSQL and MariaDB, ours
//!   against raw sqlx on one connection: the per-query overhead of the round-trip cells (W1),
//!   long enough to profile (`perf record`, callgrind) one contender alone. Servers come from
//!   `MODEL_TEST_POSTGRES_URL` / `MODEL_TEST_MYSQL_URL` (the test defaults); each run creates
//!   and drops its own database, and is skipped, saying why, when its server is unreachable.
//! - `server_insert_sizes`: `insert_many` on PostgreSQL of batches whose size changes every
//!   call (32 to 231 rows, more sizes than sqlx's cache of 100 prepared statements), ours
//!   against raw sqlx's `QueryBuilder::push_values` on one connection. Listed values make a
//!   text per size, which the cache cannot keep; ours binds arrays, one text for every size.
//!
//! - `pool_get`: the same lookup through raw sqlx on a connection taken from each well-kept pool
//!   (sqlx's own `Pool` without its per-acquire ping, deadpool, bb8), one caller at a time and
//!   four tasks on a pool of four (W1 and W13's shapes): what each pool adds to `sqlx_conn`,
//!   set beside what ours adds in `server_get` and `pool_get::ours_four_tasks`.
//!
//! Run with `cargo bench -p model-bench --bench micro`. Allocation counts cover the
//! benchmarked thread only: sqlx builds SQLite rows on its worker thread, so the `decode`
//! numbers show what each library allocates on the caller's side (per row: the owned strings,
//! and whatever the library adds).

use chrono::{NaiveDate, NaiveDateTime};
use divan::{Bencher, black_box};
use model_core::dialect::{Dialect, MySqlDialect, PostgresDialect, SqliteDialect};
use model_core::{ColumnGroup, Database, Model, Value};
use sqlx::{Connection, SqliteConnection};
use tokio::runtime::Runtime;

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

/// The users table of the comparison benchmark.
#[derive(Model, Debug, Clone, Default)]
#[model(table = "users")]
struct User {
    #[column(primary_key)]
    id: model_core::Auto<i64>,
    name: String,
    #[column(index)]
    hair_color: Option<String>,
    created_at: NaiveDateTime,
}

fn user(i: i64) -> User {
    User {
        id: i.into(),
        name: format!("User {i}"),
        hair_color: ["black", "brown"]
            .get((i % 3) as usize)
            .map(|c| (*c).to_owned()),
        created_at: NaiveDate::from_ymd_opt(2024, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("valid date")
            + chrono::TimeDelta::seconds(i),
    }
}

const DIALECTS: [&str; 3] = ["sqlite", "postgres", "mysql"];

fn dialect(name: &str) -> &'static dyn Dialect {
    match name {
        "sqlite" => &SqliteDialect,
        "postgres" => &PostgresDialect,
        _ => &MySqlDialect,
    }
}

/// `WHERE hair_color = ? AND id BETWEEN ? AND ? ORDER BY name LIMIT 50 OFFSET ?`: build and render.
#[divan::bench(args = DIALECTS)]
fn render_select(bencher: Bencher, name: &str) {
    let d = dialect(name);
    bencher.bench_local(|| {
        let query = User::query()
            .filter(User::HAIR_COLOR.eq(black_box("brown")))
            .filter(User::ID.between(black_box(100), black_box(5_000)))
            .order_by(User::NAME.asc())
            .limit(50)
            .offset(black_box(200));
        query.to_sql(d)
    });
}

/// Only the rendering of an already-built query (the part a statement cache would skip).
#[divan::bench(args = DIALECTS)]
fn render_select_prebuilt(bencher: Bencher, name: &str) {
    let d = dialect(name);
    let query = User::query()
        .filter(User::HAIR_COLOR.eq("brown"))
        .filter(User::ID.between(100, 5_000))
        .order_by(User::NAME.asc())
        .limit(50)
        .offset(200);
    bencher.bench_local(|| black_box(&query).to_sql(d));
}

/// A model's values and its `INSERT INTO "users" (...) VALUES (...)` text.
#[divan::bench(args = DIALECTS)]
fn render_insert(bencher: Bencher, name: &str) {
    let d = dialect(name);
    let row = user(42);
    let table = User::TABLE;
    bencher.bench_local(|| {
        let mut values: Vec<Value> = Vec::with_capacity(4);
        black_box(&row).push_values(&mut values);
        let mut sql = String::from("INSERT INTO ");
        d.push_ident(&mut sql, table.name());
        sql.push_str(" (");
        let names: Vec<&str> = table.columns().iter().map(|c| c.name()).collect();
        for (i, column) in names.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            d.push_ident(&mut sql, column);
        }
        sql.push_str(") VALUES (");
        for i in 0..values.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            d.push_placeholder(&mut sql, i + 1);
        }
        sql.push(')');
        (sql, values)
    });
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

const DDL: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT, created_at DATETIME NOT NULL)";

/// An in-memory database of ours with `rows` users.
fn ours_db(rt: &Runtime, rows: i64) -> Database {
    rt.block_on(async {
        let db = Database::connect("sqlite::memory:").await.expect("connect");
        db.create_all().await.expect("create_all");
        let users: Vec<User> = (1..=rows).map(user).collect();
        db.insert_many(&users).await.expect("insert_many");
        db
    })
}

/// A raw sqlx in-memory connection with `rows` users.
fn sqlx_conn(rt: &Runtime, rows: i64) -> SqliteConnection {
    rt.block_on(async {
        let mut conn = SqliteConnection::connect("sqlite::memory:")
            .await
            .expect("connect");
        seed(&mut conn, rows).await;
        conn
    })
}

/// Creates the users table on `conn` and fills it with `rows` users, through raw sqlx.
async fn seed(conn: &mut SqliteConnection, rows: i64) {
    sqlx::query(DDL).execute(&mut *conn).await.expect("ddl");
    for i in 1..=rows {
        let u = user(i);
        sqlx::query("INSERT INTO users (id, name, hair_color, created_at) VALUES (?, ?, ?, ?)")
            .bind(*u.id)
            .bind(u.name)
            .bind(u.hair_color)
            .bind(u.created_at)
            .execute(&mut *conn)
            .await
            .expect("insert");
    }
}

type UserTuple = (i64, String, Option<String>, NaiveDateTime);

/// Rows in the tables the lookup benchmarks (`get_by_pk`, `server_get`) read.
const LOOKUP_ROWS: i64 = 1_000;

/// The ids looked up, in a fixed scattered order.
fn next_id(i: &mut i64) -> i64 {
    *i = (*i * 7 + 13) % LOOKUP_ROWS;
    *i + 1
}

/// Times ours' `get` of one row of `db`'s users by primary key.
fn bench_ours_get(bencher: Bencher, rt: &Runtime, db: &Database) {
    let mut i = 0;
    bencher.bench_local(|| {
        let id = next_id(&mut i);
        let found = rt.block_on(User::query().get(db, id)).expect("get");
        assert_eq!(found.as_ref().map(|u| *u.id), Some(id));
        found
    });
}

/// 1,000 rows into owned structs.
mod decode {
    use super::*;

    const ROWS: i64 = 1_000;

    #[divan::bench]
    fn ours(bencher: Bencher) {
        let rt = runtime();
        let db = ours_db(&rt, ROWS);
        bencher
            .counter(divan::counter::ItemsCount::new(ROWS as usize))
            .bench_local(|| {
                let rows = rt.block_on(User::query().all(&db)).expect("query");
                assert_eq!(rows.len(), ROWS as usize);
                rows
            });
    }

    #[divan::bench]
    fn sqlx(bencher: Bencher) {
        let rt = runtime();
        let mut conn = sqlx_conn(&rt, ROWS);
        bencher
            .counter(divan::counter::ItemsCount::new(ROWS as usize))
            .bench_local(|| {
                let rows: Vec<User> = rt
                    .block_on(
                        sqlx::query_as::<_, UserTuple>(
                            "SELECT id, name, hair_color, created_at FROM users",
                        )
                        .fetch_all(&mut conn),
                    )
                    .expect("query")
                    .into_iter()
                    .map(|(id, name, hair_color, created_at)| User {
                        id: id.into(),
                        name,
                        hair_color,
                        created_at,
                    })
                    .collect();
                assert_eq!(rows.len(), ROWS as usize);
                rows
            });
    }
}

/// One autocommitted insert of a new row.
mod insert_one {
    use super::*;

    #[divan::bench]
    fn ours(bencher: Bencher) {
        let rt = runtime();
        let db = ours_db(&rt, 0);
        let row = User {
            id: model_core::Auto::unset(),
            ..user(7)
        };
        bencher.bench_local(|| rt.block_on(db.insert(&row)).expect("insert"));
    }

    #[divan::bench]
    fn sqlx(bencher: Bencher) {
        let rt = runtime();
        let mut conn = sqlx_conn(&rt, 0);
        let row = user(7);
        bencher.bench_local(|| {
            rt.block_on(
                sqlx::query("INSERT INTO users (name, hair_color, created_at) VALUES (?, ?, ?)")
                    .bind(row.name.as_str())
                    .bind(row.hair_color.as_deref())
                    .bind(row.created_at)
                    .execute(&mut conn),
            )
            .expect("insert")
        });
    }
}

/// One lookup by primary key in a table of 1,000 rows: ours, raw sqlx on a pool and on one
/// connection, and rusqlite with a cached statement (the floor). The sqlx paths pay a trip to
/// sqlx's SQLite worker thread and back per statement; rusqlite runs on the caller's thread.
mod get_by_pk {
    use super::*;

    const ROWS: i64 = LOOKUP_ROWS;
    const GET: &str = "SELECT id, name, hair_color, created_at FROM users WHERE id = ?";

    #[divan::bench]
    fn ours(bencher: Bencher) {
        let rt = runtime();
        let db = ours_db(&rt, ROWS);
        bench_ours_get(bencher, &rt, &db);
    }

    #[divan::bench]
    fn sqlx_pool(bencher: Bencher) {
        let rt = runtime();
        // One connection: the in-memory database lives in it.
        let pool = rt.block_on(async {
            let pool = sqlx::pool::PoolOptions::<sqlx::Sqlite>::new()
                .max_connections(1)
                .test_before_acquire(false)
                .connect_with(sqlx::sqlite::SqliteConnectOptions::new().in_memory(true))
                .await
                .expect("pool");
            seed(&mut pool.acquire().await.expect("acquire"), ROWS).await;
            pool
        });
        let mut i = 0;
        bencher.bench_local(|| {
            let id = next_id(&mut i);
            let found = rt
                .block_on(
                    sqlx::query_as::<_, UserTuple>(GET)
                        .bind(id)
                        .fetch_optional(&pool),
                )
                .expect("get");
            assert_eq!(found.as_ref().map(|u| u.0), Some(id));
            found
        });
    }

    #[divan::bench]
    fn sqlx_conn(bencher: Bencher) {
        let rt = runtime();
        let mut conn = super::sqlx_conn(&rt, ROWS);
        let mut i = 0;
        bencher.bench_local(|| {
            let id = next_id(&mut i);
            let found = rt
                .block_on(
                    sqlx::query_as::<_, UserTuple>(GET)
                        .bind(id)
                        .fetch_optional(&mut conn),
                )
                .expect("get");
            assert_eq!(found.as_ref().map(|u| u.0), Some(id));
            found
        });
    }

    #[divan::bench]
    fn rusqlite(bencher: Bencher) {
        let conn = rusqlite::Connection::open_in_memory().expect("open");
        conn.execute(DDL, []).expect("ddl");
        for i in 1..=ROWS {
            let u = user(i);
            conn.execute(
                "INSERT INTO users VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![*u.id, u.name, u.hair_color, u.created_at],
            )
            .expect("insert");
        }
        let mut i = 0;
        bencher.bench_local(|| {
            let id = next_id(&mut i);
            let mut stmt = conn.prepare_cached(GET).expect("prepare");
            let found = stmt
                .query_row([id], |r| {
                    Ok(User {
                        id: model_core::Auto::set(r.get(0)?),
                        name: r.get(1)?,
                        hair_color: r.get(2)?,
                        created_at: r.get(3)?,
                    })
                })
                .expect("get");
            assert_eq!(found.id, id);
            found
        });
    }
}

/// One lookup by primary key over loopback (PostgreSQL, MariaDB) in a table of 1,000 rows:
/// ours against raw sqlx on one connection, the same SQL shape and the same owned struct.
mod server_get {
    use super::*;
    use sqlx::{MySqlConnection, PgConnection};

    const ROWS: i64 = LOOKUP_ROWS;
    const SERVERS: [&str; 2] = ["postgres", "mysql"];

    /// The server's URL (a database the benchmark may create others next to).
    fn server_url(backend: &str) -> String {
        let (var, default) = match backend {
            "postgres" => (
                "MODEL_TEST_POSTGRES_URL",
                "postgres://postgres@127.0.0.1:5432/test",
            ),
            _ => ("MODEL_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"),
        };
        std::env::var(var).unwrap_or_else(|_| default.to_owned())
    }

    /// A fresh database of its own on `backend`'s server, seeded through ours, and its URL;
    /// `None` (after saying why) when the server is unreachable.
    pub(super) fn scratch(
        rt: &Runtime,
        backend: &str,
        who: &str,
    ) -> Option<(Database, String, Scratch)> {
        let admin = server_url(backend);
        let name = format!("model_micro_{}_{who}", std::process::id());
        let scratch = match rt.block_on(Scratch::create(backend, &admin, &name)) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("server_get/{backend}: skipped, {admin} is unreachable: {e}");
                return None;
            }
        };
        let url = scratch.url.clone();
        let db = rt.block_on(async {
            let db = Database::connect(&url).await.expect("connect");
            db.create_all().await.expect("create_all");
            let users: Vec<User> = (1..=ROWS).map(user).collect();
            db.insert_many(&users).await.expect("insert_many");
            db
        });
        Some((db, url, scratch))
    }

    /// A database created for one benchmark and dropped when it is done.
    pub(super) struct Scratch {
        backend: &'static str,
        admin: String,
        name: String,
        url: String,
    }

    impl Scratch {
        async fn create(backend: &str, admin: &str, name: &str) -> Result<Scratch, sqlx::Error> {
            let base = admin.rsplit_once('/').map_or(admin, |(base, _)| base);
            let scratch = Scratch {
                backend: if backend == "postgres" {
                    "postgres"
                } else {
                    "mysql"
                },
                admin: admin.to_owned(),
                name: name.to_owned(),
                url: format!("{base}/{name}"),
            };
            scratch
                .admin_sql(&format!("DROP DATABASE IF EXISTS {name}"))
                .await?;
            scratch
                .admin_sql(&format!("CREATE DATABASE {name}"))
                .await?;
            Ok(scratch)
        }

        async fn admin_sql(&self, sql: &str) -> Result<(), sqlx::Error> {
            // The database name is ours (the process id and a fixed word), never user input.
            let sql = sqlx::AssertSqlSafe(sql.to_owned());
            if self.backend == "postgres" {
                let mut conn = PgConnection::connect(&self.admin).await?;
                sqlx::raw_sql(sql).execute(&mut conn).await?;
            } else {
                let mut conn = MySqlConnection::connect(&self.admin).await?;
                sqlx::raw_sql(sql).execute(&mut conn).await?;
            }
            Ok(())
        }

        pub(super) fn drop_with(self, rt: &Runtime) {
            let sql = if self.backend == "postgres" {
                format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)
            } else {
                format!("DROP DATABASE IF EXISTS {}", self.name)
            };
            rt.block_on(self.admin_sql(&sql))
                .expect("drop the scratch database");
        }
    }

    #[divan::bench(args = SERVERS)]
    fn ours(bencher: Bencher, backend: &str) {
        let rt = runtime();
        let Some((db, _, scratch)) = scratch(&rt, backend, "ours") else {
            return;
        };
        bench_ours_get(bencher, &rt, &db);
        rt.block_on(db.close());
        scratch.drop_with(&rt);
    }

    #[divan::bench(args = SERVERS)]
    fn sqlx_conn(bencher: Bencher, backend: &str) {
        let rt = runtime();
        let Some((db, url, scratch)) = scratch(&rt, backend, "sqlx") else {
            return;
        };
        rt.block_on(db.close());
        let mut i = 0;
        macro_rules! lookups {
            ($conn:ty, $sql:literal) => {{
                let mut conn = rt.block_on(<$conn>::connect(&url)).expect("connect");
                bencher.bench_local(|| {
                    let id = next_id(&mut i);
                    let found = rt
                        .block_on(
                            sqlx::query_as::<_, UserTuple>($sql)
                                .bind(id)
                                .fetch_optional(&mut conn),
                        )
                        .expect("get")
                        .map(|(id, name, hair_color, created_at)| User {
                            id: id.into(),
                            name,
                            hair_color,
                            created_at,
                        });
                    assert_eq!(found.as_ref().map(|u| *u.id), Some(id));
                    found
                });
                rt.block_on(conn.close()).expect("close");
            }};
        }
        if backend == "postgres" {
            lookups!(
                PgConnection,
                "SELECT id, name, hair_color, created_at FROM users WHERE id = $1"
            );
        } else {
            lookups!(
                MySqlConnection,
                "SELECT id, name, hair_color, created_at FROM users WHERE id = ?"
            );
        }
        scratch.drop_with(&rt);
    }
}

mod server_insert_sizes {
    use super::server_get::scratch;
    use super::*;
    use sqlx::PgConnection;

    /// The batch sizes, taken in turn: 200 of them.
    const SIZES: std::ops::RangeInclusive<usize> = 32..=231;

    /// The next batch: `SIZES` in turn, of users with ids not used before.
    fn batches() -> impl FnMut() -> Vec<User> {
        let mut sizes = SIZES.cycle();
        let mut next_id = LOOKUP_ROWS;
        move || {
            let size = sizes.next().expect("cycle");
            let batch = (next_id + 1..=next_id + size as i64).map(user).collect();
            next_id += size as i64;
            batch
        }
    }

    #[divan::bench]
    fn ours(bencher: Bencher) {
        let rt = runtime();
        let Some((db, _, scratch)) = scratch(&rt, "postgres", "ours_sizes") else {
            return;
        };
        bencher
            .with_inputs(batches())
            .bench_local_values(|batch: Vec<User>| {
                let inserted = rt.block_on(db.insert_many(&batch)).expect("insert_many");
                assert_eq!(inserted, batch.len() as u64);
            });
        rt.block_on(db.close());
        scratch.drop_with(&rt);
    }

    #[divan::bench]
    fn sqlx_conn(bencher: Bencher) {
        let rt = runtime();
        let Some((db, url, scratch)) = scratch(&rt, "postgres", "sqlx_sizes") else {
            return;
        };
        rt.block_on(db.close());
        let mut conn = rt.block_on(PgConnection::connect(&url)).expect("connect");
        bencher
            .with_inputs(batches())
            .bench_local_values(|batch: Vec<User>| {
                let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                    "INSERT INTO users (id, name, hair_color, created_at) ",
                );
                qb.push_values(&batch, |mut b, u| {
                    b.push_bind(*u.id)
                        .push_bind(u.name.as_str())
                        .push_bind(u.hair_color.as_deref())
                        .push_bind(u.created_at);
                });
                let done = rt.block_on(qb.build().execute(&mut conn)).expect("insert");
                assert_eq!(done.rows_affected(), batch.len() as u64);
            });
        rt.block_on(conn.close()).expect("close");
        scratch.drop_with(&rt);
    }
}

/// Raw sqlx lookups on a connection from each pool: the cost of the pool alone.
mod pool_get {
    use super::server_get::scratch;
    use super::*;
    use sqlx::{MySqlConnection, PgConnection};

    const SERVERS: [&str; 2] = ["postgres", "mysql"];
    /// Lookups per task in the four-task runs.
    const PER_TASK: usize = 50;

    /// Opens sqlx connections for deadpool and bb8; checks nothing on checkout (the setting
    /// ours and the `sqlx` contender use).
    struct Opener<C> {
        url: String,
        _conn: std::marker::PhantomData<fn() -> C>,
    }

    impl<C: Connection> deadpool::managed::Manager for Opener<C> {
        type Type = C;
        type Error = sqlx::Error;
        async fn create(&self) -> Result<C, sqlx::Error> {
            C::connect(&self.url).await
        }
        async fn recycle(
            &self,
            _: &mut C,
            _: &deadpool::managed::Metrics,
        ) -> deadpool::managed::RecycleResult<sqlx::Error> {
            Ok(())
        }
    }

    impl<C: Connection + 'static> bb8::ManageConnection for Opener<C> {
        type Connection = C;
        type Error = sqlx::Error;
        async fn connect(&self) -> Result<C, sqlx::Error> {
            C::connect(&self.url).await
        }
        async fn is_valid(&self, _: &mut C) -> Result<(), sqlx::Error> {
            Ok(())
        }
        fn has_broken(&self, _: &mut C) -> bool {
            false
        }
    }

    fn opener<C>(url: &str) -> Opener<C> {
        Opener {
            url: url.to_owned(),
            _conn: std::marker::PhantomData,
        }
    }

    /// One pool of each kind over `$conn`, and a lookup through each: `$get(&pool, id)`.
    macro_rules! pools {
        ($module:ident, $conn:ty, $db:ty, $sql:literal) => {
            mod $module {
                use super::*;

                pub enum Pool {
                    Sqlx(sqlx::Pool<$db>),
                    Deadpool(deadpool::managed::Pool<Opener<$conn>>),
                    Bb8(bb8::Pool<Opener<$conn>>),
                }

                pub async fn open(kind: &str, url: &str, size: u32) -> Pool {
                    match kind {
                        "sqlx" => Pool::Sqlx(
                            sqlx::pool::PoolOptions::<$db>::new()
                                .max_connections(size)
                                .test_before_acquire(false)
                                .connect(url)
                                .await
                                .expect("sqlx pool"),
                        ),
                        "deadpool" => Pool::Deadpool(
                            deadpool::managed::Pool::builder(opener(url))
                                .max_size(size as usize)
                                .build()
                                .expect("deadpool"),
                        ),
                        _ => Pool::Bb8(
                            bb8::Pool::builder()
                                .max_size(size)
                                .test_on_check_out(false)
                                .build(opener(url))
                                .await
                                .expect("bb8"),
                        ),
                    }
                }

                pub async fn get(pool: &Pool, id: i64) -> Option<UserTuple> {
                    let query = sqlx::query_as::<_, UserTuple>($sql).bind(id);
                    match pool {
                        Pool::Sqlx(pool) => query.fetch_optional(pool).await,
                        Pool::Deadpool(pool) => {
                            let mut conn = pool.get().await.expect("deadpool checkout");
                            query.fetch_optional(&mut *conn).await
                        }
                        Pool::Bb8(pool) => {
                            let mut conn = pool.get().await.expect("bb8 checkout");
                            query.fetch_optional(&mut *conn).await
                        }
                    }
                    .expect("get")
                }
            }
        };
    }
    pools!(
        pg,
        PgConnection,
        sqlx::Postgres,
        "SELECT id, name, hair_color, created_at FROM users WHERE id = $1"
    );
    pools!(
        my,
        MySqlConnection,
        sqlx::MySql,
        "SELECT id, name, hair_color, created_at FROM users WHERE id = ?"
    );

    /// One caller at a time (W1): a pool of ten, the default size.
    #[divan::bench(args = [
        ("postgres", "sqlx"), ("postgres", "deadpool"), ("postgres", "bb8"),
        ("mysql", "sqlx"), ("mysql", "deadpool"), ("mysql", "bb8"),
    ])]
    fn one_caller(bencher: Bencher, (backend, kind): (&str, &str)) {
        let rt = runtime();
        let Some((db, url, scratch)) = scratch(&rt, backend, &format!("pool_{kind}")) else {
            return;
        };
        rt.block_on(db.close());
        let mut i = 0;
        macro_rules! run {
            ($m:ident) => {{
                let pool = rt.block_on($m::open(kind, &url, 10));
                bencher.bench_local(|| {
                    let id = next_id(&mut i);
                    let found = rt.block_on($m::get(&pool, id));
                    assert_eq!(found.as_ref().map(|u| u.0), Some(id));
                    found
                });
                drop(pool);
            }};
        }
        if backend == "postgres" {
            run!(pg)
        } else {
            run!(my)
        }
        scratch.drop_with(&rt);
    }

    /// A two-worker runtime, as W13 uses.
    fn runtime_mt() -> Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    }

    /// Times four tasks running `PER_TASK` lookups each (`lookup(id)` says whether the row was
    /// found), counted per lookup.
    fn bench_four_tasks<F, Fut>(bencher: Bencher, rt: &Runtime, lookup: F)
    where
        F: Fn(i64) -> Fut + Clone + Send + 'static,
        Fut: std::future::Future<Output = bool> + Send + 'static,
    {
        bencher
            .counter(divan::counter::ItemsCount::new(4 * PER_TASK))
            .bench_local(|| {
                rt.block_on(async {
                    let tasks: Vec<_> = (0..4)
                        .map(|t| {
                            let lookup = lookup.clone();
                            tokio::spawn(async move {
                                let mut i = t as i64 * 97;
                                for _ in 0..PER_TASK {
                                    assert!(lookup(next_id(&mut i)).await);
                                }
                            })
                        })
                        .collect();
                    for task in tasks {
                        task.await.expect("task");
                    }
                })
            });
    }

    /// Four tasks on a pool of four (W13), `PER_TASK` lookups each; counted per lookup.
    #[divan::bench(args = [
        ("postgres", "sqlx"), ("postgres", "deadpool"), ("postgres", "bb8"),
        ("mysql", "sqlx"), ("mysql", "deadpool"), ("mysql", "bb8"),
    ])]
    fn four_tasks(bencher: Bencher, (backend, kind): (&str, &str)) {
        let rt = runtime_mt();
        let Some((db, url, scratch)) = scratch(&rt, backend, &format!("pool4_{kind}")) else {
            return;
        };
        rt.block_on(db.close());
        macro_rules! run {
            ($m:ident) => {{
                let pool = std::sync::Arc::new(rt.block_on($m::open(kind, &url, 4)));
                bench_four_tasks(bencher, &rt, move |id| {
                    let pool = pool.clone();
                    async move { $m::get(&pool, id).await.is_some() }
                });
            }};
        }
        if backend == "postgres" {
            run!(pg)
        } else {
            run!(my)
        }
        scratch.drop_with(&rt);
    }

    /// Ours in the four-task shape, on its own pool of four.
    #[divan::bench(args = SERVERS)]
    fn ours_four_tasks(bencher: Bencher, backend: &str) {
        let rt = runtime_mt();
        let Some((db, url, scratch)) = scratch(&rt, backend, "pool4_ours") else {
            return;
        };
        rt.block_on(db.close());
        let config = model_core::Config::new(url.as_str())
            .default_pool(model_core::PoolConfig::default().max_connections(4));
        let db = rt.block_on(Database::connect(config)).expect("connect");
        let handle = db.clone();
        bench_four_tasks(bencher, &rt, move |id| {
            let db = handle.clone();
            async move { User::query().get(&db, id).await.expect("get").is_some() }
        });
        rt.block_on(db.close());
        scratch.drop_with(&rt);
    }
}
