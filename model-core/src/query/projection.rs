//! What a query selects besides whole rows: columns and aggregates (`count`, `sum`, `min`,
//! `max`, `avg`), alone or in tuples, each read into the Rust type it has, so
//! `.select((Post::AUTHOR_ID, count()))` gives `Vec<(i64, i64)>`. Aggregates also make the
//! conditions of `HAVING` (`count().gt(1)`) and order grouped rows (`count().desc()`).
//!
//! Integer sums are cast to a 64-bit integer and averages to a double, the one type each backend
//! can return for them (PostgreSQL sums `BIGINT`s as `NUMERIC`, MySQL averages as `DECIMAL`).

use std::marker::PhantomData;

use super::expr::Condition;
use super::node::Node;
use super::node::{AggregateExpr, Function};
use super::writer::SqlWriter;
use crate::column_type::ColumnType;
use crate::dialect::Cast;
use crate::field::FieldType;
use crate::model::{Column, Contains};
use crate::row::{DecodeError, RowReader};

/// One selected item, untyped: a column or an aggregate.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Item {
    Column(&'static str),
    Aggregate(AggregateExpr),
}

impl Item {
    pub(crate) fn write(&self, w: &mut SqlWriter<'_>) {
        match self {
            Item::Column(name) => w.column(name),
            Item::Aggregate(aggregate) => aggregate.write(w),
        }
    }

    /// The item in a select list: an aggregate named after its function and column
    /// (`COUNT(*) AS "count"`, `SUM("cents") AS "sum_cents"`, `COUNT(DISTINCT "a") AS
    /// "count_distinct_a"`), so a `#[derive(FromRow)]` struct can read it by name.
    pub(crate) fn write_selected(&self, w: &mut SqlWriter<'_>) {
        self.write(w);
        if let Item::Aggregate(aggregate) = self {
            w.push(" AS ");
            w.ident(&aggregate.alias());
        }
    }
}

/// The items a query selects. Not public API.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct Items(pub(crate) Vec<Item>);

/// What `select` takes: a column handle, an aggregate, or a tuple of them (up to eight), each
/// read into its Rust type.
pub trait Selectable<M>: Send + Sync {
    /// What each row is read into.
    type Output: Send;
    /// Appends the items, in order. Not public API.
    #[doc(hidden)]
    fn push_items(&self, out: &mut Items);
    /// Reads the items starting at column `offset`. Not public API.
    #[doc(hidden)]
    fn decode(row: &dyn RowReader, offset: usize) -> Result<Self::Output, DecodeError>;
    /// How many columns the items take.
    #[doc(hidden)]
    const WIDTH: usize;
}

impl<M: Contains<G>, G, T: FieldType> Selectable<M> for Column<G, T> {
    type Output = T;
    const WIDTH: usize = 1;

    fn push_items(&self, out: &mut Items) {
        out.0.push(Item::Column(self.name()));
    }

    fn decode(row: &dyn RowReader, offset: usize) -> Result<T, DecodeError> {
        T::read_from(row, offset)
    }
}

/// An aggregate over the rows of `G` (a model, or `()` for `count()`), read as `R`.
pub struct Aggregate<G, R> {
    pub(crate) expr: AggregateExpr,
    _types: PhantomData<fn() -> (G, R)>,
}

impl<G, R> Clone for Aggregate<G, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<G, R> Copy for Aggregate<G, R> {}

impl<G, R> std::fmt::Debug for Aggregate<G, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.expr.fmt(f)
    }
}

impl<G, R> Aggregate<G, R> {
    fn new(function: Function, column: Option<&'static str>, cast: Option<Cast>) -> Self {
        Aggregate {
            expr: AggregateExpr {
                function,
                column,
                distinct: false,
                cast,
            },
            _types: PhantomData,
        }
    }
}

impl<M: Contains<G>, G, R: AggregateOutput> Selectable<M> for Aggregate<G, R> {
    type Output = R;
    const WIDTH: usize = 1;

    fn push_items(&self, out: &mut Items) {
        out.0.push(Item::Aggregate(self.expr));
    }

    fn decode(row: &dyn RowReader, offset: usize) -> Result<R, DecodeError> {
        R::read_from(row, offset)
    }
}

/// What an aggregate is read as: a count's `i64`, or a column type (`Option` of it where no
/// row gives NULL).
pub trait AggregateOutput: FieldType + Send + Sync {
    /// What it is compared with in `HAVING`.
    type Value: ColumnType;
}

impl AggregateOutput for i64 {
    type Value = i64;
}

impl<T: ColumnType + Sync> AggregateOutput for Option<T> {
    type Value = T;
}

/// The numeric columns `sum` adds up, and what their sum is: `i64` for integers, `f64` for
/// floats, the same decimal for decimals.
pub trait Summable {
    /// The sum's type.
    type Sum: ColumnType + Sync;
    /// What the sum is cast to.
    #[doc(hidden)]
    const CAST: Option<Cast>;
}

macro_rules! summable {
    ($($ty:ty => $sum:ty, $cast:expr;)+) => {
        $(impl Summable for $ty {
            type Sum = $sum;
            const CAST: Option<Cast> = $cast;
        })+
    };
}
summable! {
    i8 => i64, Some(Cast::BigInt);
    i16 => i64, Some(Cast::BigInt);
    i32 => i64, Some(Cast::BigInt);
    i64 => i64, Some(Cast::BigInt);
    u8 => i64, Some(Cast::BigInt);
    u16 => i64, Some(Cast::BigInt);
    u32 => i64, Some(Cast::BigInt);
    f32 => f64, Some(Cast::Double);
    f64 => f64, Some(Cast::Double);
}
#[cfg(feature = "decimal")]
summable! {
    rust_decimal::Decimal => rust_decimal::Decimal, None;
}

/// The number of rows: `COUNT(*)`.
pub fn count() -> Aggregate<(), i64> {
    Aggregate::new(Function::Count, None, None)
}

/// The number of rows whose `column` is not NULL: `COUNT(column)`.
pub fn count_of<G, T>(column: Column<G, T>) -> Aggregate<G, i64> {
    Aggregate::new(Function::Count, Some(column.name()), None)
}

/// The number of distinct non-NULL values of `column`: `COUNT(DISTINCT column)`.
pub fn count_distinct<G, T>(column: Column<G, T>) -> Aggregate<G, i64> {
    let mut aggregate = Aggregate::new(Function::Count, Some(column.name()), None);
    aggregate.expr.distinct = true;
    aggregate
}

/// The sum of `column` (NULL, so `None`, over no row).
pub fn sum<G, T: FieldType>(
    column: Column<G, T>,
) -> Aggregate<G, Option<<T::Base as Summable>::Sum>>
where
    T::Base: Summable,
{
    Aggregate::new(
        Function::Sum,
        Some(column.name()),
        <T::Base as Summable>::CAST,
    )
}

/// The smallest value of `column`.
pub fn min<G, T: FieldType>(column: Column<G, T>) -> Aggregate<G, Option<T::Base>> {
    Aggregate::new(Function::Min, Some(column.name()), None)
}

/// The largest value of `column`.
pub fn max<G, T: FieldType>(column: Column<G, T>) -> Aggregate<G, Option<T::Base>> {
    Aggregate::new(Function::Max, Some(column.name()), None)
}

/// The mean of `column`, as a double.
pub fn avg<G, T: FieldType>(column: Column<G, T>) -> Aggregate<G, Option<f64>>
where
    T::Base: Summable,
{
    Aggregate::new(Function::Avg, Some(column.name()), Some(Cast::Double))
}

impl<G, R: AggregateOutput> Aggregate<G, R> {
    fn compare<Q: Contains<G>>(self, op: &'static str, value: R::Value) -> Condition<Q> {
        Condition::new(Node::Aggregate {
            aggregate: self.expr,
            op,
            value: ColumnType::into_value(value),
        })
    }

    /// `aggregate = value`, for `having`.
    pub fn eq<Q: Contains<G>>(self, value: impl Into<R::Value>) -> Condition<Q> {
        self.compare("=", value.into())
    }

    /// `aggregate <> value`.
    pub fn ne<Q: Contains<G>>(self, value: impl Into<R::Value>) -> Condition<Q> {
        self.compare("<>", value.into())
    }

    /// `aggregate > value`.
    pub fn gt<Q: Contains<G>>(self, value: impl Into<R::Value>) -> Condition<Q> {
        self.compare(">", value.into())
    }

    /// `aggregate >= value`.
    pub fn ge<Q: Contains<G>>(self, value: impl Into<R::Value>) -> Condition<Q> {
        self.compare(">=", value.into())
    }

    /// `aggregate < value`.
    pub fn lt<Q: Contains<G>>(self, value: impl Into<R::Value>) -> Condition<Q> {
        self.compare("<", value.into())
    }

    /// `aggregate <= value`.
    pub fn le<Q: Contains<G>>(self, value: impl Into<R::Value>) -> Condition<Q> {
        self.compare("<=", value.into())
    }

    /// Ascending by the aggregate, for ordering grouped rows.
    pub fn asc<Q: Contains<G>>(self) -> Ordering<Q> {
        Ordering::new(Item::Aggregate(self.expr), false)
    }

    /// Descending by the aggregate.
    pub fn desc<Q: Contains<G>>(self) -> Ordering<Q> {
        Ordering::new(Item::Aggregate(self.expr), true)
    }
}

/// An order of selected rows: by a column ([`Order`](super::Order) converts) or by an
/// aggregate (`count().desc()`).
pub struct Ordering<M> {
    pub(crate) item: Item,
    pub(crate) descending: bool,
    _model: PhantomData<fn() -> M>,
}

impl<M> Ordering<M> {
    fn new(item: Item, descending: bool) -> Self {
        Ordering {
            item,
            descending,
            _model: PhantomData,
        }
    }
}

impl<M> From<super::Order<M>> for Ordering<M> {
    fn from(order: super::Order<M>) -> Self {
        Ordering::new(Item::Column(order.column), order.descending)
    }
}

macro_rules! selectable_tuple {
    ($($name:ident: $index:tt),+) => {
        impl<M, $($name: Selectable<M>),+> Selectable<M> for ($($name,)+) {
            type Output = ($($name::Output,)+);
            const WIDTH: usize = 0 $(+ $name::WIDTH)+;

            fn push_items(&self, out: &mut Items) {
                $(self.$index.push_items(out);)+
            }

            #[allow(unused_assignments)]
            fn decode(row: &dyn RowReader, offset: usize) -> Result<Self::Output, DecodeError> {
                let mut at = offset;
                Ok(($({
                    let value = $name::decode(row, at)?;
                    at += $name::WIDTH;
                    value
                },)+))
            }
        }
    };
}
selectable_tuple!(A: 0);
selectable_tuple!(A: 0, B: 1);
selectable_tuple!(A: 0, B: 1, C: 2);
selectable_tuple!(A: 0, B: 1, C: 2, D: 3);
selectable_tuple!(A: 0, B: 1, C: 2, D: 3, E: 4);
selectable_tuple!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5);
selectable_tuple!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6);
selectable_tuple!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6, H: 7);
