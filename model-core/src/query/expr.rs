//! Typed conditions. Column handles build them (`User::NAME.eq("ann")`), so a column is only
//! ever compared with values of its own type and only used on models that have it; `and`,
//! `or` and `not` (also `&`, `|`, `!`) combine them. A condition is a tree of values, rendered
//! per dialect with every value bound.

use std::fmt;
use std::marker::PhantomData;

use super::node::Node;
use crate::dialect::TextMatch;
use crate::field::FieldType;
use crate::model::{Column, Contains};

/// A `WHERE` condition on rows of model `M`.
pub struct Condition<M> {
    pub(crate) node: Node,
    _model: PhantomData<fn() -> M>,
}

impl<M> Condition<M> {
    pub(crate) fn new(node: Node) -> Self {
        Condition {
            node,
            _model: PhantomData,
        }
    }

    /// Both conditions.
    pub fn and(self, other: Condition<M>) -> Condition<M> {
        Condition::new(Node::And(flatten(self.node, other.node, true)))
    }

    /// Either condition.
    pub fn or(self, other: Condition<M>) -> Condition<M> {
        Condition::new(Node::Or(flatten(self.node, other.node, false)))
    }

    /// The negation.
    #[allow(
        clippy::should_implement_trait,
        reason = "`!cond` works too; the method reads as SQL"
    )]
    pub fn not(self) -> Condition<M> {
        Condition::new(Node::Not(Box::new(self.node)))
    }

    /// Every condition of `conditions` (true when there are none).
    pub fn all(conditions: impl IntoIterator<Item = Condition<M>>) -> Condition<M> {
        Condition::new(Node::And(conditions.into_iter().map(|c| c.node).collect()))
    }

    /// Any condition of `conditions` (false when there are none).
    pub fn any(conditions: impl IntoIterator<Item = Condition<M>>) -> Condition<M> {
        Condition::new(Node::Or(conditions.into_iter().map(|c| c.node).collect()))
    }
}

/// `a` and `b` as the operands of one AND (`and`) or OR, nested ANDs/ORs of the same kind
/// merged in, so chains render without extra parentheses.
fn flatten(a: Node, b: Node, and: bool) -> Vec<Node> {
    let mut out = Vec::new();
    for node in [a, b] {
        match node {
            Node::And(nodes) if and => out.extend(nodes),
            Node::Or(nodes) if !and => out.extend(nodes),
            other => out.push(other),
        }
    }
    out
}

impl<M> std::ops::BitAnd for Condition<M> {
    type Output = Condition<M>;
    fn bitand(self, other: Condition<M>) -> Condition<M> {
        self.and(other)
    }
}

impl<M> std::ops::BitOr for Condition<M> {
    type Output = Condition<M>;
    fn bitor(self, other: Condition<M>) -> Condition<M> {
        self.or(other)
    }
}

impl<M> std::ops::Not for Condition<M> {
    type Output = Condition<M>;
    fn not(self) -> Condition<M> {
        Condition::not(self)
    }
}

impl<M> Clone for Condition<M> {
    fn clone(&self) -> Self {
        Condition::new(self.node.clone())
    }
}

impl<M> fmt::Debug for Condition<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)
    }
}

/// Comparisons, for every column. `Q` is the model the condition is for: the column's own
/// model, or one that flattens the column's group.
impl<G, T: FieldType> Column<G, T> {
    fn compare<Q: Contains<G>>(
        self,
        op: &'static str,
        value: impl Into<T::Compare>,
    ) -> Condition<Q> {
        Condition::new(Node::Compare {
            column: self.name(),
            op,
            value: value.into().into_value(),
        })
    }

    /// `column = value`.
    pub fn eq<Q: Contains<G>>(self, value: impl Into<T::Compare>) -> Condition<Q> {
        self.compare("=", value)
    }
    /// `column <> value`.
    pub fn ne<Q: Contains<G>>(self, value: impl Into<T::Compare>) -> Condition<Q> {
        self.compare("<>", value)
    }
    /// `column < value`.
    pub fn lt<Q: Contains<G>>(self, value: impl Into<T::Compare>) -> Condition<Q> {
        self.compare("<", value)
    }
    /// `column <= value`.
    pub fn le<Q: Contains<G>>(self, value: impl Into<T::Compare>) -> Condition<Q> {
        self.compare("<=", value)
    }
    /// `column > value`.
    pub fn gt<Q: Contains<G>>(self, value: impl Into<T::Compare>) -> Condition<Q> {
        self.compare(">", value)
    }
    /// `column >= value`.
    pub fn ge<Q: Contains<G>>(self, value: impl Into<T::Compare>) -> Condition<Q> {
        self.compare(">=", value)
    }
    /// `column BETWEEN low AND high` (both ends included).
    pub fn between<Q: Contains<G>>(
        self,
        low: impl Into<T::Compare>,
        high: impl Into<T::Compare>,
    ) -> Condition<Q> {
        Condition::new(Node::Between {
            column: self.name(),
            low: low.into().into_value(),
            high: high.into().into_value(),
        })
    }
    /// `column IN (...)`; an empty list matches no row.
    pub fn is_in<Q: Contains<G>, V: Into<T::Compare>>(
        self,
        values: impl IntoIterator<Item = V>,
    ) -> Condition<Q> {
        let values = values.into_iter().map(|v| v.into().into_value()).collect();
        Condition::new(Node::In {
            column: self.name(),
            values,
            negated: false,
        })
    }
    /// `column NOT IN (...)`; an empty list matches every row.
    pub fn not_in<Q: Contains<G>, V: Into<T::Compare>>(
        self,
        values: impl IntoIterator<Item = V>,
    ) -> Condition<Q> {
        let values = values.into_iter().map(|v| v.into().into_value()).collect();
        Condition::new(Node::In {
            column: self.name(),
            values,
            negated: true,
        })
    }
    /// `column IS NULL`.
    pub fn is_null<Q: Contains<G>>(self) -> Condition<Q> {
        Condition::new(Node::Null {
            column: self.name(),
            negated: false,
        })
    }
    /// `column IS NOT NULL`.
    pub fn is_not_null<Q: Contains<G>>(self) -> Condition<Q> {
        Condition::new(Node::Null {
            column: self.name(),
            negated: true,
        })
    }
}

/// Pattern matching, for columns stored as strings (a `String`, a newtype over one, an
/// `Option` or `Auto` of either).
impl<G, T: FieldType<Base = String>> Column<G, T> {
    /// `column LIKE pattern`, with `%` and `_` as wildcards. Case sensitivity is the
    /// database's: SQLite ignores ASCII case, PostgreSQL does not, MySQL follows the collation.
    /// For a literal test with one meaning everywhere, use [`starts_with`](Self::starts_with),
    /// [`ends_with`](Self::ends_with) or [`contains`](Self::contains).
    pub fn like<Q: Contains<G>>(self, pattern: impl Into<String>) -> Condition<Q> {
        Condition::new(Node::Like {
            column: self.name(),
            pattern: pattern.into(),
            case_insensitive: false,
        })
    }
    /// Case-insensitive `LIKE` on every backend (`ILIKE` on PostgreSQL, `LOWER(..) LIKE
    /// LOWER(..)` elsewhere).
    pub fn ilike<Q: Contains<G>>(self, pattern: impl Into<String>) -> Condition<Q> {
        Condition::new(Node::Like {
            column: self.name(),
            pattern: pattern.into(),
            case_insensitive: true,
        })
    }
    /// Starts with `prefix`, as Rust's `str::starts_with` means it on every backend: taken
    /// literally (`%` and `_` are not wildcards), case-sensitive, every character significant
    /// (a NUL too; PostgreSQL refuses NUL in text with an error). [`ilike`](Self::ilike) is the
    /// case-insensitive form.
    pub fn starts_with<Q: Contains<G>>(self, prefix: &str) -> Condition<Q> {
        self.text(TextMatch::StartsWith, prefix)
    }
    /// Ends with `suffix`, literally and case-sensitively, as [`starts_with`](Self::starts_with).
    pub fn ends_with<Q: Contains<G>>(self, suffix: &str) -> Condition<Q> {
        self.text(TextMatch::EndsWith, suffix)
    }
    /// Contains `part`, literally and case-sensitively, as [`starts_with`](Self::starts_with).
    pub fn contains<Q: Contains<G>>(self, part: &str) -> Condition<Q> {
        self.text(TextMatch::Contains, part)
    }

    fn text<Q: Contains<G>>(self, test: TextMatch, text: &str) -> Condition<Q> {
        Condition::new(Node::Text {
            column: self.name(),
            test,
            text: text.to_owned(),
        })
    }
}
