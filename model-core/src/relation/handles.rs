//! The relationship handles `#[derive(Model)]` generates as constants (`Post::AUTHOR`,
//! `User::POSTS`, `Post::TAGS`), and what they do without loading anything: the query for the
//! rows related to one row (`post.author()` and `user.posts()` are these), a reversed handle
//! (the one-to-many side of a many-to-one), and the nesting of loads (`with`).

use std::fmt;
use std::marker::PhantomData;

use crate::meta::{Link, Table};
use crate::model::Model;
use crate::query::{Condition, Node, Order, Select};

/// Ties a handle to its models without owning any (always `Send`, `Sync` and `Copy`).
type Models<T> = fn() -> T;

/// The value of `row`'s column at `position`, as the relationship's key.
fn value_at<M: Model>(row: &M, position: usize) -> crate::value::Value {
    row.column_value(position)
        .unwrap_or(crate::value::Value::Invalid(format!(
            "model `{}` has no column at position {position}",
            M::TABLE.model()
        )))
}

/// Many-to-one: each `C` refers to one `P` through a foreign key field of type `F` (its
/// optionality makes the loaded parent `P` or `Option<P>`). `Post::AUTHOR` for
/// `#[column(foreign_key = User::ID, belongs_to = author)] author_id: i64`.
pub struct BelongsTo<C, P, F> {
    pub(crate) name: &'static str,
    pub(crate) link: Link,
    _models: PhantomData<Models<(C, P, F)>>,
}

/// One-to-many: each `P` has any number of `C` that refer to it (`User::POSTS`), the reverse
/// of a [`BelongsTo`]. `filter` and `order_by` narrow and sort the children ([`Filtered`]).
pub struct HasMany<P, C> {
    pub(crate) name: &'static str,
    pub(crate) link: Link,
    _models: PhantomData<fn() -> (P, C)>,
}

/// One-to-one: each `P` has at most one `C` that refers to it (`User::PROFILE`), the reverse
/// of a [`BelongsTo`] over a unique foreign key.
pub struct HasOne<P, C> {
    pub(crate) name: &'static str,
    pub(crate) link: Link,
    _models: PhantomData<fn() -> (P, C)>,
}

/// Many-to-many: each `A` has any number of `B` through an association table, with a struct
/// of its own or none (`Post::TAGS`, `User::FOLLOWERS`).
pub struct ManyToMany<A, B> {
    pub(crate) name: &'static str,
    /// From the association table to `A`.
    pub(crate) source: Link,
    /// From the association table to `B`.
    pub(crate) target: Link,
    _models: PhantomData<fn() -> (A, B)>,
}

/// A to-many relationship narrowed by conditions and sorted: `User::POSTS.filter(...)`, what
/// loads with it, and what its lazy query (`of`) returns.
#[derive(Clone)]
pub struct Filtered<R> {
    pub(crate) relation: R,
    pub(crate) narrowing: Narrowing,
}

/// The conditions and order a [`Filtered`] relationship adds. Not public API.
#[doc(hidden)]
#[derive(Clone, Debug, Default)]
pub struct Narrowing {
    pub(crate) conditions: Vec<Node>,
    pub(crate) orders: Vec<(&'static str, bool)>,
}

/// No conditions, no order: what a relationship loaded as it is uses.
pub(crate) static NOT_NARROWED: Narrowing = Narrowing {
    conditions: Vec::new(),
    orders: Vec::new(),
};

impl<R> Filtered<R> {
    fn new(relation: R) -> Self {
        Filtered {
            relation,
            narrowing: Narrowing::default(),
        }
    }

    /// Loads `next` for the related rows too.
    pub fn with<S>(self, next: S) -> Nested<Self, S> {
        Nested::new(self, next)
    }
}

impl<R: fmt::Debug> fmt::Debug for Filtered<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} filtered by {:?}",
            self.relation, self.narrowing.conditions
        )
    }
}

impl<C, P, F> BelongsTo<C, P, F> {
    /// Not public API: the derive builds handles through `__private`.
    #[doc(hidden)]
    pub const fn new(name: &'static str, link: Link) -> Self {
        BelongsTo {
            name,
            link,
            _models: PhantomData,
        }
    }

    /// The one-to-many relationship the other way: every `C` of a `P`.
    pub const fn reverse(self, name: &'static str) -> HasMany<P, C> {
        HasMany {
            name,
            link: self.link,
            _models: PhantomData,
        }
    }

    /// The one-to-one relationship the other way: the `C` of a `P`, if any.
    pub const fn reverse_one(self, name: &'static str) -> HasOne<P, C> {
        HasOne {
            name,
            link: self.link,
            _models: PhantomData,
        }
    }

    /// The relationship's name, as declared.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<C: Model, P: Model, F> BelongsTo<C, P, F> {
    /// The query for the `P` that `child` refers to: `post.author()`. No row when its
    /// foreign key is NULL.
    pub fn of(&self, child: &C) -> Select<P> {
        let value = value_at(child, self.link.child_position);
        Select::from_parts(
            vec![Node::Compare {
                column: self.link.parent_column,
                op: "=",
                value,
            }],
            Vec::new(),
        )
    }

    /// Loads `next` for the loaded parents too: `Post::AUTHOR.with(User::PROFILE)`.
    pub fn with<S>(self, next: S) -> Nested<Self, S> {
        Nested::new(self, next)
    }
}

impl<P, C> HasMany<P, C> {
    /// The relationship's name, as declared.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<P: Model, C: Model> HasMany<P, C> {
    /// The query for the `C` of `parent`: `user.posts()`, to filter, order, count and
    /// paginate (Flask-SQLAlchemy's `lazy="dynamic"`).
    pub fn of(&self, parent: &P) -> Select<C> {
        Select::from_parts(vec![self.key_condition(parent)], Vec::new())
    }

    /// `child_column = <parent's key>`.
    fn key_condition(&self, parent: &P) -> Node {
        Node::Compare {
            column: self.link.child_column,
            op: "=",
            value: value_at(parent, self.link.parent_position),
        }
    }

    /// Only the children matching `condition`.
    pub fn filter(self, condition: Condition<C>) -> Filtered<Self> {
        Filtered::new(self).filter(condition)
    }

    /// The children ordered by `order`.
    pub fn order_by(self, order: Order<C>) -> Filtered<Self> {
        Filtered::new(self).order_by(order)
    }

    /// Loads `next` for the loaded children too: `User::POSTS.with(Post::COMMENTS)`.
    pub fn with<S>(self, next: S) -> Nested<Self, S> {
        Nested::new(self, next)
    }
}

impl<P: Model, C: Model> Filtered<HasMany<P, C>> {
    /// The query for the `C` of `parent` that match, in order.
    pub fn of(&self, parent: &P) -> Select<C> {
        let mut conditions = vec![self.relation.key_condition(parent)];
        conditions.extend(self.narrowing.conditions.iter().cloned());
        Select::from_parts(conditions, self.narrowing.orders.clone())
    }

    /// Only the children matching `condition` too.
    pub fn filter(mut self, condition: Condition<C>) -> Self {
        self.narrowing.conditions.push(condition.node);
        self
    }

    /// The children ordered by `order` (after any earlier `order_by`).
    pub fn order_by(mut self, order: Order<C>) -> Self {
        self.narrowing.orders.push((order.column, order.descending));
        self
    }
}

impl<P, C> HasOne<P, C> {
    /// The relationship's name, as declared.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<P: Model, C: Model> HasOne<P, C> {
    /// The query for the `C` of `parent`, if any: `user.profile()`.
    pub fn of(&self, parent: &P) -> Select<C> {
        Select::from_parts(
            vec![Node::Compare {
                column: self.link.child_column,
                op: "=",
                value: value_at(parent, self.link.parent_position),
            }],
            Vec::new(),
        )
    }

    /// Loads `next` for the loaded rows too.
    pub fn with<S>(self, next: S) -> Nested<Self, S> {
        Nested::new(self, next)
    }
}

impl<A, B> ManyToMany<A, B> {
    /// Not public API: the derive builds handles through `__private`.
    #[doc(hidden)]
    pub const fn new(name: &'static str, source: Link, target: Link) -> Self {
        ManyToMany {
            name,
            source,
            target,
            _models: PhantomData,
        }
    }

    /// The relationship the other way, through the same association table: `Tag::POSTS`
    /// from `Post::TAGS`, `User::FOLLOWERS` from `User::FOLLOWING`.
    pub const fn reverse(self, name: &'static str) -> ManyToMany<B, A> {
        ManyToMany {
            name,
            source: self.target,
            target: self.source,
            _models: PhantomData,
        }
    }

    /// The relationship's name, as declared.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The association table.
    pub fn association(&self) -> &'static Table {
        self.source.child
    }
}

impl<A: Model, B: Model> ManyToMany<A, B> {
    /// The query for the `B` related to `row`: `post.tags()`, a subquery on the association
    /// table, to filter, order, count and paginate.
    pub fn of(&self, row: &A) -> Select<B> {
        Select::from_parts(vec![self.key_condition(row)], Vec::new())
    }

    /// `B`'s key `IN (SELECT target FROM association WHERE source = <row's key>)`.
    fn key_condition(&self, row: &A) -> Node {
        Node::InSelect {
            column: self.target.parent_column,
            negated: false,
            select: self.target.child_column,
            table: self.source.child.name(),
            conditions: vec![Node::Compare {
                column: self.source.child_column,
                op: "=",
                value: value_at(row, self.source.parent_position),
            }],
        }
    }

    /// Only the related rows matching `condition`.
    pub fn filter(self, condition: Condition<B>) -> Filtered<Self> {
        Filtered::new(self).filter(condition)
    }

    /// The related rows ordered by `order`.
    pub fn order_by(self, order: Order<B>) -> Filtered<Self> {
        Filtered::new(self).order_by(order)
    }

    /// Loads `next` for the related rows too.
    pub fn with<S>(self, next: S) -> Nested<Self, S> {
        Nested::new(self, next)
    }
}

impl<A: Model, B: Model> Filtered<ManyToMany<A, B>> {
    /// The query for the `B` related to `row` that match, in order.
    pub fn of(&self, row: &A) -> Select<B> {
        let mut conditions = vec![self.relation.key_condition(row)];
        conditions.extend(self.narrowing.conditions.iter().cloned());
        Select::from_parts(conditions, self.narrowing.orders.clone())
    }

    /// Only the related rows matching `condition` too.
    pub fn filter(mut self, condition: Condition<B>) -> Self {
        self.narrowing.conditions.push(condition.node);
        self
    }

    /// The related rows ordered by `order` (after any earlier `order_by`).
    pub fn order_by(mut self, order: Order<B>) -> Self {
        self.narrowing.orders.push((order.column, order.descending));
        self
    }
}

/// A relationship and what to load for its rows in turn: `User::POSTS.with(Post::COMMENTS)`
/// gives each user `Vec<(Post, Vec<Comment>)>`; deeper levels nest inside:
/// `User::POSTS.with(Post::COMMENTS.with(Comment::AUTHOR))`.
#[derive(Debug, Clone)]
pub struct Nested<R, S> {
    pub(crate) first: R,
    pub(crate) then: S,
}

impl<R, S> Nested<R, S> {
    pub(crate) fn new(first: R, then: S) -> Self {
        Nested { first, then }
    }
}

macro_rules! debug_handle {
    ($handle:ident<$($p:ident),+>, $kind:literal) => {
        impl<$($p),+> fmt::Debug for $handle<$($p),+> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($kind, " `{}`"), self.name)
            }
        }
    };
}
debug_handle!(BelongsTo<C, P, F>, "many-to-one");
debug_handle!(HasMany<P, C>, "one-to-many");
debug_handle!(HasOne<P, C>, "one-to-one");
debug_handle!(ManyToMany<A, B>, "many-to-many");

impl<P, C> Clone for HasMany<P, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P, C> Copy for HasMany<P, C> {}

impl<A, B> Clone for ManyToMany<A, B> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A, B> Copy for ManyToMany<A, B> {}

impl<C, P, F> Clone for BelongsTo<C, P, F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C, P, F> Copy for BelongsTo<C, P, F> {}

impl<P, C> Clone for HasOne<P, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P, C> Copy for HasOne<P, C> {}
