//! Relationships between models: many-to-one ([`BelongsTo`], declared on a foreign key field),
//! its reverse one-to-many ([`HasMany`]) and one-to-one ([`HasOne`]), and many-to-many
//! ([`ManyToMany`]) through an association table with a struct of its own or none.
//!
//! Nothing loads behind the user's back: every database access is an `.await`. A handle gives
//! the query for one row's related rows (`user.posts()`, lazy as a query: filter, count,
//! paginate it), and `query.with(handle)` loads the related rows of every row of a query
//! select-in, one statement per relationship level, returned beside each row as typed values
//! (`(User, Vec<Post>)`): related rows that were not asked for do not exist to be read.

mod association;
mod conditions;
mod handles;
mod include;
mod joined;
mod keys;
mod shape;
mod with;

pub use handles::{BelongsTo, Filtered, HasMany, HasOne, ManyToMany, Nested};
pub use include::{Include, Relation, ToMany};
pub use joined::{ColumnsJoin, JoinOn, Joinable, Joined};
pub use shape::{ForeignKeyShape, Many, One, Optional, Shape, ToOne};
pub use with::SelectWith;
