//! SQL shared by the hand-written contenders (raw sqlx, the floors, the admin connection): the
//! schema, rendered once by model-core's dialect so every contender's tables are identical to
//! the ones `create_all` makes, and the statement texts with each backend's placeholders.

use model_core::dialect::{self, Dialect};
use model_core::{Backend, Model, Table};

use crate::models::{Comment, Post, User, User1, User100, UserDel, UserIns, UserUpd};

/// The tables of the default bind, in foreign-key order: the models' tables and the
/// association table `follows` that `User::FOLLOWING` declares (so every contender gets the
/// DDL `create_all` runs for it).
pub fn tables() -> [&'static Table; 9] {
    [
        User::TABLE,
        User1::TABLE,
        User100::TABLE,
        UserIns::TABLE,
        UserUpd::TABLE,
        UserDel::TABLE,
        Post::TABLE,
        Comment::TABLE,
        User::FOLLOWING.association(),
    ]
}

/// `CREATE TABLE IF NOT EXISTS` (and indexes) for the benchmark schema.
pub fn schema_ddl(backend: Backend) -> Vec<String> {
    let d = dialect::for_backend(backend);
    tables().iter().flat_map(|t| d.create_table(t)).collect()
}

/// The W14 tables: the 200 models of the bind `gen`.
pub fn gen_tables() -> Vec<&'static Table> {
    let mut tables: Vec<&'static Table> = model_core::registry::tables_in(Some("gen")).collect();
    tables.sort_by_key(|t| t.name());
    tables
}

/// The 200 `CREATE TABLE` (plus index) statements equivalent to `create_all_in(gen)`.
pub fn gen_create(backend: Backend) -> Vec<String> {
    let d = dialect::for_backend(backend);
    gen_tables()
        .iter()
        .flat_map(|t| d.create_table(t))
        .collect()
}

/// The 200 `DROP TABLE` statements equivalent to `drop_all_in(gen)`.
pub fn gen_drop(backend: Backend) -> Vec<String> {
    let d: &dyn Dialect = dialect::for_backend(backend);
    gen_tables().iter().rev().map(|t| d.drop_table(t)).collect()
}

/// The columns of every user-shaped table, in order.
pub const USER_COLUMNS: &str = "id, name, hair_color, created_at";

/// A level of W4's eager load: the rows of one table by the keys of the level above.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// `users` by id.
    Users,
    /// `posts` by `user_id`.
    Posts,
    /// `comments` by `post_id`.
    Comments,
}

impl Level {
    /// The statement up to its key condition.
    fn select(self) -> &'static str {
        match self {
            Level::Users => "SELECT id, name, hair_color, created_at FROM users WHERE id",
            Level::Posts => "SELECT id, user_id, title, body FROM posts WHERE user_id",
            Level::Comments => "SELECT id, post_id, text FROM comments WHERE post_id",
        }
    }

    /// The statement up to `IN (`, for a query builder to add the placeholders.
    pub fn select_in(self) -> String {
        format!("{} IN (", self.select())
    }

    /// What follows the key list.
    pub const ORDER: &'static str = ") ORDER BY id";

    /// PostgreSQL: the keys as one array parameter, one statement text for any number of keys.
    pub fn any(self) -> &'static str {
        match self {
            Level::Users => {
                "SELECT id, name, hair_color, created_at FROM users WHERE id = ANY($1) ORDER BY id"
            }
            Level::Posts => {
                "SELECT id, user_id, title, body FROM posts WHERE user_id = ANY($1) ORDER BY id"
            }
            Level::Comments => {
                "SELECT id, post_id, text FROM comments WHERE post_id = ANY($1) ORDER BY id"
            }
        }
    }

    /// SQLite and MySQL: an `IN` list of `n` placeholders.
    pub fn in_list(self, n: usize) -> String {
        let mut sql = self.select_in();
        for i in 0..n {
            sql.push_str(if i == 0 { "?" } else { ", ?" });
        }
        sql.push_str(Self::ORDER);
        sql
    }
}

/// Statement texts of one backend. They are `&'static str` because that is how sqlx users
/// write queries (string literals): sqlx 0.9 copies any other string on every call.
#[derive(Clone, Copy, Debug)]
pub struct Sql {
    pub get: &'static str,
    pub load_1: &'static str,
    pub load_100: &'static str,
    pub load_all: &'static str,
    pub filter: &'static str,
    pub page: &'static str,
    pub count: &'static str,
    pub exists: &'static str,
    /// W5: a page of the posts of the users a user follows, newest first, and their count.
    pub feed_page: &'static str,
    pub feed_count: &'static str,
    pub insert_one: &'static str,
    pub update_pk: &'static str,
    pub update_bulk: &'static str,
    pub delete_pk: &'static str,
    pub delete_bulk: &'static str,
}

/// A statement text built once at start-up, kept for the life of the process.
pub fn leak(sql: String) -> &'static str {
    Box::leak(sql.into_boxed_str())
}

impl Sql {
    pub fn new(backend: Backend) -> Sql {
        let p = |n: usize| placeholder(backend, n);
        let cols = USER_COLUMNS;
        Sql {
            get: leak(format!("SELECT {cols} FROM users WHERE id = {}", p(1))),
            load_1: leak(format!("SELECT {cols} FROM users_1")),
            load_100: leak(format!("SELECT {cols} FROM users_100")),
            load_all: leak(format!("SELECT {cols} FROM users")),
            filter: leak(format!(
                "SELECT {cols} FROM users WHERE hair_color = {} ORDER BY name LIMIT {} OFFSET {}",
                p(1),
                p(2),
                p(3)
            )),
            page: leak(format!(
                "SELECT {cols} FROM users WHERE hair_color = {} ORDER BY id LIMIT {} OFFSET {}",
                p(1),
                p(2),
                p(3)
            )),
            count: leak(format!(
                "SELECT COUNT(*) FROM users WHERE hair_color = {}",
                p(1)
            )),
            exists: leak(format!(
                "SELECT EXISTS(SELECT 1 FROM users WHERE hair_color = {})",
                p(1)
            )),
            feed_page: leak(format!(
                "SELECT id, user_id, title, body FROM posts WHERE user_id IN \
                 (SELECT followed_id FROM follows WHERE follower_id = {}) \
                 ORDER BY id DESC LIMIT {} OFFSET {}",
                p(1),
                p(2),
                p(3)
            )),
            feed_count: leak(format!(
                "SELECT COUNT(*) FROM posts WHERE user_id IN \
                 (SELECT followed_id FROM follows WHERE follower_id = {})",
                p(1)
            )),
            insert_one: leak(insert_rows(backend, "users_ins", 1)),
            update_pk: leak(format!(
                "UPDATE users_upd SET name = {}, hair_color = {}, created_at = {} WHERE id = {}",
                p(1),
                p(2),
                p(3),
                p(4)
            )),
            update_bulk: leak(format!(
                "UPDATE users_upd SET hair_color = {} WHERE id BETWEEN {} AND {}",
                p(1),
                p(2),
                p(3)
            )),
            delete_pk: leak(format!("DELETE FROM users_del WHERE id = {}", p(1))),
            delete_bulk: leak(format!(
                "DELETE FROM users_del WHERE id BETWEEN {} AND {}",
                p(1),
                p(2)
            )),
        }
    }

    /// The load statement of a W2 table.
    pub fn load(&self, table: &str) -> &'static str {
        match table {
            "users_1" => self.load_1,
            "users_100" => self.load_100,
            _ => self.load_all,
        }
    }
}

/// The `n`th (1-based) placeholder.
pub fn placeholder(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// `INSERT INTO table (name, hair_color, created_at) VALUES (...), ...` for `rows` rows (the id
/// is generated).
pub fn insert_rows(backend: Backend, table: &str, rows: usize) -> String {
    insert_sql(backend, table, &["name", "hair_color", "created_at"], rows)
}

/// A multi-row `INSERT` of `rows` rows into `columns`.
pub fn insert_sql(backend: Backend, table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..columns.len() {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push_str(&placeholder(backend, n));
        }
        sql.push(')');
    }
    sql
}

/// Empties `table` and restarts its generated ids, so every insert batch starts from the same
/// table and the same ids.
pub fn empty_table(backend: Backend, table: &str) -> String {
    match backend {
        Backend::Postgres => format!("TRUNCATE {table} RESTART IDENTITY"),
        Backend::MySql => format!("TRUNCATE TABLE {table}"),
        // Without AUTOINCREMENT, SQLite's next rowid is max(rowid) + 1: 1 in an empty table.
        _ => format!("DELETE FROM {table}"),
    }
}

/// Statements that make `users_upd` a fresh copy of `users`.
pub fn restore_upd(backend: Backend) -> Vec<String> {
    vec![
        empty_table(backend, "users_upd"),
        format!("INSERT INTO users_upd ({USER_COLUMNS}) SELECT {USER_COLUMNS} FROM users"),
    ]
}

/// Rows per statement when the admin connection inserts seed data: well under every backend's
/// parameter limit.
pub const SEED_CHUNK: usize = 500;
/// Rows per statement in the floors' W8 bulk load (3 parameters each).
pub const BULK_CHUNK: usize = 1_000;
