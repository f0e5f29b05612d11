//! The query builder against real databases: every operator, ordering, limits, the terminal
//! methods and pagination, on SQLite (memory, file), PostgreSQL and MariaDB; and the SQL it
//! renders. Hostile strings travel as bound values and come back unchanged.

mod collation;
mod constraints;
mod filters;
mod lost_updates;
mod models;
mod reading;
mod recording;
mod sessions;
mod sql;
mod web;
mod writing;
