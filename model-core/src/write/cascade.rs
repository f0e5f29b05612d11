//! Deletes that go down relationships declared with `cascade = "delete"` (SQLAlchemy's
//! `cascade="all, delete"`), for a schema without `ON DELETE CASCADE`: before a row (or the
//! rows of a bulk delete) goes, the rows referring to it go, deepest first, each level one
//! statement selecting its rows by a subquery on the level above. Everything runs in one
//! transaction: the caller's, or one of its own.

use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::meta::{Cascade, Link, Table};
use crate::model::Model;
use crate::query::{Node, SqlWriter};
use crate::value::Value;

/// How deep cascades go: a relationship of a table to itself (a tree of comments) would go on
/// forever, and those are better deleted by the schema's `ON DELETE CASCADE`.
const MAX_DEPTH: usize = 16;

/// One cascaded delete: the table it deletes from, its SQL and values.
pub(crate) struct CascadedDelete {
    pub(crate) table: &'static Table,
    pub(crate) sql: String,
    pub(crate) args: Vec<Value>,
}

/// The deletes that go before deleting `row`, deepest first.
pub(crate) fn for_row<M: Model>(dialect: &dyn Dialect, row: &M) -> Result<Vec<CascadedDelete>> {
    let mut out = Vec::new();
    collect(
        dialect,
        M::DELETE_CASCADES,
        &|link: &Link| Node::Compare {
            column: link.child_column,
            op: "=",
            value: row
                .column_value(link.parent_position)
                .unwrap_or(Value::Invalid(format!(
                    "no column \"{}\"",
                    link.parent_column
                ))),
        },
        0,
        &mut out,
    )?;
    Ok(out)
}

/// The deletes that go before deleting the rows of `M` matching `conditions`, deepest first.
pub(crate) fn for_query<M: Model>(
    dialect: &dyn Dialect,
    conditions: &[Node],
) -> Result<Vec<CascadedDelete>> {
    let mut out = Vec::new();
    collect(
        dialect,
        M::DELETE_CASCADES,
        &|link: &Link| referring_to(link, M::TABLE, conditions.to_vec()),
        0,
        &mut out,
    )?;
    Ok(out)
}

/// `child_column IN (SELECT parent_column FROM parent WHERE conditions)`.
fn referring_to(link: &Link, parent: &'static Table, conditions: Vec<Node>) -> Node {
    Node::InSelect {
        column: link.child_column,
        negated: false,
        select: link.parent_column,
        table: parent.name(),
        conditions,
    }
}

fn collect(
    dialect: &dyn Dialect,
    cascades: &'static [Cascade],
    condition: &dyn Fn(&Link) -> Node,
    depth: usize,
    out: &mut Vec<CascadedDelete>,
) -> Result<()> {
    for cascade in cascades {
        let link = cascade.link;
        let node = condition(&link);
        let next = (cascade.next)();
        if !next.is_empty() {
            if depth >= MAX_DEPTH {
                return Err(Error::Unsupported(format!(
                    "the delete cascades more than {MAX_DEPTH} levels deep (down to {}); a \
                     relationship of a table to itself is better deleted by the schema's \
                     `on_delete = \"cascade\"`",
                    link.child.describe()
                )));
            }
            let above = vec![node.clone()];
            collect(
                dialect,
                next,
                &|below: &Link| referring_to(below, link.child, above.clone()),
                depth + 1,
                out,
            )?;
        }
        let mut w = SqlWriter::new(dialect);
        w.push("DELETE FROM ");
        w.ident(link.child.name());
        w.push(" WHERE ");
        node.write(&mut w);
        let (sql, args) = w.finish();
        out.push(CascadedDelete {
            table: link.child,
            sql,
            args,
        });
    }
    Ok(())
}
