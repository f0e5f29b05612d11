//! What a session changed: the list the commit signals receive.

use crate::meta::Table;
use crate::model::Model;
use crate::value::Value;

/// What happened to a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Inserted.
    Insert,
    /// Updated.
    Update,
    /// Deleted.
    Delete,
}

/// One row a session wrote: its table, what happened, and its primary key.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The model's struct name.
    pub model: &'static str,
    /// Its table.
    pub table: &'static str,
    /// Its bind (`None`: the default database).
    pub bind: Option<&'static str>,
    /// What happened.
    pub operation: Operation,
    /// The primary key values, in key order.
    pub key: Vec<Value>,
}

impl Change {
    pub(crate) fn new<M: Model>(operation: Operation, key: Vec<Value>) -> Self {
        Self::of(M::TABLE, operation, key)
    }

    /// The change to a row of `table`.
    pub(crate) fn of(table: &'static Table, operation: Operation, key: Vec<Value>) -> Self {
        Change {
            model: table.model(),
            table: table.name(),
            bind: table.bind(),
            operation,
            key,
        }
    }
}
