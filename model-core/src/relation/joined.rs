//! Joined loading of a to-one relationship: `Post::query().join(Post::AUTHOR)` reads each post
//! with its author in the same statement (an `INNER JOIN`, or a `LEFT JOIN` where the related
//! row may be missing: a nullable foreign key, a one-to-one), and filters and orders on the
//! columns of either model (`filter`, `order_by` for the base one; `filter_joined`,
//! `order_by_joined` for the joined one), type-checked like a query's own:
//!
//! ```no_run
//! # use model_core::{Database, Model, Result};
//! # #[derive(Model, Clone)] struct User { #[column(primary_key, autoincrement = false)] id: i64, name: String }
//! # #[derive(Model, Clone)]
//! # struct Post {
//! #     #[column(primary_key, autoincrement = false)] id: i64,
//! #     #[column(foreign_key = User::ID, belongs_to = author)] author_id: i64,
//! #     title: String,
//! # }
//! # async fn run(db: &Database) -> Result<()> {
//! let rows: Vec<(Post, User)> = Post::query()
//!     .join(Post::AUTHOR)
//!     .filter_joined(User::NAME.starts_with("a"))
//!     .order_by_joined(User::NAME.asc())
//!     .order_by(Post::TITLE.asc())
//!     .all(db)
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! The joined table is aliased, so a model joined to itself works (`Comment::PARENT`).

use super::handles::{BelongsTo, HasOne};
use super::shape::{ForeignKeyShape, One, Optional, Shape, ToOne};
use crate::driver::{RowCount, sink};
use crate::error::{Error, Result};
use crate::executor::{Executor, On, Runner, on_executor};
use crate::field::FieldType;
use crate::meta::Link;
use crate::model::{Column, Contains, Model};
use crate::query::{Condition, Node, Order, Select, SqlWriter, write_limit_offset};
use crate::row::{DecodeError, RowReader};

/// The alias of the joined table.
const JOINED: &str = "model_core_joined";

/// A to-one relationship that can be joined: its related model, how the two tables match, and
/// whether a row may have no related row.
pub trait Joinable<M>: Send + Sync {
    /// The related model.
    type Target: Model;
    /// `One` (an inner join) or `Optional` (a left join).
    type Shape: ToOne;
    /// Not public API.
    #[doc(hidden)]
    fn join_on(&self) -> JoinOn;
}

/// How the joined table matches the base one. Not public API.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct JoinOn {
    base_column: &'static str,
    joined_column: &'static str,
}

impl<C: Model, P: Model, F: ForeignKeyShape + 'static> Joinable<C> for BelongsTo<C, P, F> {
    type Target = P;
    type Shape = F::Shape;

    fn join_on(&self) -> JoinOn {
        from_child(&self.link)
    }
}

impl<P: Model, C: Model> Joinable<P> for HasOne<P, C> {
    type Target = C;
    type Shape = Optional;

    fn join_on(&self) -> JoinOn {
        JoinOn {
            base_column: self.link.parent_column,
            joined_column: self.link.child_column,
        }
    }
}

/// Ties a join to its types without owning any.
type Types<T> = fn() -> T;

/// A join on two columns named explicitly, without a relationship: `Post::query()
/// .join_on(Post::EDITOR_ID, User::ID)` (inner, `S` = `One`) or `left_join_on` (`Optional`).
pub struct ColumnsJoin<M, J, S> {
    base: &'static str,
    joined: &'static str,
    _types: std::marker::PhantomData<Types<(M, J, S)>>,
}

impl<M: Model, J: Model, S: ToOne> Joinable<M> for ColumnsJoin<M, J, S> {
    type Target = J;
    type Shape = S;

    fn join_on(&self) -> JoinOn {
        JoinOn {
            base_column: self.base,
            joined_column: self.joined,
        }
    }
}

impl<M: Model> Select<M> {
    /// Each row with the row of `J` whose `joined` column equals the row's `column`, in the
    /// same statement (an inner join): a join on an explicit condition rather than a
    /// relationship. The two columns hold the same type.
    pub fn join_on<G, T: FieldType, J: Model, U: FieldType<Base = T::Base>>(
        self,
        column: Column<G, T>,
        joined: Column<J, U>,
    ) -> Joined<M, ColumnsJoin<M, J, One>>
    where
        M: Contains<G>,
    {
        self.join(columns_join(column, joined))
    }

    /// [`join_on`](Self::join_on) as a left join: rows without a match come with `None`.
    pub fn left_join_on<G, T: FieldType, J: Model, U: FieldType<Base = T::Base>>(
        self,
        column: Column<G, T>,
        joined: Column<J, U>,
    ) -> Joined<M, ColumnsJoin<M, J, Optional>>
    where
        M: Contains<G>,
    {
        self.join(columns_join(column, joined))
    }
}

fn columns_join<M, J, S, G, T, U>(
    column: Column<G, T>,
    joined: Column<J, U>,
) -> ColumnsJoin<M, J, S> {
    ColumnsJoin {
        base: column.name(),
        joined: joined.name(),
        _types: std::marker::PhantomData,
    }
}

fn from_child(link: &Link) -> JoinOn {
    JoinOn {
        base_column: link.child_column,
        joined_column: link.parent_column,
    }
}

/// A query for rows of `M`, each with the row `R` joins to it, in one statement.
pub struct Joined<M, R: Joinable<M>> {
    query: Select<M>,
    relation: R,
    /// Conditions and orders, each with whether it is on the joined table.
    conditions: Vec<(bool, Node)>,
    orders: Vec<(bool, &'static str, bool)>,
}

impl<M: Model> Select<M> {
    /// Each row with the row of a to-one relationship, joined in the same statement:
    /// `Post::query().join(Post::AUTHOR)` gives `Vec<(Post, User)>`, a nullable foreign key or
    /// a one-to-one `Option`. The query's own filters and order stay; more can be added on
    /// either model.
    pub fn join<R: Joinable<M>>(self, relation: R) -> Joined<M, R> {
        Joined {
            query: self,
            relation,
            conditions: Vec::new(),
            orders: Vec::new(),
        }
    }
}

/// What each joined row is read as: the row and its related row in shape.
type JoinedRow<M, R> = (
    M,
    <<R as Joinable<M>>::Shape as Shape>::Of<<R as Joinable<M>>::Target>,
);

impl<M: Model, R: Joinable<M>> Joined<M, R> {
    /// Keeps the rows matching `condition` on the base model's columns.
    pub fn filter(mut self, condition: Condition<M>) -> Self {
        self.conditions.push((false, condition.node));
        self
    }

    /// Keeps the rows whose joined row matches `condition`: `.filter_joined(User::NAME.eq(..))`.
    pub fn filter_joined(mut self, condition: Condition<R::Target>) -> Self {
        self.conditions.push((true, condition.node));
        self
    }

    /// Orders by a column of the base model.
    pub fn order_by(mut self, order: Order<M>) -> Self {
        self.orders.push((false, order.column, order.descending));
        self
    }

    /// Orders by a column of the joined model.
    pub fn order_by_joined(mut self, order: Order<R::Target>) -> Self {
        self.orders.push((true, order.column, order.descending));
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
        self.write(&mut w, false, self.query.limit);
        w.finish()
    }

    fn write(&self, w: &mut SqlWriter<'_>, count: bool, limit: Option<u64>) {
        let base = M::TABLE.name();
        let target = <R::Target as Model>::TABLE;
        let on = self.relation.join_on();
        if count {
            w.push("SELECT COUNT(*)");
        } else {
            w.push("SELECT ");
            w.set_qualifier(Some(base.into()));
            for (i, column) in M::TABLE.columns().iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                w.column(column.name());
            }
            w.set_qualifier(Some(JOINED.into()));
            for column in target.columns() {
                w.push(", ");
                w.column(column.name());
            }
        }
        w.push(" FROM ");
        w.ident(base);
        let inner = <R::Shape as ToOne>::REQUIRED;
        w.push(if inner { " INNER JOIN " } else { " LEFT JOIN " });
        w.ident(target.name());
        w.push(" AS ");
        w.ident(JOINED);
        w.push(" ON ");
        w.set_qualifier(Some(JOINED.into()));
        w.column(on.joined_column);
        w.push(" = ");
        w.set_qualifier(Some(base.into()));
        w.column(on.base_column);
        let own = self.query.conditions.iter().map(|node| (false, node));
        let more = self.conditions.iter().map(|(joined, node)| (*joined, node));
        for (i, (joined, node)) in own.chain(more).enumerate() {
            w.push(if i == 0 { " WHERE (" } else { " AND (" });
            w.set_qualifier(Some(if joined { JOINED } else { base }.into()));
            node.write(w);
            w.push(")");
        }
        let own = self
            .query
            .orders
            .iter()
            .map(|(column, descending)| (false, *column, *descending));
        let orders: Vec<_> = own.chain(self.orders.iter().copied()).collect();
        if !count && !orders.is_empty() {
            w.push(" ORDER BY ");
            for (i, (joined, column, descending)) in orders.into_iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                w.set_qualifier(Some(if joined { JOINED } else { base }.into()));
                w.column(column);
                w.push(if descending { " DESC" } else { " ASC" });
            }
        }
        w.set_qualifier(None);
        if !count {
            write_limit_offset(w, limit, self.query.offset);
        }
    }

    async fn rows_on(
        &self,
        run: &mut Runner<'_>,
        limit: Option<u64>,
    ) -> Result<Vec<JoinedRow<M, R>>> {
        let on = On::Table(M::TABLE);
        let mut w = SqlWriter::new(run.dialect(on)?);
        self.write(&mut w, false, limit);
        let (sql, values) = w.finish();
        let width = M::TABLE.columns().len();
        let mut rows = sink::collect(RowCount::for_limit(limit), |row| {
            let base = M::decode_at(row, 0)?;
            let related = decode_optional::<R::Target>(row, width)?;
            let related = <R::Shape as ToOne>::found(related)
                .ok_or_else(|| DecodeError::new(width, "the joined row is missing"))?;
            Ok((base, related))
        });
        run.read(on, &sql, &values, &mut rows, |bind, e| {
            Error::reading(M::TABLE, bind, e)
        })
        .await?;
        Ok(rows.rows)
    }

    /// Every row, with its related row.
    #[track_caller]
    pub fn all<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<Vec<JoinedRow<M, R>>>> + Send + 'a {
        crate::record::from_caller(async move {
            on_executor!(db, |run| self.rows_on(run, self.query.limit))
        })
    }

    /// The first row, if any, with its related row.
    #[track_caller]
    pub fn first<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<Option<JoinedRow<M, R>>>> + Send + 'a {
        crate::record::from_caller(async move {
            Ok(on_executor!(db, |run| self.rows_on(run, Some(1)))?.pop())
        })
    }

    async fn count_on(&self, run: &mut Runner<'_>) -> Result<u64> {
        let on = On::Table(M::TABLE);
        let mut w = SqlWriter::new(run.dialect(on)?);
        self.write(&mut w, true, None);
        let (sql, values) = w.finish();
        let count = run
            .read_i64(on, &sql, &values, |bind, e| {
                Error::reading(M::TABLE, bind, e)
            })
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// The number of rows (the query's limit and offset aside).
    #[track_caller]
    pub fn count<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<u64>> + Send + 'a {
        crate::record::from_caller(async move { on_executor!(db, |run| self.count_on(run)) })
    }
}

/// The row of `T` at `offset`, or `None` when a left join found none (its primary key NULL).
fn decode_optional<T: Model>(
    row: &dyn RowReader,
    offset: usize,
) -> std::result::Result<Option<T>, DecodeError> {
    let columns = T::TABLE.columns();
    let key = columns.iter().position(|c| c.is_primary_key()).unwrap_or(0);
    let probe = row.value(offset + key, columns[key].sql_type(), true)?;
    if matches!(probe, crate::Value::Null(_)) {
        return Ok(None);
    }
    T::decode_at(row, offset).map(Some)
}
