//! Relationships on every backend: declared with the derive, created with `create_all`,
//! queried lazily (`user.posts()`) and loaded select-in (`query.with(...)`), with the number of
//! statements each load sends counted through recorded queries, as SQLAlchemy's relationship
//! tests count them with `assert_sql_count`.

mod cascades;
mod filtering;
mod grouping;
mod joins;
mod loading;
mod models;
mod n_plus_one;
