//! `Model::query()`: a query over one model's table, run on the bind the model belongs to.
//! This is the foundation the query builder grows from; today it loads every row.

use std::fmt;
use std::marker::PhantomData;

use crate::database::{Bind, Database};
use crate::dialect::Dialect;
use crate::driver::DriverError;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::value::Value;

/// A query for rows of `M`, built by `M::query()`.
pub struct Select<M> {
    _model: PhantomData<fn() -> M>,
}

impl<M: Model> Select<M> {
    /// A query over all rows of `M`'s table.
    pub fn new() -> Self {
        Select {
            _model: PhantomData,
        }
    }

    /// The SQL and bound values this query runs as in `dialect`.
    pub fn to_sql(&self, dialect: &dyn Dialect) -> (String, Vec<Value>) {
        (dialect.select_all(M::TABLE), Vec::new())
    }

    /// Runs the query on `M`'s bind and reads every row into `M`.
    pub async fn all(&self, db: &Database) -> Result<Vec<M>> {
        let bind = db
            .bind(M::TABLE.bind())
            .map_err(|e| unknown_bind_for::<M>(e))?;
        let (sql, values) = self.to_sql(bind.engine.dialect());
        bind.engine
            .fetch_all::<M>(&sql, &values)
            .await
            .map_err(|e| driver_error::<M>(bind, e))
    }
}

impl<M: Model> Default for Select<M> {
    fn default() -> Self {
        Select::new()
    }
}

impl<M: Model> Clone for Select<M> {
    fn clone(&self) -> Self {
        Select::new()
    }
}

impl<M: Model> fmt::Debug for Select<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("model", &M::TABLE.model())
            .field("table", &M::TABLE.name())
            .finish()
    }
}

/// An unknown bind, said from the model's side: which model wanted it.
fn unknown_bind_for<M: Model>(error: Error) -> Error {
    match error {
        Error::UnknownBind { bind, configured } => Error::UnknownBind {
            bind: format!("{bind} (wanted by {})", M::TABLE.describe()),
            configured,
        },
        other => other,
    }
}

/// A driver failure in the context of loading `M`.
pub(crate) fn driver_error<M: Model>(bind: &Bind, error: DriverError) -> Error {
    let table = M::TABLE;
    match error {
        DriverError::Sql(source) => Error::Database {
            bind: bind.label(),
            action: format!("loading rows of {}", table.describe()),
            source,
        },
        DriverError::Decode(decode) => Error::Decode {
            bind: bind.label(),
            model: table.model().to_owned(),
            table: table.name().to_owned(),
            column: table
                .columns()
                .get(decode.index())
                .map(|c| c.name())
                .unwrap_or("?")
                .to_owned(),
            source: decode.into_source(),
        },
    }
}
