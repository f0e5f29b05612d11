//! `select(...)` and `group_by(...)`: a query that returns chosen columns and aggregates rather
//! than whole rows, grouped and filtered on its groups (`HAVING`), read into tuples of Rust
//! types:
//!
//! ```no_run
//! # use model_core::{Database, Model, Result, count, max};
//! # #[derive(Model)] struct Post { #[column(primary_key, autoincrement = false)] id: i64, author_id: i64, published: bool }
//! # async fn run(db: &Database) -> Result<()> {
//! // Authors with more than one published post: (author, posts, latest post).
//! let busy: Vec<(i64, i64, Option<i64>)> = Post::query()
//!     .filter(Post::PUBLISHED.eq(true))
//!     .group_by(Post::AUTHOR_ID)
//!     .having(count().gt(1))
//!     .select((Post::AUTHOR_ID, count(), max(Post::ID)))
//!     .order_by(count().desc())
//!     .all(db)
//!     .await?;
//! # Ok(()) }
//! ```

use super::expr::Condition;
use super::node::Node;
use super::node::write_all;
use super::projection::{Item, Ordering, Selectable};
use super::render::write_limit_offset;
use super::select::Select;
use super::writer::SqlWriter;
use crate::driver::{RowCount, sink};
use crate::error::{Error, Result};
use crate::executor::{Executor, On, Runner, on_executor};
use crate::field::FieldType;
use crate::from_row::FromRow;
use crate::model::{Column, Contains, Model};

/// A query grouped by columns: [`having`](Self::having) filters the groups, and
/// [`select`](Self::select) says what each group gives.
pub struct Grouped<M> {
    query: Select<M>,
    groups: Vec<&'static str>,
    having: Vec<Node>,
}

/// A query returning the items `P` selects (columns, aggregates, tuples of them) for each row,
/// or each group, read as `P::Output`.
pub struct Projected<M, P> {
    query: Select<M>,
    groups: Vec<&'static str>,
    having: Vec<Node>,
    items: P,
    orders: Vec<(Item, bool)>,
}

impl<M: Model> Select<M> {
    /// Groups the rows by `column` (Flask-SQLAlchemy's `group_by`); add more with
    /// [`Grouped::group_by`].
    pub fn group_by<G, T: FieldType>(self, column: Column<G, T>) -> Grouped<M>
    where
        M: Contains<G>,
    {
        Grouped {
            query: self,
            groups: Vec::new(),
            having: Vec::new(),
        }
        .group_by(column)
    }

    /// Selects `items` instead of whole rows: `select((User::ID, User::NAME))` gives
    /// `Vec<(i64, String)>`, `select(count())` one count. The query's filters, order, limit,
    /// offset and `distinct` apply.
    pub fn select<P: Selectable<M>>(self, items: P) -> Projected<M, P> {
        Projected {
            query: self,
            groups: Vec::new(),
            having: Vec::new(),
            items,
            orders: Vec::new(),
        }
    }
}

impl<M: Model> Grouped<M> {
    /// Groups by `column` too.
    pub fn group_by<G, T: FieldType>(mut self, column: Column<G, T>) -> Self
    where
        M: Contains<G>,
    {
        self.groups.push(column.name());
        self
    }

    /// Keeps the groups matching `condition`, usually on an aggregate: `count().gt(1)`.
    pub fn having(mut self, condition: Condition<M>) -> Self {
        self.having.push(condition.node);
        self
    }

    /// What each group gives: the grouped columns and aggregates, in a tuple.
    pub fn select<P: Selectable<M>>(self, items: P) -> Projected<M, P> {
        Projected {
            query: self.query,
            groups: self.groups,
            having: self.having,
            items,
            orders: Vec::new(),
        }
    }
}

impl<M: Model, P: Selectable<M>> Projected<M, P> {
    /// Orders the rows by a column (`Post::ID.desc()`) or an aggregate (`count().desc()`),
    /// after the query's own `order_by`.
    pub fn order_by(mut self, order: impl Into<Ordering<M>>) -> Self {
        let order = order.into();
        self.orders.push((order.item, order.descending));
        self
    }

    /// At most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.query = self.query.limit(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.query = self.query.offset(n);
        self
    }

    /// The SQL and bound values this query runs as in `dialect`.
    pub fn to_sql(&self, dialect: &dyn crate::dialect::Dialect) -> (String, Vec<crate::Value>) {
        let mut w = SqlWriter::new(dialect);
        self.write(&mut w, self.query.limit);
        w.finish()
    }

    fn write(&self, w: &mut SqlWriter<'_>, limit: Option<u64>) {
        let query = &self.query;
        w.push(if query.distinct {
            "SELECT DISTINCT "
        } else {
            "SELECT "
        });
        let mut items = super::projection::Items::default();
        self.items.push_items(&mut items);
        for (i, item) in items.0.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            item.write_selected(w);
        }
        w.push(" FROM ");
        w.ident(M::TABLE.name());
        super::render::write_where(w, &query.conditions, &[]);
        if !self.groups.is_empty() {
            w.push(" GROUP BY ");
            for (i, column) in self.groups.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                w.column(column);
            }
        }
        if !self.having.is_empty() {
            w.push(" HAVING ");
            write_all(w, &self.having);
        }
        let orders = query
            .orders
            .iter()
            .map(|(column, descending)| (Item::Column(column), *descending));
        let orders: Vec<(Item, bool)> = orders.chain(self.orders.iter().cloned()).collect();
        if !orders.is_empty() {
            w.push(" ORDER BY ");
            for (i, (item, descending)) in orders.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                item.write(w);
                w.push(if *descending { " DESC" } else { " ASC" });
            }
        }
        write_limit_offset(w, limit, query.offset);
    }

    async fn rows_on(&self, run: &mut Runner<'_>, limit: Option<u64>) -> Result<Vec<P::Output>> {
        let on = On::Table(M::TABLE);
        let mut w = SqlWriter::new(run.dialect(on)?);
        self.write(&mut w, limit);
        let (sql, values) = w.finish();
        let mut rows = sink::collect(RowCount::for_limit(limit), |row| P::decode(row, 0));
        run.read(
            on,
            &sql,
            &values,
            &mut rows,
            Error::reading_rows::<P::Output>,
        )
        .await?;
        Ok(rows.rows)
    }

    async fn rows_as_on<R: FromRow>(&self, run: &mut Runner<'_>) -> Result<Vec<R>> {
        let on = On::Table(M::TABLE);
        let mut w = SqlWriter::new(run.dialect(on)?);
        self.write(&mut w, self.query.limit);
        let (sql, values) = w.finish();
        let mut rows = sink::rows::<R>(RowCount::for_limit(self.query.limit));
        run.read(on, &sql, &values, &mut rows, Error::reading_rows::<R>)
            .await?;
        Ok(rows.rows)
    }

    /// Every row, read into a row type of your own, `#[derive(FromRow)]`: columns by their
    /// names, aggregates by theirs (`count`, `sum_cents`, `max_id`: the function, and the
    /// column after `_`), or by position with `#[row(positional)]`.
    ///
    /// ```no_run
    /// # use model_core::{Database, FromRow, Model, Result, count, max};
    /// # #[derive(Model)] struct Post { #[column(primary_key, autoincrement = false)] id: i64, author_id: i64 }
    /// #[derive(FromRow)]
    /// struct PerAuthor { author_id: i64, count: i64, max_id: Option<i64> }
    ///
    /// # async fn run(db: &Database) -> Result<()> {
    /// let rows: Vec<PerAuthor> = Post::query()
    ///     .group_by(Post::AUTHOR_ID)
    ///     .select((Post::AUTHOR_ID, count(), max(Post::ID)))
    ///     .all_as(db)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn all_as<'a, R: FromRow>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<Vec<R>>> + Send + 'a {
        crate::record::from_caller(async move { on_executor!(db, |run| self.rows_as_on(run)) })
    }

    /// Every row.
    #[track_caller]
    pub fn all<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<Vec<P::Output>>> + Send + 'a {
        crate::record::from_caller(async move {
            on_executor!(db, |run| self.rows_on(run, self.query.limit))
        })
    }

    /// The first row, if any.
    #[track_caller]
    pub fn first<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<Option<P::Output>>> + Send + 'a {
        crate::record::from_caller(async move {
            let rows = on_executor!(db, |run| self.rows_on(run, Some(1)))?;
            Ok(rows.into_iter().next())
        })
    }

    /// The only row (a count, a sum): [`Error::NotFound`] when there is none,
    /// [`Error::NotUnique`] when there are several.
    #[track_caller]
    pub fn one<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<P::Output>> + Send + 'a {
        crate::record::from_caller(async move {
            let mut rows = on_executor!(db, |run| self.rows_on(run, Some(2)))?;
            match rows.len() {
                1 => Ok(rows.remove(0)),
                0 => Err(Error::nothing_found(
                    M::TABLE,
                    "no row matches the query".to_owned(),
                )),
                _ => Err(Error::NotUnique {
                    model: M::TABLE.model().to_owned(),
                    table: M::TABLE.name().to_owned(),
                }),
            }
        })
    }
}
