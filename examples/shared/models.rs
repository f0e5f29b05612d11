//! The models an app, its workers and its cron jobs share. In a real project this is a
//! `models` crate every binary depends on; here each example includes this file. No app
//! object, no registry to fill in by hand: linking the models registers them.

use chrono::{NaiveDateTime, Utc};
use model_core::{Auto, ColumnGroup, Model};

/// Now, in UTC, for defaults.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// A fresh UUID as text.
pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The columns every model has (Flask apps' abstract `BaseModel`).
#[derive(ColumnGroup, Debug)]
pub struct BaseModel {
    /// Generated id.
    #[column(primary_key)]
    pub id: Auto<i64>,
    /// When the row was written.
    #[column(default = now, server_default = "CURRENT_TIMESTAMP")]
    pub created_at: Auto<NaiveDateTime>,
    /// When the row last changed.
    #[column(default = now, onupdate = now)]
    pub updated_at: Auto<NaiveDateTime>,
}

/// Users, in the default database.
#[derive(Model, Debug)]
pub struct User {
    /// id, created_at, updated_at.
    #[column(flatten)]
    pub base: BaseModel,
    /// Login name.
    #[column(unique, length = 80)]
    pub username: String,
}

/// Revoked JWTs, in the `users` database.
#[derive(Model, Debug)]
#[model(bind = "users")]
pub struct TokenBlocklist {
    /// Row id.
    #[column(primary_key, length = 36, default = new_uuid)]
    pub id: Auto<String>,
    /// The token's unique id.
    #[column(index, length = 36)]
    pub jti: String,
    /// When it was revoked.
    #[column(default = now)]
    pub created_at: Auto<NaiveDateTime>,
}

/// Application settings, in the `appmeta` database.
#[derive(Model, Debug)]
#[model(bind = "appmeta")]
pub struct AppSetting {
    /// Setting name.
    #[column(primary_key, length = 64)]
    pub key: String,
    /// Its value.
    pub value: serde_json::Value,
}
