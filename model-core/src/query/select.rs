//! `Model::query()`: a `SELECT` over one model's table, refined with conditions, ordering and
//! limits, run on the bind the model belongs to.

use std::fmt;
use std::marker::PhantomData;

use super::expr::{Condition, Node};
use super::key::{IntoKey, key_conditions, key_values};
use super::order::Order;
use super::page::Page;
use super::writer::SqlWriter;
use crate::bind::Bind;
use crate::database::Database;
use crate::dialect::Dialect;
use crate::driver::{DriverError, RowCount};
use crate::error::{Error, Result};
use crate::field::FieldType;
use crate::meta::Table;
use crate::model::{Column, Contains, Model};
use crate::sql_cache::TableStatement;
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

/// What a query selects.
#[derive(Clone, Copy)]
enum Projection {
    /// Every column of the model, in order, so rows decode by position.
    Model,
    /// `COUNT(*)` of the rows the query would return.
    Count,
    /// `1` for each row, inside the dialect's `EXISTS` wrapper.
    Exists,
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

    /// The SQL and bound values this query runs as in `dialect`.
    pub fn to_sql(&self, dialect: &dyn Dialect) -> (String, Vec<Value>) {
        let mut w = SqlWriter::new(dialect);
        self.write(&mut w, Projection::Model);
        w.finish()
    }

    fn write(&self, w: &mut SqlWriter<'_>, projection: Projection) {
        self.parts(&[]).write(w, projection);
    }

    /// The parts this query writes, with `key` conditions after its own.
    fn parts<'q>(&'q self, key: &'q [Node]) -> Parts<'q> {
        Parts {
            table: M::TABLE,
            conditions: &self.conditions,
            key,
            orders: &self.orders,
            limit: self.limit,
            offset: self.offset,
            distinct: self.distinct,
        }
    }

    /// ` WHERE ...` when the query has conditions.
    pub(crate) fn write_where(&self, w: &mut SqlWriter<'_>) {
        write_where(w, &self.conditions, &[]);
    }

    /// Runs `parts` (this query's, adjusted by the caller) and decodes the rows. Every read of
    /// rows goes through here, once, inside the public method's caller scope: the query is
    /// never cloned to be adjusted.
    async fn load(db: &Database, parts: Parts<'_>) -> Result<Vec<M>> {
        Self::load_expecting(db, parts, RowCount::for_limit(parts.limit)).await
    }

    /// [`Self::load`], telling the driver how many rows to read.
    async fn load_expecting(db: &Database, parts: Parts<'_>, expect: RowCount) -> Result<Vec<M>> {
        let bind = db.bind_for(M::TABLE)?;
        let mut w = SqlWriter::new(bind.engine.dialect());
        parts.write(&mut w, Projection::Model);
        let (sql, values) = w.finish();
        bind.engine
            .read_all::<M>(&sql, &values, expect)
            .await
            .map_err(|e| driver_error::<M>(bind, e))
    }

    /// The row of this query whose primary key is `key` (values already of the key's column
    /// types). A key matches at most one row, so no `LIMIT` is written: the statement is the
    /// plain lookup, with one value fewer to bind and send. On a query with no filter, order,
    /// limit, offset or `DISTINCT`, that is the table's cached lookup text.
    async fn load_key(&self, db: &Database, key: Vec<Value>) -> Result<Option<M>> {
        if !self.is_plain() {
            let key = key_conditions(M::TABLE, key);
            return Ok(
                Self::load_expecting(db, self.parts(&key), RowCount::AtMostOne)
                    .await?
                    .pop(),
            );
        }
        let bind = db.bind_for(M::TABLE)?;
        let sql = select_by_key_sql(M::TABLE, bind.engine.dialect());
        let mut rows = bind
            .engine
            .read_all::<M>(sql, &key, RowCount::AtMostOne)
            .await
            .map_err(|e| driver_error::<M>(bind, e))?;
        Ok(rows.pop())
    }

    /// Whether the query is `M::query()` as it comes: every row, in no particular order.
    fn is_plain(&self) -> bool {
        self.conditions.is_empty()
            && self.orders.is_empty()
            && self.limit.is_none()
            && self.offset.is_none()
            && !self.distinct
    }

    /// The first row of `parts` run with `LIMIT 1`.
    async fn load_first(db: &Database, mut parts: Parts<'_>) -> Result<Option<M>> {
        parts.limit = Some(1);
        Ok(Self::load(db, parts).await?.pop())
    }

    /// Every row.
    #[track_caller]
    pub fn all<'a>(
        &'a self,
        db: &'a Database,
    ) -> impl std::future::Future<Output = Result<Vec<M>>> + Send + 'a {
        crate::record::from_caller(Self::load(db, self.parts(&[])))
    }

    /// The first row, if any.
    #[track_caller]
    pub fn first<'a>(
        &'a self,
        db: &'a Database,
    ) -> impl std::future::Future<Output = Result<Option<M>>> + Send + 'a {
        crate::record::from_caller(Self::load_first(db, self.parts(&[])))
    }

    /// The first row, or [`Error::NotFound`] (a 404 with the `axum` feature).
    #[track_caller]
    pub fn first_or_404<'a>(
        &'a self,
        db: &'a Database,
    ) -> impl std::future::Future<Output = Result<M>> + Send + 'a {
        crate::record::from_caller(async move {
            Self::load_first(db, self.parts(&[]))
                .await?
                .ok_or_else(|| not_found::<M>("no row matches the query".to_owned()))
        })
    }

    /// The only row: [`Error::NotFound`] when there is none, [`Error::NotUnique`] when there
    /// are several.
    #[track_caller]
    pub fn one<'a>(
        &'a self,
        db: &'a Database,
    ) -> impl std::future::Future<Output = Result<M>> + Send + 'a {
        crate::record::from_caller(async move {
            let mut parts = self.parts(&[]);
            parts.limit = Some(2);
            let mut rows = Self::load(db, parts).await?;
            match rows.len() {
                0 => Err(not_found::<M>("no row matches the query".to_owned())),
                1 => Ok(rows.remove(0)),
                _ => Err(Error::NotUnique {
                    model: M::TABLE.model().to_owned(),
                    table: M::TABLE.name().to_owned(),
                }),
            }
        })
    }

    /// The row with primary key `key` (a tuple for a composite key), within this query's filters.
    #[track_caller]
    pub fn get<'a>(
        &'a self,
        db: &'a Database,
        key: impl IntoKey + Send + 'a,
    ) -> impl std::future::Future<Output = Result<Option<M>>> + Send + 'a {
        crate::record::from_caller(async move {
            let key = self.checked_key(key)?;
            self.load_key(db, key).await
        })
    }

    /// The row with primary key `key`, or [`Error::NotFound`].
    #[track_caller]
    pub fn get_or_404<'a>(
        &'a self,
        db: &'a Database,
        key: impl IntoKey + Send + 'a,
    ) -> impl std::future::Future<Output = Result<M>> + Send + 'a {
        crate::record::from_caller(async move {
            let key = self.checked_key(key)?;
            self.load_key(db, key)
                .await?
                .ok_or_else(|| not_found::<M>("no row has that primary key".to_owned()))
        })
    }

    /// `key` checked against the primary key: one value per key column, of its type.
    fn checked_key(&self, key: impl IntoKey) -> Result<Vec<Value>> {
        key_values(M::TABLE, key.into_key()).map_err(|message| Error::InvalidKey {
            model: M::TABLE.model().to_owned(),
            table: M::TABLE.name().to_owned(),
            message,
        })
    }

    /// The number of rows the query returns (ordering ignored).
    #[track_caller]
    pub fn count<'a>(
        &'a self,
        db: &'a Database,
    ) -> impl std::future::Future<Output = Result<u64>> + Send + 'a {
        crate::record::from_caller(async move { Self::count_parts(db, self.parts(&[])).await })
    }

    /// Whether the query returns any row.
    #[track_caller]
    pub fn exists<'a>(
        &'a self,
        db: &'a Database,
    ) -> impl std::future::Future<Output = Result<bool>> + Send + 'a {
        crate::record::from_caller(async move {
            Ok(Self::fetch_integer(db, self.parts(&[]), Projection::Exists).await? != 0)
        })
    }

    /// The number of rows `parts` selects.
    async fn count_parts(db: &Database, parts: Parts<'_>) -> Result<u64> {
        let count = Self::fetch_integer(db, parts, Projection::Count).await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Runs `parts` with a projection that returns one integer (a count or a flag).
    async fn fetch_integer(db: &Database, parts: Parts<'_>, projection: Projection) -> Result<i64> {
        let bind = db.bind_for(M::TABLE)?;
        let mut w = SqlWriter::new(bind.engine.dialect());
        parts.write(&mut w, projection);
        let (sql, values) = w.finish();
        bind.engine
            .fetch_i64(&sql, &values)
            .await
            .map_err(|e| driver_error::<M>(bind, DriverError::Sql(e)))
    }

    /// Caps the `per_page` of [`paginate`](Self::paginate) at `n` (at least 1), as
    /// Flask-SQLAlchemy 3's `max_per_page`: a page size taken from a request
    /// (`?per_page=100000`) then never reaches the database unbounded. A larger `per_page` is
    /// lowered to `n`, not refused.
    pub fn max_per_page(mut self, n: u64) -> Self {
        self.max_per_page = Some(n.max(1));
        self
    }

    /// Page `page` (from 1) of `per_page` rows, with the total count, as Flask-SQLAlchemy's
    /// `paginate`. With `error_out`, a page below 1, a `per_page` below 1, or an empty page
    /// other than the first is [`Error::NotFound`]; without it, they give page 1, 20 per page,
    /// and an empty page. `per_page` is capped by [`max_per_page`](Self::max_per_page) when
    /// the query has one. The page and the count run at once, each on a connection of the
    /// bind's pool, so the caller waits for one round trip rather than two.
    #[track_caller]
    pub fn paginate<'a>(
        &'a self,
        db: &'a Database,
        page: u64,
        per_page: u64,
        error_out: bool,
    ) -> impl std::future::Future<Output = Result<Page<M>>> + Send + 'a {
        crate::record::from_caller(async move {
            if error_out && (page < 1 || per_page < 1) {
                return Err(not_found::<M>(format!(
                    "page {page} of {per_page} per page does not exist"
                )));
            }
            let page = page.max(1);
            let per_page = if per_page < 1 { 20 } else { per_page };
            let per_page = per_page.min(self.max_per_page.unwrap_or(u64::MAX));
            let mut parts = self.parts(&[]);
            parts.limit = Some(per_page);
            parts.offset = Some((page - 1).saturating_mul(per_page));
            let mut counted = self.parts(&[]);
            counted.limit = None;
            counted.offset = None;
            // Two statements with no transaction between them either way, so they may run at
            // once, each on its own pooled connection (one after the other when the pool has
            // one): the page costs one round trip's wait instead of two.
            let (items, total) = futures_util::future::try_join(
                Self::load(db, parts),
                Self::count_parts(db, counted),
            )
            .await?;
            if error_out && items.is_empty() && page != 1 {
                return Err(not_found::<M>(format!("page {page} is past the last page")));
            }
            Ok(Page {
                items,
                page,
                per_page,
                total,
            })
        })
    }
}

impl<M: Model> Page<M> {
    /// The next page of `query` (the query this page came from), with the total carried over
    /// instead of counted again; `error_out` as in [`Select::paginate`].
    #[track_caller]
    pub fn next<'a>(
        &'a self,
        query: &'a Select<M>,
        db: &'a Database,
        error_out: bool,
    ) -> impl std::future::Future<Output = Result<Page<M>>> + 'a {
        crate::record::from_caller(self.neighbour(query, db, self.page + 1, error_out))
    }

    /// The previous page of `query`; before page 1 it is [`Error::NotFound`] with `error_out`,
    /// page 1 without.
    #[track_caller]
    pub fn prev<'a>(
        &'a self,
        query: &'a Select<M>,
        db: &'a Database,
        error_out: bool,
    ) -> impl std::future::Future<Output = Result<Page<M>>> + 'a {
        crate::record::from_caller(self.neighbour(
            query,
            db,
            self.page.saturating_sub(1),
            error_out,
        ))
    }

    async fn neighbour(
        &self,
        query: &Select<M>,
        db: &Database,
        page: u64,
        error_out: bool,
    ) -> Result<Page<M>> {
        if error_out && page < 1 {
            return Err(not_found::<M>("there is no page before page 1".to_owned()));
        }
        let page = page.max(1);
        let offset = (page - 1).saturating_mul(self.per_page);
        let mut parts = query.parts(&[]);
        parts.limit = Some(self.per_page);
        parts.offset = Some(offset);
        let items = Select::load(db, parts).await?;
        if error_out && items.is_empty() && page != 1 {
            return Err(not_found::<M>(format!("page {page} is past the last page")));
        }
        Ok(Page {
            items,
            page,
            per_page: self.per_page,
            total: self.total,
        })
    }
}

/// A query's parts without its model type, so that one function (not one per model) writes
/// the SQL of every query.
#[derive(Clone, Copy)]
struct Parts<'q> {
    table: &'static Table,
    conditions: &'q [Node],
    /// Primary key conditions of `get`, after the query's own.
    key: &'q [Node],
    orders: &'q [(&'static str, bool)],
    limit: Option<u64>,
    offset: Option<u64>,
    distinct: bool,
}

impl Parts<'_> {
    fn write(&self, w: &mut SqlWriter<'_>, projection: Projection) {
        let table = self.table;
        let wrap_count = matches!(projection, Projection::Count)
            && (self.distinct || self.limit.is_some() || self.offset.is_some());
        if wrap_count {
            w.push("SELECT COUNT(*) FROM (");
        }
        let (exists_open, exists_close) = w.dialect().exists_wrapper();
        if matches!(projection, Projection::Exists) {
            w.push(exists_open);
        }
        // Whether a row exists does not depend on DISTINCT (nor on the order, below).
        let distinct = self.distinct && !matches!(projection, Projection::Exists);
        let lists_columns = match projection {
            Projection::Model => true,
            Projection::Count => wrap_count,
            Projection::Exists => false,
        };
        if lists_columns && !distinct {
            // The same text for every query of the table: rendered once.
            w.push(select_all_sql(table, w.dialect()));
        } else {
            w.push(if distinct {
                "SELECT DISTINCT "
            } else {
                "SELECT "
            });
            if lists_columns {
                write_columns_from(w, table);
            } else {
                w.push(match projection {
                    Projection::Exists => "1",
                    _ => "COUNT(*)",
                });
                w.push(" FROM ");
                w.ident(table.name());
            }
        }
        write_where(w, self.conditions, self.key);
        // An order matters to EXISTS only with an OFFSET (which rows are skipped).
        let ordered = match projection {
            Projection::Model => true,
            Projection::Count => false,
            Projection::Exists => self.offset.is_some(),
        };
        if ordered && !self.orders.is_empty() {
            w.push(" ORDER BY ");
            for (i, (column, descending)) in self.orders.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                w.ident(column);
                w.push(if *descending { " DESC" } else { " ASC" });
            }
        }
        if self.limit.is_some() || self.offset.is_some() {
            match self.limit {
                Some(limit) => {
                    w.push(" LIMIT ");
                    write_row_count(w, limit);
                }
                None => {
                    w.push(" LIMIT ");
                    w.push(w.dialect().no_limit());
                }
            }
            if let Some(offset) = self.offset {
                w.push(" OFFSET ");
                write_row_count(w, offset);
            }
        }
        if wrap_count {
            w.push(") AS model_core_counted");
        }
        if matches!(projection, Projection::Exists) {
            w.push(exists_close);
        }
    }
}

/// The text of [`TableStatement::SelectAll`] for `table` in `dialect`, rendered once.
fn select_all_sql(table: &'static Table, dialect: &dyn Dialect) -> &'static str {
    table
        .sql_cache()
        .get_or_render(dialect.id(), TableStatement::SelectAll, || {
            let mut w = SqlWriter::new(dialect);
            w.push("SELECT ");
            write_columns_from(&mut w, table);
            w.finish().0
        })
}

/// `<every column> FROM t`.
fn write_columns_from(w: &mut SqlWriter<'_>, table: &Table) {
    w.ident_list(table.columns().iter().map(|c| c.name()));
    w.push(" FROM ");
    w.ident(table.name());
}

/// The text of [`TableStatement::SelectByKey`] for `table` in `dialect`: what `get` on a plain query
/// writes, rendered once.
pub(crate) fn select_by_key_sql(table: &'static Table, dialect: &dyn Dialect) -> &'static str {
    table
        .sql_cache()
        .get_or_render(dialect.id(), TableStatement::SelectByKey, || {
            // Values only become placeholders: any value of each key column writes the same text.
            let nulls = table.primary_key().map(|c| Value::Null(c.sql_type()));
            let key = key_conditions(table, nulls.collect());
            let parts = Parts {
                table,
                conditions: &[],
                key: &key,
                orders: &[],
                limit: None,
                offset: None,
                distinct: false,
            };
            let mut w = SqlWriter::new(dialect);
            parts.write(&mut w, Projection::Model);
            w.finish().0
        })
}

/// ` WHERE ...` when there are conditions.
fn write_where(w: &mut SqlWriter<'_>, conditions: &[Node], key: &[Node]) {
    if !conditions.is_empty() || !key.is_empty() {
        w.push(" WHERE ");
        super::expr::write_all(w, conditions.iter().chain(key));
    }
}

/// Limits and offsets are bound as BIGINT; anything larger is as good as unlimited.
fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A LIMIT or OFFSET count: bound, or written as a literal where the dialect asks (an integer
/// of ours, never user text).
fn write_row_count(w: &mut SqlWriter<'_>, n: u64) {
    if w.dialect().bind_row_counts() {
        w.value(Value::BigInt(clamp(n)));
    } else {
        w.push(&clamp(n).to_string());
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

fn not_found<M: Model>(detail: String) -> Error {
    Error::NotFound {
        model: M::TABLE.model().to_owned(),
        table: M::TABLE.name().to_owned(),
        detail,
    }
}

/// A driver failure in the context of reading `M`.
pub(crate) fn driver_error<M: Model>(bind: &Bind, error: DriverError) -> Error {
    let table = M::TABLE;
    match error {
        DriverError::Sql(source) => Error::Database {
            bind: bind.label(),
            action: format!("querying {}", table.describe()),
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
