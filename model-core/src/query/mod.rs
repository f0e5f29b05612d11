//! Queries over models: typed conditions built from column handles (`expr`), ordering
//! (`order`), the `Select` builder and its terminal methods (`select`), pagination (`page`),
//! and the writer that renders all of it through a dialect with bound values (`writer`).
//!
//! SQL is built as a value and rendered at the end for the bind the model lives in, so the
//! same query runs on every backend; values never become SQL text.

mod assign;
mod expr;
mod key;
mod node;
mod order;
mod page;
mod projected;
mod projection;
mod render;
mod run;
mod select;
mod subquery;
mod union;
mod writer;

pub use assign::Assignment;
pub use expr::Condition;
pub(crate) use key::convert as convert_key_value;
pub use key::{IntoKey, KeyPart};
pub(crate) use node::Node;
pub(crate) use node::{Association, Related};
pub use order::Order;
pub use page::Page;
pub use projected::{Grouped, Projected};
pub use projection::{
    Aggregate, AggregateOutput, Ordering, Selectable, Summable, avg, count, count_distinct,
    count_of, max, min, sum,
};
pub(crate) use render::{
    Projection, SelectStatement, Through, select_by_key_sql, write_limit_offset,
};
pub use select::Select;
pub use union::Union;
pub(crate) use writer::SqlWriter;
