//! A declarative model layer for Rust services: what Flask-SQLAlchemy gives a Python web app,
//! checked at compile time and async.
//!
//! ```no_run
//! use model_core::{Database, Model};
//!
//! #[derive(Model, Debug)]
//! struct TokenBlocklist {
//!     #[column(primary_key, length = 36)]
//!     id: String,
//!     #[column(index)]
//!     jti: String,
//!     created_at: chrono::NaiveDateTime,
//! }
//!
//! # async fn run() -> model_core::Result<()> {
//! let db = Database::connect("sqlite://app.db").await?;
//! db.create_all().await?; // every registered model, in every configured bind
//! let tokens: Vec<TokenBlocklist> = TokenBlocklist::query().all(&db).await?;
//! assert_eq!(TokenBlocklist::table().name(), "token_blocklist");
//! # Ok(()) }
//! ```
//!
//! - `#[derive(Model)]` gives table metadata ([`Table`]), typed column handles
//!   (`TokenBlocklist::JTI`), `query()` and `table()`, and registers the model in the global
//!   [`registry`], so startup code, jobs and workers all see every model with no list kept by hand.
//! - [`Database`] holds one pool per bind (`DATABASE_URL` and `DATABASE_BINDS`), chosen by URL
//!   scheme: SQLite, PostgreSQL, MySQL/MariaDB.
//! - [`Database::create_all`] / [`Database::drop_all`] act on all binds, one, or a list
//!   ([`BindSelection`]).
//! - Field types are [`ColumnType`]s: the built-in ones, your enums and newtypes
//!   (`#[derive(ColumnType)]`), [`Json<T>`](Json), or any type mapped by hand; [`Auto<T>`](Auto)
//!   marks a field an insert may leave to the database (a generated key, a default).
//! - SQL written by hand takes `?` on every backend and reads into models,
//!   `#[derive(FromRow)]` structs, tuples or one value ([`Database::fetch_as`]).
//!
//! The crate is built in layers, each using only those below: data (metadata, values, types),
//! SQL (the dialects, statements as values), engine (binds, pools, running statements),
//! operations (query, write, schema, session) and the [`Database`] facade. `ARCHITECTURE.md`
//! at the repository root maps them, with the path of one call from query to rows.

extern crate self as model_core;

mod auto;
mod bind;
pub mod catalog;
mod change;
#[cfg(feature = "cli")]
pub mod cli;
mod column_type;
mod config;
mod database;
pub mod dialect;
mod driver;
mod error;
mod executor;
mod field;
mod from_row;
#[cfg(feature = "json")]
mod json;
mod meta;
#[cfg(feature = "migrate")]
pub mod migrate;
mod model;
mod naming;
mod operations;
mod query;
mod record;
pub mod registry;
mod relation;
mod row;
mod schema;
mod session;
mod signals;
mod sql_cache;
mod sql_type;
#[cfg(feature = "time")]
mod time_types;
mod transaction_options;
mod url;
mod value;
mod violation;
#[cfg(feature = "axum")]
mod web;
mod write;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use auto::Auto;
pub use bind::Bind;
pub use change::{Change, Operation};
pub use column_type::{ColumnType, ValueError};
pub use config::{
    BindConfig, Config, DATABASE_BINDS, DATABASE_ECHO, DATABASE_RECORD_QUERIES, DATABASE_URL,
    PoolConfig, PrePing,
};
pub use database::Database;
pub use error::{Error, Result, SchemaErrors, SchemaProblem};
pub use executor::Executor;
pub use field::FieldType;
pub use from_row::FromRow;
#[cfg(feature = "json")]
pub use json::Json;
pub use meta::{ColumnDef, ForeignKey, Index, ReferentialAction, ResolvedIndex, Table};
pub use model::{Column, ColumnGroup, ColumnRef, Contains, Model};
pub use model_derive::{ColumnGroup, ColumnType, FromRow, Model};
pub use query::{
    Aggregate, AggregateOutput, Assignment, Condition, Grouped, IntoKey, KeyPart, Order, Ordering,
    Page, Projected, Select, Selectable, Summable, Union, avg, count, count_distinct, count_of,
    max, min, sum,
};
pub use record::QueryRecord;
pub use relation::{
    BelongsTo, ColumnsJoin, Filtered, ForeignKeyShape, HasMany, HasOne, Include, JoinOn, Joinable,
    Joined, Many, ManyToMany, Nested, One, Optional, Relation, SelectWith, Shape, ToMany, ToOne,
};
pub use row::{DecodeError, RowReader};
pub use schema::BindSelection;

/// The former name of [`BindSelection`], kept so code written against it still compiles.
#[deprecated(since = "0.1.0", note = "renamed to `BindSelection`")]
pub type Binds = BindSelection;
pub use session::{BoxFuture, Session};
pub use sql_type::{EnumStorage, EnumType, SqlType};
pub use transaction_options::{IsolationLevel, TransactionOptions};
pub use url::{Backend, DatabaseUrl};
pub use value::Value;
pub use violation::{ConstraintKind, ConstraintViolation};
