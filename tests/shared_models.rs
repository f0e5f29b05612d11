//! The models of the query, write, session, recording and web tests, and the rows every test
//! starts from. Each of those binaries includes this file as its `models` module.

use model_core::{Auto, BindSelection, ColumnGroup, Config, Database, Model};
use model_tests::{Kind, Param, TestDb, quoted};

/// Columns shared through a group, to query through `Contains`.
#[derive(ColumnGroup, Debug, Clone, PartialEq)]
pub struct Keyed {
    #[column(primary_key)]
    pub id: Auto<i64>,
}

/// People with every kind of column a filter touches.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "query")]
pub struct Person {
    #[column(flatten)]
    pub key: Keyed,
    #[column(length = 80)]
    pub name: String,
    pub email: Option<String>,
    pub age: i32,
    pub score: f64,
    pub active: bool,
}

/// A composite key, for `get` with a tuple.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "query")]
pub struct Membership {
    #[column(primary_key)]
    pub team: String,
    #[column(primary_key)]
    pub member: i32,
    pub role: String,
}

/// A key and nothing else: an update has no column to set.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "query")]
pub struct Follow {
    #[column(primary_key)]
    pub follower: i32,
    #[column(primary_key)]
    pub followed: i32,
}

/// The client default of `Account::role`.
pub fn member() -> String {
    "member".to_owned()
}

/// The client default of `Account::updated_at`: a fixed instant, so tests can tell it apart.
pub fn created() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2020, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

/// The `onupdate` value of `Account::updated_at`.
pub fn touched() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2030, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

/// A fresh UUID.
pub fn new_uuid() -> uuid::Uuid {
    uuid::Uuid::new_v4()
}

/// Accounts: a generated key, a client default, a server default and an `onupdate` column.
#[derive(Model, Debug, Clone, PartialEq, Default)]
#[model(bind = "query")]
pub struct Account {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(unique, length = 120)]
    pub username: String,
    #[column(default = member)]
    pub role: Auto<String>,
    #[column(server_default = "'active'")]
    pub status: Auto<String>,
    #[column(default = created, onupdate = touched)]
    pub updated_at: Auto<chrono::NaiveDateTime>,
    pub note: Option<String>,
}

impl Account {
    /// An account with only a name; everything else is left to the defaults.
    pub fn named(username: &str) -> Self {
        Account {
            username: username.to_owned(),
            ..Account::default()
        }
    }
}

/// A profile with a version counter, for optimistic locking.
#[derive(Model, Debug, Clone, PartialEq, Default)]
#[model(bind = "query")]
pub struct Profile {
    #[column(primary_key)]
    pub id: Auto<i64>,
    pub about_me: String,
    pub last_seen: i64,
    #[column(version)]
    pub version: i64,
}

/// A row that refers to an account, for foreign key violations.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "query")]
pub struct Reply {
    #[column(primary_key, autoincrement = false)]
    pub id: i64,
    #[column(foreign_key = "account.id")]
    pub account_id: i64,
}

/// Free text, for the literal pattern helpers: NUL bytes, case, accents.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "query")]
pub struct Note {
    #[column(primary_key, autoincrement = false)]
    pub id: i64,
    pub body: String,
}

/// A UUID key filled by a client default.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "query")]
pub struct Token {
    #[column(primary_key, default = new_uuid)]
    pub id: Auto<uuid::Uuid>,
    pub label: String,
}

/// An audit trail in a bind of its own, for sessions that span binds.
#[derive(Model, Debug, Clone, PartialEq, Default)]
#[model(bind = "audit")]
pub struct AuditEntry {
    #[column(primary_key)]
    pub id: Auto<i64>,
    pub message: String,
}

/// Names that would break SQL built as text, and LIKE wildcards taken literally.
pub const HOSTILE: [&str; 8] = [
    "'; DROP TABLE person; --",
    "O'Brien",
    "back\\slash",
    "50% off",
    "under_score",
    "Ünïcödé ☃ 名前",
    "quote\"double",
    "bang!mark",
];

/// A fresh database with `person` holding 30 rows: ids 1..=30, the hostile names first, then
/// `person N`; ages cycle 20..=29; every third row has no email; even ids are active.
pub async fn seeded(kind: Kind, label: &str) -> Option<(TestDb, Database)> {
    let t = TestDb::new(kind, label).await?;
    let db = Database::connect(Config::binds_only().bind("query", t.url.clone()))
        .await
        .unwrap();
    db.create_all_in(BindSelection::named("query"))
        .await
        .unwrap();
    let sql = format!(
        "INSERT INTO {} (id, name, email, age, score, active) VALUES (?, ?, ?, ?, ?, ?)",
        quoted(kind, "person")
    );
    for id in 1..=30_i64 {
        let name = HOSTILE
            .get(id as usize - 1)
            .map_or_else(|| format!("person {id}"), |s| (*s).to_owned());
        let email = if id % 3 == 0 {
            Param::NullText
        } else {
            Param::Text(format!("p{id}@example.com"))
        };
        let params = [
            Param::I64(id),
            Param::Text(name),
            email,
            Param::I32(20 + (id as i32 % 10)),
            Param::F64(id as f64 / 4.0),
            Param::Bool(id % 2 == 0),
        ];
        t.catalog.execute_bound(&sql, &params).await;
    }
    let sql = format!(
        "INSERT INTO {} (team, member, role) VALUES (?, ?, ?)",
        quoted(kind, "membership")
    );
    for (team, member, role) in [("red", 1, "lead"), ("red", 2, "dev"), ("blue", 1, "dev")] {
        t.catalog
            .execute_bound(
                &sql,
                &[
                    Param::Text(team.into()),
                    Param::I32(member),
                    Param::Text(role.into()),
                ],
            )
            .await;
    }
    Some((t, db))
}

/// A second `Database` on the `query` bind of `t`, whose pool holds one connection.
pub async fn single_connection(t: &TestDb) -> Database {
    let pool = model_core::PoolConfig::default().max_connections(1);
    Database::connect(Config::binds_only().bind_with("query", t.url.clone(), pool))
        .await
        .unwrap()
}

/// The ids of `people`.
pub fn ids(people: &[Person]) -> Vec<i64> {
    people.iter().map(|p| *p.key.id).collect()
}

/// The seeded MySQL-family database reached two ways: through its `mysql:` URL and through a
/// `mariadb:` one. `None` when there is no server, or (saying so) when it is not MariaDB.
pub async fn seeded_mariadb(label: &str) -> Option<(TestDb, Database, Database)> {
    use sqlx::Connection;
    let (t, by_mysql) = seeded(Kind::MySql, label).await?;
    let mut conn = sqlx::MySqlConnection::connect(&t.url).await.unwrap();
    let version: String = sqlx::query_scalar("SELECT VERSION()")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    if !version.contains("MariaDB") {
        eprintln!("skipping: the server is not MariaDB ({version})");
        return None;
    }
    let url = t.url.replacen("mysql:", "mariadb:", 1);
    let by_mariadb = Database::connect(Config::binds_only().bind("query", url))
        .await
        .unwrap();
    Some((t, by_mysql, by_mariadb))
}

/// Every stored account's name, in name order, read through `db`.
pub async fn usernames(db: &Database) -> Vec<String> {
    Account::query()
        .order_by(Account::USERNAME.asc())
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.username)
        .collect()
}
