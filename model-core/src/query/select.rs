//! `Model::query()`: the `SELECT` builder over one model's table, refined with conditions,
//! ordering and limits. How it is written as SQL is `render.rs`; how it runs (`all`, `get`,
//! `paginate`...) is `run.rs`.

use std::fmt;
use std::marker::PhantomData;

use super::expr::Condition;
use super::key::{IntoKey, key_values};
use super::node::Node;
use super::order::Order;
use super::render::{Projection, SelectStatement};
use super::writer::SqlWriter;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::field::FieldType;
use crate::model::{Column, Contains, Model};
use crate::value::Value;

/// A query for rows of `M`, built by `M::query()` and refined with `filter`, `order_by`,
/// `limit`, `offset` and `distinct`; `all`, `first`, `one`, `get`, `count`, `exists` and
/// `paginate` run it.
pub struct Select<M> {
    pub(crate) conditions: Vec<Node>,
    pub(crate) orders: Vec<(&'static str, bool)>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
    pub(crate) distinct: bool,
    /// The most rows `paginate` puts on a page, whatever it is asked for.
    pub(crate) max_per_page: Option<u64>,
    _model: PhantomData<fn() -> M>,
}

impl<M: Model> Select<M> {
    /// A query over all rows of `M`'s table.
    pub fn new() -> Self {
        Select {
            conditions: Vec::new(),
            orders: Vec::new(),
            limit: None,
            offset: None,
            distinct: false,
            max_per_page: None,
            _model: PhantomData,
        }
    }

    /// A query with `conditions` and `orders` already set: a relationship's rows.
    pub(crate) fn from_parts(conditions: Vec<Node>, orders: Vec<(&'static str, bool)>) -> Self {
        Select {
            conditions,
            orders,
            ..Select::new()
        }
    }

    /// Keeps the rows matching `condition` (several calls: all must match).
    pub fn filter(mut self, condition: Condition<M>) -> Self {
        self.conditions.push(condition.node);
        self
    }

    /// Keeps the rows whose `column` equals `value` (Flask-SQLAlchemy's `filter_by`).
    pub fn filter_by<G, T: FieldType>(
        self,
        column: Column<G, T>,
        value: impl Into<T::Compare>,
    ) -> Self
    where
        M: Contains<G>,
    {
        self.filter(column.eq(value))
    }

    /// Orders by `order` after any earlier `order_by`.
    pub fn order_by(mut self, order: Order<M>) -> Self {
        self.orders.push((order.column, order.descending));
        self
    }

    /// At most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    /// Drops duplicate rows.
    pub fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }

    /// Caps the `per_page` of [`paginate`](Self::paginate) at `n` (at least 1), as
    /// Flask-SQLAlchemy 3's `max_per_page`: a page size taken from a request
    /// (`?per_page=100000`) then never reaches the database unbounded. A larger `per_page` is
    /// lowered to `n`, not refused.
    pub fn max_per_page(mut self, n: u64) -> Self {
        self.max_per_page = Some(n.max(1));
        self
    }

    /// The SQL and bound values this query runs as in `dialect`.
    pub fn to_sql(&self, dialect: &dyn Dialect) -> (String, Vec<Value>) {
        let mut w = SqlWriter::new(dialect);
        self.write(&mut w, Projection::Model);
        w.finish()
    }

    fn write(&self, w: &mut SqlWriter<'_>, projection: Projection) {
        self.statement(&[]).write(w, projection);
    }

    /// The statement this query writes, with `key` conditions after its own.
    pub(crate) fn statement<'q>(&'q self, key: &'q [Node]) -> SelectStatement<'q> {
        SelectStatement {
            table: M::TABLE,
            conditions: &self.conditions,
            key,
            orders: &self.orders,
            limit: self.limit,
            offset: self.offset,
            distinct: self.distinct,
            through: None,
        }
    }

    /// ` WHERE ...` when the query has conditions.
    pub(crate) fn write_where(&self, w: &mut SqlWriter<'_>) {
        super::render::write_where(w, &self.conditions, &[]);
    }

    /// Whether the query is `M::query()` as it comes: every row, in no particular order.
    pub(super) fn is_plain(&self) -> bool {
        self.conditions.is_empty()
            && self.orders.is_empty()
            && self.limit.is_none()
            && self.offset.is_none()
            && !self.distinct
    }

    /// `key` checked against the primary key: one value per key column, of its type.
    pub(crate) fn checked_key(&self, key: impl IntoKey) -> Result<Vec<Value>> {
        key_values(M::TABLE, key.into_key()).map_err(|message| Error::InvalidKey {
            model: M::TABLE.model().to_owned(),
            table: M::TABLE.name().to_owned(),
            message,
        })
    }
}

impl<M: Model> Default for Select<M> {
    fn default() -> Self {
        Select::new()
    }
}

impl<M: Model> Clone for Select<M> {
    fn clone(&self) -> Self {
        Select {
            conditions: self.conditions.clone(),
            orders: self.orders.clone(),
            limit: self.limit,
            offset: self.offset,
            distinct: self.distinct,
            max_per_page: self.max_per_page,
            _model: PhantomData,
        }
    }
}

impl<M: Model> fmt::Debug for Select<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("model", &M::TABLE.model())
            .field("table", &M::TABLE.name())
            .field("conditions", &self.conditions)
            .field("orders", &self.orders)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .field("distinct", &self.distinct)
            .finish()
    }
}
