//! Select-in loading: what `.with(...)` runs. For the rows a query returned, each relationship
//! level is one statement (more only past the dialect's key chunk, never on PostgreSQL, which
//! takes the keys as one array): the rows related to all of them, by their keys, then grouped
//! back per row in the rows' order. Nothing is loaded that was not asked for, and a row a
//! non-null foreign key names that is not there is an error, never a silently missing parent.

use std::collections::HashMap;

use futures_util::future::BoxFuture;

use super::handles::{
    BelongsTo, Filtered, HasMany, HasOne, ManyToMany, NOT_NARROWED, Narrowing, Nested,
};
use super::keys::{KeyValue, distinct, key_of};
use super::shape::{ForeignKeyShape, Many, Optional, Shape, ToOne};
use crate::driver::{RowCount, sink};
use crate::error::{Error, Result};
use crate::executor::{Executor, On, Runner, on_executor};
use crate::meta::Link;
use crate::model::Model;
use crate::query::{Node, Select, SelectStatement, SqlWriter, Through};
use crate::value::Value;

#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be loaded for rows of `{P}`",
    label = "not a relationship of `{P}`",
    note = "`.with(...)` takes a relationship of the query's model (`User::POSTS` on \
            `User::query()`), one nested in it (`User::POSTS.with(Post::COMMENTS)`), or a tuple \
            of them; the related model must be `Clone`"
)]
/// What `.with(...)` takes: a relationship handle, a nested one (`User::POSTS.with(Post::TAGS)`)
/// or a tuple of them (`(User::POSTS, User::PROFILE)`), loaded for rows of `P`.
pub trait Include<P>: Send + Sync {
    /// What each row of `P` gets: `Vec<C>`, `C`, `Option<C>`, or those nested and in tuples.
    type Output: Send;

    /// Loads for `parents`, one output per parent, in their order. Not public API.
    #[doc(hidden)]
    fn include<'a>(
        &'a self,
        run: &'a mut Runner<'_>,
        parents: &'a [P],
    ) -> BoxFuture<'a, Result<Vec<Self::Output>>>;

    /// Loads for rows already read, one output per row, in their order, through `db` (`&db`
    /// or `&mut session`): `User::POSTS.load(&db, &users)` is one statement for all of them
    /// (Diesel's `belonging_to` with `grouped_by`).
    #[track_caller]
    fn load<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
        parents: &'a [P],
    ) -> impl std::future::Future<Output = Result<Vec<Self::Output>>> + Send + 'a
    where
        Self: Sized,
        P: Sync,
    {
        crate::record::from_caller(
            async move { on_executor!(db, |run| self.include(run, parents)) },
        )
    }
}

/// A relationship handle: what it loads per row is `Shape::Of<Target>`.
pub trait Relation<P>: Include<P, Output = <Self::Shape as Shape>::Of<Self::Target>> {
    /// The related model.
    type Target: Model;
    /// How many related rows per row.
    type Shape: Shape;
}

impl<P, R, S> Include<P> for Nested<R, S>
where
    P: Model,
    R: Relation<P>,
    S: Include<R::Target>,
{
    type Output = <R::Shape as Shape>::Of<(R::Target, S::Output)>;

    fn include<'a>(
        &'a self,
        run: &'a mut Runner<'_>,
        parents: &'a [P],
    ) -> BoxFuture<'a, Result<Vec<Self::Output>>> {
        Box::pin(async move {
            let loaded = self.first.include(run, parents).await?;
            let (rows, layout) = R::Shape::flatten(loaded);
            let next = self.then.include(run, &rows).await?;
            let pairs = rows.into_iter().zip(next).collect();
            Ok(R::Shape::rebuild(pairs, layout))
        })
    }
}

/// Several relationships of the same rows, each loaded in turn: `(User::POSTS, User::PROFILE)`.
macro_rules! include_tuple {
    ($($name:ident: $index:tt),+) => {
        impl<P: Sync, $($name: Include<P>),+> Include<P> for ($($name,)+) {
            type Output = ($($name::Output,)+);

            fn include<'a>(
                &'a self,
                run: &'a mut Runner<'_>,
                parents: &'a [P],
            ) -> BoxFuture<'a, Result<Vec<Self::Output>>> {
                Box::pin(async move {
                    let loaded = ($(self.$index.include(run, parents).await?,)+);
                    #[allow(non_snake_case)]
                    let ($(mut $name,)+) = ($(loaded.$index.into_iter(),)+);
                    Ok((0..parents.len())
                        .map(|_| ($($name.next().expect("one output per parent"),)+))
                        .collect())
                })
            }
        }
    };
}
include_tuple!(A: 0, B: 1);
include_tuple!(A: 0, B: 1, C: 2);
include_tuple!(A: 0, B: 1, C: 2, D: 3);

/// The rows of `M` whose `column` is one of `keys`, matching the relationship's `conditions`,
/// in `orders`: one statement per chunk of keys.
async fn rows_by_keys<M: Model>(
    run: &mut Runner<'_>,
    column: &'static str,
    keys: Vec<Value>,
    conditions: &[Node],
    orders: &[(&'static str, bool)],
) -> Result<Vec<M>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let sql_type = key_type(M::TABLE, column)?;
    let chunk = run.dialect(On::Table(M::TABLE))?.key_chunk().max(1);
    let mut rows = Vec::new();
    for part in keys.chunks(chunk) {
        let key = [Node::AnyOf {
            column,
            sql_type,
            keys: part.to_vec(),
        }];
        let statement = SelectStatement {
            table: M::TABLE,
            conditions,
            key: &key,
            orders,
            limit: None,
            offset: None,
            distinct: false,
            through: None,
        };
        rows.extend(Select::<M>::load(run, statement).await?);
    }
    Ok(rows)
}

/// The rows of `M` related through an association table to the rows whose keys are `keys`,
/// each with the key it is related to: one statement per chunk of keys, joining the
/// association table.
async fn rows_through<M: Model>(
    run: &mut Runner<'_>,
    source: &Link,
    target: &Link,
    keys: Vec<Value>,
    conditions: &[Node],
    orders: &[(&'static str, bool)],
) -> Result<Vec<(Value, M)>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let association = source.child;
    let sql_type = key_type(association, source.child_column)?;
    let dialect = run.dialect(On::Table(M::TABLE))?;
    let through = Through {
        table: association.name(),
        source: source.child_column,
        target: target.child_column,
        column: target.parent_column,
    };
    let mut rows = Vec::new();
    for part in keys.chunks(dialect.key_chunk().max(1)) {
        let key = [Node::AnyOf {
            column: source.child_column,
            sql_type,
            keys: part.to_vec(),
        }];
        let statement = SelectStatement {
            table: M::TABLE,
            conditions,
            key: &key,
            orders,
            limit: None,
            offset: None,
            distinct: false,
            through: Some(through),
        };
        let mut w = SqlWriter::new(dialect);
        statement.write(&mut w, crate::query::Projection::Model);
        let (sql, values) = w.finish();
        let mut sink = sink::collect(RowCount::All, |row| {
            let key = row.value(0, sql_type, false)?;
            Ok((key, M::decode_at(row, 1)?))
        });
        run.read(On::Table(M::TABLE), &sql, &values, &mut sink, |bind, e| {
            Error::reading(M::TABLE, bind, e)
        })
        .await?;
        rows.extend(sink.rows);
    }
    Ok(rows)
}

/// The SQL type of `column` of `table`, which its keys are bound as.
fn key_type(table: &'static crate::meta::Table, column: &str) -> Result<crate::SqlType> {
    table.column(column).map(|c| c.sql_type()).ok_or_else(|| {
        Error::Unsupported(format!(
            "{} has no column \"{column}\" for a relationship to follow",
            table.describe()
        ))
    })
}

/// Each parent's key (its column at `position`), and the distinct ones.
fn parent_keys<P: Model>(parents: &[P], position: usize) -> (Vec<Option<KeyValue>>, Vec<Value>) {
    let values: Vec<Value> = parents
        .iter()
        .map(|p| {
            p.column_value(position)
                .unwrap_or(Value::Invalid(String::new()))
        })
        .collect();
    let keys = values.iter().map(key_of).collect();
    (keys, distinct(values))
}

/// `rows` grouped by the key `key` reads from each (rows without one are left out), each
/// group in the rows' order.
fn group<T>(
    rows: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> Option<Value>,
) -> HashMap<KeyValue, Vec<T>> {
    let mut groups: HashMap<KeyValue, Vec<T>> = HashMap::new();
    for row in rows {
        if let Some(k) = key(&row).as_ref().and_then(key_of) {
            groups.entry(k).or_default().push(row);
        }
    }
    groups
}

/// `groups` handed out per parent key, in order: moved to the last parent with a key, cloned
/// for the ones before it (the same parent listed twice).
fn hand_out<T: Clone>(
    keys: &[Option<KeyValue>],
    mut groups: HashMap<KeyValue, Vec<T>>,
) -> Vec<Vec<T>> {
    let mut left: HashMap<&KeyValue, usize> = HashMap::new();
    for key in keys.iter().flatten() {
        *left.entry(key).or_default() += 1;
    }
    keys.iter()
        .map(|key| {
            let Some(key) = key else {
                return Vec::new();
            };
            let count = left.get_mut(key).expect("counted above");
            *count -= 1;
            if *count == 0 {
                groups.remove(key).unwrap_or_default()
            } else {
                groups.get(key).cloned().unwrap_or_default()
            }
        })
        .collect()
}

/// A to-many relationship, loaded with extra conditions and an order ([`Filtered`]) or none.
/// Not public API.
#[doc(hidden)]
pub trait ToMany<P>: Send + Sync {
    /// The related model.
    type Target: Model + Clone;

    /// The related rows of each of `parents` that match the conditions of `narrowing`, in
    /// its order.
    fn load_many<'a>(
        &'a self,
        run: &'a mut Runner<'_>,
        parents: &'a [P],
        narrowing: &'a Narrowing,
    ) -> BoxFuture<'a, Result<Vec<Vec<Self::Target>>>>;
}

impl<P: Model, C: Model + Clone> ToMany<P> for HasMany<P, C> {
    type Target = C;

    fn load_many<'a>(
        &'a self,
        run: &'a mut Runner<'_>,
        parents: &'a [P],
        narrowing: &'a Narrowing,
    ) -> BoxFuture<'a, Result<Vec<Vec<C>>>> {
        let Narrowing { conditions, orders } = narrowing;
        Box::pin(async move {
            let (keys, wanted) = parent_keys(parents, self.link.parent_position);
            let children: Vec<C> =
                rows_by_keys(run, self.link.child_column, wanted, conditions, orders).await?;
            let groups = group(children, |child| {
                child.column_value(self.link.child_position)
            });
            Ok(hand_out(&keys, groups))
        })
    }
}

impl<A: Model, B: Model + Clone> ToMany<A> for ManyToMany<A, B> {
    type Target = B;

    fn load_many<'a>(
        &'a self,
        run: &'a mut Runner<'_>,
        rows: &'a [A],
        narrowing: &'a Narrowing,
    ) -> BoxFuture<'a, Result<Vec<Vec<B>>>> {
        let Narrowing { conditions, orders } = narrowing;
        Box::pin(async move {
            let (keys, wanted) = parent_keys(rows, self.source.parent_position);
            let related: Vec<(Value, B)> =
                rows_through(run, &self.source, &self.target, wanted, conditions, orders).await?;
            let mut groups: HashMap<KeyValue, Vec<B>> = HashMap::new();
            for (value, row) in related {
                if let Some(key) = key_of(&value) {
                    groups.entry(key).or_default().push(row);
                }
            }
            Ok(hand_out(&keys, groups))
        })
    }
}

/// `Include` and `Relation` for a to-many handle loaded as it is.
macro_rules! to_many_relation {
    ($handle:ident<$p:ident, $c:ident>) => {
        impl<$p: Model, $c: Model + Clone> Include<$p> for $handle<$p, $c> {
            type Output = Vec<$c>;

            fn include<'a>(
                &'a self,
                run: &'a mut Runner<'_>,
                parents: &'a [$p],
            ) -> BoxFuture<'a, Result<Vec<Vec<$c>>>> {
                self.load_many(run, parents, &NOT_NARROWED)
            }
        }

        impl<$p: Model, $c: Model + Clone> Relation<$p> for $handle<$p, $c> {
            type Target = $c;
            type Shape = Many;
        }
    };
}
to_many_relation!(HasMany<P, C>);
to_many_relation!(ManyToMany<A, B>);

impl<P: Model, R: ToMany<P>> Include<P> for Filtered<R> {
    type Output = Vec<R::Target>;

    fn include<'a>(
        &'a self,
        run: &'a mut Runner<'_>,
        parents: &'a [P],
    ) -> BoxFuture<'a, Result<Vec<Vec<R::Target>>>> {
        self.relation.load_many(run, parents, &self.narrowing)
    }
}

impl<P: Model, R: ToMany<P>> Relation<P> for Filtered<R> {
    type Target = R::Target;
    type Shape = Many;
}

impl<P: Model, C: Model + Clone> Include<P> for HasOne<P, C> {
    type Output = Option<C>;

    fn include<'a>(
        &'a self,
        run: &'a mut Runner<'_>,
        parents: &'a [P],
    ) -> BoxFuture<'a, Result<Vec<Option<C>>>> {
        Box::pin(async move {
            let (keys, wanted) = parent_keys(parents, self.link.parent_position);
            let children: Vec<C> =
                rows_by_keys(run, self.link.child_column, wanted, &[], &[]).await?;
            let groups = group(children, |child| {
                child.column_value(self.link.child_position)
            });
            if groups.values().any(|rows| rows.len() > 1) {
                return Err(Error::NotUnique {
                    model: C::TABLE.model().to_owned(),
                    table: C::TABLE.name().to_owned(),
                });
            }
            Ok(hand_out(&keys, groups)
                .into_iter()
                .map(|mut one| one.pop())
                .collect())
        })
    }
}

impl<P: Model, C: Model + Clone> Relation<P> for HasOne<P, C> {
    type Target = C;
    type Shape = Optional;
}

impl<C, P, F> Include<C> for BelongsTo<C, P, F>
where
    C: Model,
    P: Model + Clone,
    F: ForeignKeyShape + 'static,
{
    type Output = <F::Shape as Shape>::Of<P>;

    fn include<'a>(
        &'a self,
        run: &'a mut Runner<'_>,
        children: &'a [C],
    ) -> BoxFuture<'a, Result<Vec<Self::Output>>> {
        Box::pin(async move {
            let (keys, wanted) = parent_keys(children, self.link.child_position);
            let parents: Vec<P> =
                rows_by_keys(run, self.link.parent_column, wanted, &[], &[]).await?;
            let mut by_key: HashMap<KeyValue, P> = HashMap::with_capacity(parents.len());
            for parent in parents {
                let value = parent.column_value(self.link.parent_position);
                if let Some(key) = value.as_ref().and_then(key_of) {
                    by_key.insert(key, parent);
                }
            }
            keys.iter()
                .map(|key| {
                    let found = key.as_ref().and_then(|key| by_key.get(key).cloned());
                    <F::Shape as ToOne>::found(found).ok_or_else(|| {
                        Error::nothing_found(
                            P::TABLE,
                            format!(
                                "the {} of a {} row: its {} names no row of {}",
                                self.name,
                                C::TABLE.model(),
                                self.link.child_column,
                                P::TABLE.name()
                            ),
                        )
                    })
                })
                .collect()
        })
    }
}

impl<C, P, F> Relation<C> for BelongsTo<C, P, F>
where
    C: Model,
    P: Model + Clone,
    F: ForeignKeyShape + 'static,
{
    type Target = P;
    type Shape = F::Shape;
}
