//! Writing rows on every backend: insert, insert_many, update, delete, bulk update and delete,
//! raw SQL; constraint violations, typed the same on every backend; lost updates, prevented by
//! `update_columns` and version columns.

/// The models every binary of these tests shares, and the rows each test starts from.
#[path = "../shared_models.rs"]
#[allow(dead_code)]
mod models;

mod constraints;
mod lost_updates;
mod writing;
