//! The query builder against real databases: every operator, ordering, limits, the terminal
//! methods and pagination, on SQLite (memory, file), PostgreSQL and MariaDB; the SQL it
//! renders; and collation (how text compares). Hostile strings travel as bound values and
//! come back unchanged.

/// The models every binary of these tests shares, and the rows each test starts from.
#[path = "../shared_models.rs"]
#[allow(dead_code)]
mod models;

mod collation;
mod filters;
mod reading;
mod sql;
