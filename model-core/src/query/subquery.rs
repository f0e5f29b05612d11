//! `column IN (SELECT ...)`: a column matched against a column of another query's rows, in the
//! same statement ("posts whose author is among the users I follow"), so no list of keys is
//! read first and sent back, however many there are.

use super::expr::Condition;
use super::node::Node;
use super::select::Select;
use crate::field::FieldType;
use crate::model::{Column, Contains, Model};

impl<G, T: FieldType> Column<G, T> {
    /// The rows whose column is among the `column` values of the rows `query` selects (its
    /// filters; its order, limit and offset are not part of an `IN` subquery):
    /// `Post::AUTHOR_ID.in_query(User::ID, &User::query().filter(User::ACTIVE.eq(true)))`.
    /// The two columns hold the same type (an `Option` or `Auto` of it counting as it).
    pub fn in_query<Q: Contains<G>, X: Model, U: FieldType<Base = T::Base>>(
        self,
        column: Column<X, U>,
        query: &Select<X>,
    ) -> Condition<Q> {
        self.select_node(column, query, false)
    }

    /// The rows whose column is not among the `column` values of the rows `query` selects.
    /// As SQL's `NOT IN`, a NULL among those values matches no row: select a `NOT NULL`
    /// column, or filter the NULLs out.
    pub fn not_in_query<Q: Contains<G>, X: Model, U: FieldType<Base = T::Base>>(
        self,
        column: Column<X, U>,
        query: &Select<X>,
    ) -> Condition<Q> {
        self.select_node(column, query, true)
    }

    fn select_node<Q, X: Model, U>(
        self,
        column: Column<X, U>,
        query: &Select<X>,
        negated: bool,
    ) -> Condition<Q> {
        Condition::new(Node::InSelect {
            column: self.name(),
            negated,
            select: column.name(),
            table: X::TABLE.name(),
            conditions: query.conditions.clone(),
        })
    }
}
