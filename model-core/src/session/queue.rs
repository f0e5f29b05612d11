//! The writes a session queues (`add`, `update`, `delete`), with their model types erased, and
//! how a flush takes them: one by one, or consecutive inserts into one table gathered into
//! one multi-row statement.

use super::BoxFuture;
use crate::bind::Bind;
use crate::change::Operation;
use crate::dialect::Dialect;
use crate::driver::Target;
use crate::error::Result;
use crate::meta::Table;
use crate::model::Model;
use crate::value::Value;
use crate::write::{
    InsertGroup, KeyedWrite, delete_row, insert_row, insert_values, key_of, update_row,
};

/// A queued write, with its model type erased.
pub(super) trait Pending: Send {
    fn table(&self) -> &'static Table;
    fn operation(&self) -> Operation;
    /// For an insert: the columns it writes and their values.
    fn insert_values(&self) -> Option<(Vec<&'static str>, Vec<Value>)>;
    /// An update or delete as one statement that reports the row's key: what nearly every one
    /// is. `None` where only the typed path below can learn the key.
    fn keyed(&self, dialect: &dyn Dialect) -> Option<KeyedWrite>;
    /// The typed path: writes the row and reads it back to learn its key.
    fn run_typed<'a>(
        self: Box<Self>,
        conn: Target<'a>,
        bind: &'a Bind,
    ) -> BoxFuture<'a, Result<Vec<Value>>>;
}

pub(super) struct Queued<M> {
    pub(super) operation: Operation,
    pub(super) row: M,
}

impl<M: Model> Pending for Queued<M> {
    fn table(&self) -> &'static Table {
        M::TABLE
    }

    fn operation(&self) -> Operation {
        self.operation
    }

    fn insert_values(&self) -> Option<(Vec<&'static str>, Vec<Value>)> {
        (self.operation == Operation::Insert).then(|| insert_values(&self.row))
    }

    fn keyed(&self, dialect: &dyn Dialect) -> Option<KeyedWrite> {
        match self.operation {
            // Inserts are prepared from `insert_values` (see `Session::flush`).
            Operation::Insert => None,
            Operation::Update => KeyedWrite::update(dialect, &self.row),
            // A cascading delete runs several statements: the typed path.
            Operation::Delete if !M::DELETE_CASCADES.is_empty() => None,
            Operation::Delete => Some(KeyedWrite::delete(dialect, &self.row)),
        }
    }

    fn run_typed<'a>(
        self: Box<Self>,
        mut conn: Target<'a>,
        bind: &'a Bind,
    ) -> BoxFuture<'a, Result<Vec<Value>>> {
        Box::pin(async move {
            match self.operation {
                Operation::Insert => Ok(key_of(&insert_row(&mut conn, bind, &self.row).await?)),
                Operation::Update => {
                    update_row(&mut conn, bind, &self.row).await?;
                    Ok(key_of(&self.row))
                }
                Operation::Delete => {
                    delete_row(&mut conn, bind, &self.row).await?;
                    Ok(key_of(&self.row))
                }
            }
        })
    }
}

/// A queued write, with the columns and values it inserts if it is an insert.
pub(super) type Prepared = (Box<dyn Pending>, Option<(Vec<&'static str>, Vec<Value>)>);

/// The writes a flush runs, each prepared as the flush reaches it: an insert's values are
/// taken one row ahead at most, to see whether it joins the insert before it.
pub(super) struct Queue {
    rest: std::vec::IntoIter<Box<dyn Pending>>,
    ahead: Option<Prepared>,
}

impl Queue {
    pub(super) fn new(pending: Vec<Box<dyn Pending>>) -> Self {
        Queue {
            rest: pending.into_iter(),
            ahead: None,
        }
    }

    pub(super) fn next(&mut self) -> Option<Prepared> {
        self.ahead.take().or_else(|| {
            let pending = self.rest.next()?;
            let values = pending.insert_values();
            Some((pending, values))
        })
    }

    /// The next write if `joins` says yes to it.
    fn next_if(&mut self, joins: impl FnOnce(&Prepared) -> bool) -> Option<Prepared> {
        let next = self.next()?;
        if joins(&next) {
            Some(next)
        } else {
            self.ahead = Some(next);
            None
        }
    }
}

/// How a queued insert is sent.
pub(super) enum GatheredInsert {
    /// With the inserts after it that joined it.
    Group(InsertGroup),
    /// Alone; `None` when only the typed path can learn its key.
    One(Option<KeyedWrite>),
}

/// The queued insert writing `values` into `columns` of `table`, with the inserts after it
/// in `queue` that can go in the same statement on `dialect` (taken from the queue).
pub(super) fn gather_inserts(
    dialect: &dyn Dialect,
    table: &'static Table,
    columns: Vec<&'static str>,
    values: Vec<Value>,
    queue: &mut Queue,
) -> GatheredInsert {
    let mut batch = match InsertGroup::start(dialect, table, columns, values) {
        Ok(batch) => batch,
        Err((columns, values)) => {
            return GatheredInsert::One(KeyedWrite::insert(dialect, table, &columns, values));
        }
    };
    while let Some((_, Some((_, values)))) = queue.next_if(|(next, values)| {
        values
            .as_ref()
            .is_some_and(|(columns, values)| batch.accepts(next.table(), columns, values))
    }) {
        batch.push(values);
    }
    if batch.len() > 1 {
        return GatheredInsert::Group(batch);
    }
    let (columns, values) = batch.into_row();
    GatheredInsert::One(KeyedWrite::insert(dialect, table, &columns, values))
}
