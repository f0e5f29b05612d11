//! The models of this test binary, one bind per scenario. All of them are valid: the failing
//! ones live in `tests/failures.rs`, so `create_all()` over every bind works here.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use model_core::{Auto, Model};

/// Authors: keys, a unique and an indexed column, server defaults.
#[derive(Model, Debug)]
#[model(bind = "catalog")]
pub struct Author {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(length = 80, unique)]
    pub name: String,
    #[column(index)]
    pub email: Option<String>,
    pub bio: String,
    #[column(server_default = "CURRENT_TIMESTAMP")]
    pub joined_at: Auto<NaiveDateTime>,
    #[column(server_default = "0")]
    pub karma: Auto<i32>,
}

/// Posts: foreign keys with ON DELETE actions and a composite index.
#[derive(Model, Debug)]
#[model(bind = "catalog", index(fields(author_id, title)))]
pub struct Post {
    #[column(primary_key)]
    pub id: Auto<i32>,
    #[column(foreign_key = "author.id", on_delete = "cascade")]
    pub author_id: i64,
    #[column(length = 200)]
    pub title: String,
    #[column(foreign_key = "author.id", on_delete = "set_null")]
    pub editor_id: Option<i64>,
    #[column(server_default = "'draft'")]
    pub status: Auto<String>,
}

/// An integer key the database must not generate.
#[derive(Model, Debug)]
#[model(bind = "catalog")]
pub struct FixedKey {
    #[column(primary_key, autoincrement = false)]
    pub id: i64,
}

/// Limits only MySQL/MariaDB have: a key longer than InnoDB's 3072 bytes...
#[derive(Model, Debug)]
#[model(bind = "limits")]
pub struct LongKey {
    #[column(primary_key, length = 1000)]
    pub code: String,
}

/// ...and ON DELETE SET DEFAULT, which InnoDB does not implement.
#[derive(Model, Debug)]
#[model(bind = "limits")]
pub struct SetDefaultRef {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(
        length = 1000,
        foreign_key = "long_key.code",
        on_delete = "set_default",
        server_default = "'x'"
    )]
    pub code: Auto<String>,
}

/// One column of every supported type.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "catalog")]
pub struct Everything {
    #[column(primary_key)]
    pub id: Auto<i64>,
    pub small: i16,
    pub int: i32,
    pub real: f32,
    pub double: f64,
    pub flag: bool,
    pub text: String,
    pub bytes: Vec<u8>,
    pub at: NaiveDateTime,
    pub at_utc: DateTime<Utc>,
    pub day: NaiveDate,
    pub uid: uuid::Uuid,
    pub doc: serde_json::Value,
    pub maybe: Option<i64>,
    pub maybe_text: Option<String>,
    pub maybe_uid: Option<uuid::Uuid>,
}

/// For create_all twice.
#[derive(Model, Debug)]
#[model(bind = "twice")]
pub struct Note {
    #[column(primary_key)]
    pub id: Auto<i64>,
    pub body: String,
}

/// For drop_all next to a table no model declares.
#[derive(Model, Debug)]
#[model(bind = "dropper")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Auto<i64>,
}

/// References `Parent`, so it is dropped first.
#[derive(Model, Debug)]
#[model(bind = "dropper")]
pub struct Child {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "parent.id")]
    pub parent_id: i64,
}

/// Read back from a table whose column has the wrong type.
#[derive(Model, Debug)]
#[model(bind = "decode")]
pub struct Gauge {
    #[column(primary_key)]
    pub id: Auto<i64>,
    pub reading: f64,
}

/// Lives in the default database.
#[derive(Model, Debug)]
pub struct Setting {
    #[column(primary_key, length = 64)]
    pub key: String,
    pub value: String,
}

/// Lives in the `users` bind.
#[derive(Model, Debug)]
#[model(bind = "users")]
pub struct UserAccount {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(unique, length = 120)]
    pub email: String,
}

/// Lives in the `appmeta` bind.
#[derive(Model, Debug)]
#[model(bind = "appmeta")]
pub struct AppMeta {
    #[column(primary_key)]
    pub id: Auto<i32>,
    pub version: String,
}

/// A default whose text holds a semicolon: the DDL script must reach the database as
/// statements, not be split on `;` (the index makes it a script of two).
#[derive(Model, Debug)]
#[model(bind = "script")]
pub struct Motto {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(length = 40, index, server_default = "'one; two'")]
    pub text: Auto<String>,
}

/// Two tables for `drop_all` to fail on: a table no model declares references `keeper_parent`.
#[derive(Model, Debug)]
#[model(bind = "keeper")]
pub struct KeeperParent {
    #[column(primary_key)]
    pub id: Auto<i64>,
}

#[derive(Model, Debug)]
#[model(bind = "keeper")]
pub struct KeeperOther {
    #[column(primary_key)]
    pub id: Auto<i64>,
}
