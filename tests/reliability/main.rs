//! The reliability suite: load, killed connections, a restarted server, atomicity, the pool's
//! handling of abandoned work, hostile input and the safety of the layout, on a SQLite file in
//! WAL mode, PostgreSQL and MariaDB.
//!
//! Run it alone with `cargo test -p model-tests --test reliability -- --nocapture` (the load
//! and recovery figures are printed). Tests that stop a server or change its global settings
//! take [`servers::exclusive`]; every other server test holds [`servers::shared`], so the two
//! never overlap inside this binary (cargo runs test binaries one after another).

mod atomicity;
mod cancel;
mod config;
mod hostile;
mod killed;
mod layout;
mod load;
mod models;
mod pool;
mod restart;
mod servers;
