//! `create_all` / `drop_all` against real databases: SQLite in memory and in a file,
//! PostgreSQL and MariaDB. Every result is read back from the database's own catalog.
//!
//! Each test uses its own database and its own bind key, so tests run in parallel.

mod binds;
mod catalog;
mod lifecycle;
mod models;
mod reflection;
