//! `EXISTS` over related rows: the condition behind `User::POSTS.any(...)` ("users having a
//! published post") and `Post::AUTHOR.has(...)` ("posts whose author is called ann"). The
//! related table is aliased in the subquery, so a relationship of a table to itself works, and
//! the subquery refers to the row outside it by the alias it is written under, so these nest
//! (the posts of the users someone follows).

use super::expr::{Node, write_all};
use super::writer::SqlWriter;

/// Rows of `table` related to the outer row, matching `conditions`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Related {
    /// `NOT EXISTS`.
    pub(crate) negated: bool,
    /// The table of the related rows.
    pub(crate) table: &'static str,
    /// Its column matched with the outer row's (directly, or through `through`).
    pub(crate) column: &'static str,
    /// The outer row's table (its name, where it is not aliased) and column.
    pub(crate) outer_table: &'static str,
    pub(crate) outer_column: &'static str,
    /// An association table between them.
    pub(crate) through: Option<Association>,
    /// Conditions on the related rows, written under their alias.
    pub(crate) conditions: Vec<Node>,
}

/// An association table: its column matching the outer row, and its column matching
/// [`Related::column`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Association {
    pub(crate) table: &'static str,
    pub(crate) outer: &'static str,
    pub(crate) inner: &'static str,
}

impl Related {
    /// `EXISTS (SELECT 1 FROM t AS a WHERE a.column = outer.column AND ...)`, or with the
    /// association joined: `... FROM assoc AS b INNER JOIN t AS a ON a.column = b.inner
    /// WHERE b.outer = outer.column AND ...`.
    pub(crate) fn write(&self, w: &mut SqlWriter<'_>) {
        let outer = w
            .qualifier()
            .map_or_else(|| self.outer_table.to_owned(), str::to_owned);
        let alias = w.next_alias();
        w.push(if self.negated {
            "NOT EXISTS (SELECT 1 FROM "
        } else {
            "EXISTS (SELECT 1 FROM "
        });
        let saved = w.set_qualifier(None);
        let matched = match self.through {
            None => {
                w.ident(self.table);
                w.push(" AS ");
                w.ident(&alias);
                (alias.clone(), self.column)
            }
            Some(association) => {
                let linking = w.next_alias();
                w.ident(association.table);
                w.push(" AS ");
                w.ident(&linking);
                w.push(" INNER JOIN ");
                w.ident(self.table);
                w.push(" AS ");
                w.ident(&alias);
                w.push(" ON ");
                w.set_qualifier(Some(alias.clone().into()));
                w.column(self.column);
                w.push(" = ");
                w.set_qualifier(Some(linking.clone().into()));
                w.column(association.inner);
                (linking, association.outer)
            }
        };
        w.push(" WHERE ");
        w.set_qualifier(Some(matched.0.into()));
        w.column(matched.1);
        w.push(" = ");
        w.set_qualifier(Some(outer.into()));
        w.column(self.outer_column);
        if !self.conditions.is_empty() {
            w.push(" AND ");
            w.set_qualifier(Some(alias.into()));
            write_all(w, &self.conditions);
        }
        w.set_qualifier(saved);
        w.push(")");
    }
}
