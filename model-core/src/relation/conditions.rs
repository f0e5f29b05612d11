//! Conditions through relationships, as SQLAlchemy's `any` and `has`: `User::POSTS.any(...)`
//! keeps the users with at least one matching post, `Post::AUTHOR.has(...)` the posts whose
//! author matches, each one `EXISTS` subquery in the same statement. A query can so filter on
//! the columns of related models, type-checked like its own.

use super::handles::{BelongsTo, HasMany, HasOne, ManyToMany};
use crate::column_type::ColumnType;
use crate::field::FieldType;
use crate::meta::Link;
use crate::model::{Column, Contains, Model};
use crate::query::{Association, Condition, Node, Related};

/// `EXISTS` over the rows on the "many" side of `link`, related to the outer row on its
/// referenced side.
fn children_exist<M>(link: &Link, conditions: Vec<Node>) -> Condition<M> {
    Condition::new(Node::Related(Box::new(Related {
        negated: false,
        table: link.child.name(),
        column: link.child_column,
        outer_table: link.parent.name(),
        outer_column: link.parent_column,
        through: None,
        conditions,
    })))
}

impl<P: Model, C: Model> HasMany<P, C> {
    /// The rows of `P` with at least one `C` matching `condition`: `User::POSTS.any(
    /// Post::PUBLISHED.eq(true))`. Negate it (`.not()`) for those with none.
    pub fn any(&self, condition: Condition<C>) -> Condition<P> {
        children_exist(&self.link, vec![condition.node])
    }

    /// The rows of `P` with at least one `C`.
    pub fn exists(&self) -> Condition<P> {
        children_exist(&self.link, Vec::new())
    }
}

impl<P: Model, C: Model> HasOne<P, C> {
    /// The rows of `P` whose `C` matches `condition`.
    pub fn has(&self, condition: Condition<C>) -> Condition<P> {
        children_exist(&self.link, vec![condition.node])
    }

    /// The rows of `P` that have a `C`.
    pub fn exists(&self) -> Condition<P> {
        children_exist(&self.link, Vec::new())
    }
}

impl<C: Model, P: Model, F> BelongsTo<C, P, F> {
    /// The rows of `C` whose `P` matches `condition`: `Post::AUTHOR.has(User::NAME.eq("ann"))`.
    pub fn has(&self, condition: Condition<P>) -> Condition<C> {
        Condition::new(Node::Related(Box::new(Related {
            negated: false,
            table: self.link.parent.name(),
            column: self.link.parent_column,
            outer_table: self.link.child.name(),
            outer_column: self.link.child_column,
            through: None,
            conditions: vec![condition.node],
        })))
    }
}

impl<A: Model, B: Model> ManyToMany<A, B> {
    /// The rows of `A` related to at least one `B` matching `condition`:
    /// `Post::TAGS.any(Tag::LABEL.eq("rust"))`.
    pub fn any(&self, condition: Condition<B>) -> Condition<A> {
        self.related(vec![condition.node])
    }

    /// The rows of `A` related to at least one `B`.
    pub fn exists(&self) -> Condition<A> {
        self.related(Vec::new())
    }

    fn related(&self, conditions: Vec<Node>) -> Condition<A> {
        Condition::new(Node::Related(Box::new(Related {
            negated: false,
            table: self.target.parent.name(),
            column: self.target.parent_column,
            outer_table: self.source.parent.name(),
            outer_column: self.source.parent_column,
            through: Some(Association {
                table: self.source.child.name(),
                outer: self.source.child_column,
                inner: self.target.child_column,
            }),
            conditions,
        })))
    }
}

impl<G, T: FieldType> Column<G, T> {
    /// The rows whose column holds a key that the row of `A` with key `key` is related to
    /// through `relation`: `column IN (SELECT target FROM association WHERE source = key)`,
    /// one subquery on the association table alone. The feed of the users someone follows:
    /// `Post::AUTHOR_ID.in_related(&User::FOLLOWING, me)`. The column holds keys of `B`.
    pub fn in_related<Q: Contains<G>, A: Model, B: Model>(
        self,
        relation: &ManyToMany<A, B>,
        key: impl ColumnType,
    ) -> Condition<Q> {
        Condition::new(Node::InSelect {
            column: self.name(),
            negated: false,
            select: relation.target.child_column,
            table: relation.source.child.name(),
            conditions: vec![Node::Compare {
                column: relation.source.child_column,
                op: "=",
                value: key.into_value(),
            }],
        })
    }
}
