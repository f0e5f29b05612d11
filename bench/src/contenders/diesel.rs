//! Diesel 2.3, synchronous, with its default statement cache, written as its guides show:
//! `table!` schemas, `Queryable` structs, `find(id).first`, `filter/order/limit/offset`,
//! `insert_into(..).values(&slice)`, `AsChangeset` updates, `conn.transaction`, associations
//! (`belonging_to` + `grouped_by`, W4), an `eq_any` subselect (W5). W13 runs four
//! connections on tokio's blocking pool (a synchronous library inside an async service).
//!
//! The code is the same for the three connection types, so one macro writes all three.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use tokio::runtime::Runtime;

use super::{Contender, Key, keep_going};
use crate::data::{self, Row, Sink, Sinkable};
use crate::workload::{FILTER_LIMIT, Input, PER_PAGE, Workload};

/// One `table!` per user-shaped table.
macro_rules! user_tables {
    ($($name:ident,)*) => {$(
        diesel::table! {
            $name (id) {
                id -> BigInt,
                name -> Text,
                hair_color -> Nullable<Text>,
                created_at -> Timestamp,
            }
        }
    )*};
}

/// The schema, as `diesel print-schema` would write it.
pub mod schema {
    user_tables!(users, users_1, users_100, users_ins, users_upd, users_del,);

    diesel::table! {
        posts (id) {
            id -> BigInt,
            user_id -> BigInt,
            title -> Text,
            body -> Text,
        }
    }

    diesel::table! {
        comments (id) {
            id -> BigInt,
            post_id -> BigInt,
            text -> Text,
        }
    }

    diesel::table! {
        follows (follower_id, followed_id) {
            follower_id -> BigInt,
            followed_id -> BigInt,
        }
    }

    diesel::joinable!(posts -> users (user_id));
    diesel::joinable!(comments -> posts (post_id));
    diesel::allow_tables_to_appear_in_same_query!(users, posts, comments, follows);
}

use schema::{
    comments, follows, posts, users, users_1, users_100, users_del, users_ins, users_upd,
};

/// A row of any user-shaped table; `Identifiable` as a row of `users`, the parent of posts.
#[derive(Queryable, Identifiable, Debug)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub hair_color: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Identifiable, Associations, Debug)]
#[diesel(table_name = posts, belongs_to(User))]
pub struct Post {
    pub id: i64,
    pub user_id: i64,
    pub title: String,
    pub body: String,
}

#[derive(Queryable, Identifiable, Associations, Debug)]
#[diesel(table_name = comments, belongs_to(Post))]
pub struct Comment {
    pub id: i64,
    pub post_id: i64,
    pub text: String,
}

impl Sinkable for User {
    fn sink(&self, sink: &mut Sink) {
        sink.user(
            self.id,
            &self.name,
            self.hair_color.as_deref(),
            self.created_at,
        );
    }
}

impl Sinkable for Post {
    fn sink(&self, sink: &mut Sink) {
        sink.post(self.id, self.user_id, &self.title, &self.body);
    }
}

impl Sinkable for Comment {
    fn sink(&self, sink: &mut Sink) {
        sink.comment(self.id, self.post_id, &self.text);
    }
}

/// Borrowed insert values; `None` is written as NULL (diesel would otherwise write DEFAULT,
/// which SQLite's multi-row VALUES cannot take).
#[derive(Insertable)]
#[diesel(table_name = users_ins, treat_none_as_default_value = false)]
pub struct NewUser<'a> {
    pub name: &'a str,
    pub hair_color: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

/// Every non-key column of a row, written by key.
#[derive(AsChangeset)]
#[diesel(table_name = users_upd, treat_none_as_null = true)]
pub struct UserChanges<'a> {
    pub name: &'a str,
    pub hair_color: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

fn new_user(r: &Row) -> NewUser<'_> {
    NewUser {
        name: &r.name,
        hair_color: r.hair_color.as_deref(),
        created_at: r.created_at,
    }
}

fn sink_users(sink: &mut Sink, rows: &[User]) {
    for u in rows {
        sink.user(u.id, &u.name, u.hair_color.as_deref(), u.created_at);
    }
}

macro_rules! diesel_contender {
    ($name:ident, $conn:ty) => {
        pub struct $name {
            conn: $conn,
            target: String,
            pool: Vec<$conn>,
        }

        impl Contender for $name {
            fn key(&self) -> Key {
                Key::Diesel
            }

            fn label(&self) -> String {
                format!("diesel {}", crate::env::version("diesel"))
            }

            fn supports(&self, w: Workload) -> bool {
                !matches!(w, Workload::CreateAll | Workload::DropAll)
            }

            fn run(&mut self, w: Workload, input: &Input, sink: &mut Sink) -> Result<()> {
                use Workload::*;
                let conn = &mut self.conn;
                match w {
                    GetPk => {
                        for &id in &input.ids {
                            if let Some(u) = users::table.find(id).first::<User>(conn).optional()? {
                                sink.user(u.id, &u.name, u.hair_color.as_deref(), u.created_at);
                            }
                        }
                    }
                    Load1 => {
                        for _ in 0..input.k {
                            sink_users(sink, &users_1::table.load::<User>(conn)?);
                        }
                    }
                    Load100 => {
                        for _ in 0..input.k {
                            sink_users(sink, &users_100::table.load::<User>(conn)?);
                        }
                    }
                    LoadAll => {
                        for _ in 0..input.k {
                            sink_users(sink, &users::table.load::<User>(conn)?);
                        }
                    }
                    Filter => {
                        for p in &input.params {
                            let rows = users::table
                                .filter(users::hair_color.eq(&p.text))
                                .order(users::name.asc())
                                .limit(FILTER_LIMIT)
                                .offset(p.a)
                                .load::<User>(conn)?;
                            sink_users(sink, &rows);
                        }
                    }
                    Paginate => {
                        for p in &input.params {
                            let query = users::table.filter(users::hair_color.eq(&p.text));
                            let rows = query
                                .order(users::id.asc())
                                .limit(PER_PAGE)
                                .offset((p.a - 1) * PER_PAGE)
                                .load::<User>(conn)?;
                            let total: i64 = query.count().get_result(conn)?;
                            sink_users(sink, &rows);
                            sink.value(total as u64);
                        }
                    }
                    EagerLoad => {
                        for ids in input.ids.chunks(input.chunk) {
                            // Three queries, grouped as Diesel's association guide shows.
                            let users = users::table
                                .filter(users::id.eq_any(ids))
                                .order(users::id.asc())
                                .load::<User>(conn)?;
                            let posts = Post::belonging_to(&users)
                                .order(posts::id.asc())
                                .load::<Post>(conn)?;
                            let comments = Comment::belonging_to(&posts)
                                .order(comments::id.asc())
                                .load::<Comment>(conn)?
                                .grouped_by(&posts);
                            let posts = posts.into_iter().zip(comments).grouped_by(&users);
                            let tree: data::Tree<_, _, _> = users.into_iter().zip(posts).collect();
                            data::sink_tree(sink, &tree);
                        }
                    }
                    Feed => {
                        for p in &input.params {
                            let followed = follows::table
                                .filter(follows::follower_id.eq(p.a))
                                .select(follows::followed_id);
                            let feed = posts::table.filter(posts::user_id.eq_any(followed));
                            let rows = feed
                                .order(posts::id.desc())
                                .limit(PER_PAGE)
                                .offset((p.b - 1) * PER_PAGE)
                                .load::<Post>(conn)?;
                            let total: i64 = feed.count().get_result(conn)?;
                            rows.iter().for_each(|r| r.sink(sink));
                            sink.value(total as u64);
                        }
                    }
                    InsertOne => {
                        for r in &input.rows {
                            let n = diesel::insert_into(users_ins::table)
                                .values(&new_user(r))
                                .execute(conn)?;
                            sink.value(n as u64);
                        }
                    }
                    InsertMany(n) => {
                        for chunk in input.rows.chunks(n) {
                            let rows: Vec<NewUser<'_>> = chunk.iter().map(new_user).collect();
                            let done = diesel::insert_into(users_ins::table)
                                .values(&rows)
                                .execute(conn)?;
                            sink.value(done as u64);
                        }
                    }
                    BulkLoad => {
                        let done = conn.transaction::<_, diesel::result::Error, _>(|conn| {
                            let mut done = 0;
                            for chunk in input.rows.chunks(crate::sql::BULK_CHUNK) {
                                let rows: Vec<NewUser<'_>> = chunk.iter().map(new_user).collect();
                                done += diesel::insert_into(users_ins::table)
                                    .values(&rows)
                                    .execute(conn)?;
                            }
                            Ok(done)
                        })?;
                        sink.value(done as u64);
                    }
                    TxInserts => {
                        for chunk in input.rows.chunks(input.chunk) {
                            conn.transaction::<_, diesel::result::Error, _>(|conn| {
                                for r in chunk {
                                    diesel::insert_into(users_ins::table)
                                        .values(&new_user(r))
                                        .execute(conn)?;
                                }
                                Ok(())
                            })?;
                            sink.value(chunk.len() as u64);
                        }
                    }
                    UpdatePk => {
                        for r in &input.rows {
                            let changes = UserChanges {
                                name: &r.name,
                                hair_color: r.hair_color.as_deref(),
                                created_at: r.created_at,
                            };
                            let n = diesel::update(users_upd::table.find(r.id))
                                .set(&changes)
                                .execute(conn)?;
                            sink.value(n as u64);
                        }
                    }
                    UpdateBulk => {
                        for p in &input.params {
                            let n = diesel::update(
                                users_upd::table.filter(users_upd::id.between(p.a, p.b)),
                            )
                            .set(users_upd::hair_color.eq(&p.text))
                            .execute(conn)?;
                            sink.value(n as u64);
                        }
                    }
                    DeletePk => {
                        for r in &input.rows {
                            let n = diesel::delete(users_del::table.find(r.id)).execute(conn)?;
                            sink.value(n as u64);
                        }
                    }
                    DeleteBulk => {
                        for p in &input.params {
                            let n = diesel::delete(
                                users_del::table.filter(users_del::id.between(p.a, p.b)),
                            )
                            .execute(conn)?;
                            sink.value(n as u64);
                        }
                    }
                    Count => {
                        for p in &input.params {
                            let n: i64 = users::table
                                .filter(users::hair_color.eq(&p.text))
                                .count()
                                .get_result(conn)?;
                            sink.value(n as u64);
                        }
                    }
                    Exists => {
                        for p in &input.params {
                            let found: bool = diesel::select(diesel::dsl::exists(
                                users::table.filter(users::hair_color.eq(&p.text)),
                            ))
                            .get_result(conn)?;
                            sink.value(u64::from(found));
                        }
                    }
                    CreateAll | DropAll | Concurrency => {
                        anyhow::bail!("{w:?} is not implemented for diesel")
                    }
                }
                Ok(())
            }

            fn concurrent(
                &mut self,
                mt: &Runtime,
                ids: &[Vec<i64>],
                until: Option<Duration>,
                sink: &mut Sink,
            ) -> Result<u64> {
                while self.pool.len() < ids.len() {
                    self.pool.push(Self::establish(&self.target)?);
                }
                let full = sink.is_full();
                let conns = std::mem::take(&mut self.pool);
                let results = mt.block_on(async {
                    let tasks: Vec<_> = conns
                        .into_iter()
                        .zip(ids.iter().cloned())
                        .map(|(mut conn, ids)| {
                            tokio::task::spawn_blocking(move || -> Result<($conn, Sink, u64)> {
                                let mut sink = if full { Sink::full() } else { Sink::cheap() };
                                let started = Instant::now();
                                let mut done = 0;
                                while keep_going(done, ids.len(), started, until) {
                                    let id = ids[done % ids.len()];
                                    if let Some(u) =
                                        users::table.find(id).first::<User>(&mut conn).optional()?
                                    {
                                        sink.user(
                                            u.id,
                                            &u.name,
                                            u.hair_color.as_deref(),
                                            u.created_at,
                                        );
                                    }
                                    done += 1;
                                }
                                Ok((conn, sink, done as u64))
                            })
                        })
                        .collect();
                    let mut out = Vec::new();
                    for task in tasks {
                        out.push(task.await?);
                    }
                    anyhow::Ok(out)
                })?;
                let mut total = 0;
                for result in results {
                    let (conn, task_sink, done) = result?;
                    self.pool.push(conn);
                    sink.merge(&task_sink);
                    total += done;
                }
                Ok(total)
            }
        }
    };
}

diesel_contender!(DieselSqlite, diesel::SqliteConnection);
diesel_contender!(DieselPostgres, diesel::PgConnection);
diesel_contender!(DieselMysql, diesel::MysqlConnection);

impl DieselSqlite {
    pub fn new(path: &Path) -> Result<DieselSqlite> {
        let target = path.to_str().context("non-UTF-8 path")?.to_owned();
        Ok(DieselSqlite {
            conn: Self::establish(&target)?,
            target,
            pool: Vec::new(),
        })
    }

    /// Opens the file with the settings every SQLite contender uses; diesel leaves foreign
    /// keys off unless asked.
    fn establish(path: &str) -> Result<diesel::SqliteConnection> {
        let mut conn = diesel::SqliteConnection::establish(path)?;
        conn.batch_execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
        )?;
        Ok(conn)
    }
}

impl DieselPostgres {
    pub fn new(url: &str) -> Result<DieselPostgres> {
        Ok(DieselPostgres {
            conn: Self::establish(url)?,
            target: url.to_owned(),
            pool: Vec::new(),
        })
    }

    fn establish(url: &str) -> Result<diesel::PgConnection> {
        Ok(diesel::PgConnection::establish(url)?)
    }
}

impl DieselMysql {
    pub fn new(url: &str) -> Result<DieselMysql> {
        Ok(DieselMysql {
            conn: Self::establish(url)?,
            target: url.to_owned(),
            pool: Vec::new(),
        })
    }

    fn establish(url: &str) -> Result<diesel::MysqlConnection> {
        Ok(diesel::MysqlConnection::establish(url)?)
    }
}
