//! SQL text rendered once per table, dialect and statement shape. A lookup, update or delete
//! by primary key, the insert of a whole row, or the `SELECT <columns> FROM t` that opens every
//! listing query, depends on nothing but the model and the dialect, yet rendering it (quoting
//! every column name, numbering the placeholders) cost about 2,200 instructions per PostgreSQL
//! lookup, a sixth of what raw sqlx spends on the whole query (bench/HISTORY.md, "PostgreSQL and
//! MariaDB: one lookup by key"). Each table renders such a statement the first time a dialect
//! runs it and reuses the text after; one text per shape also keeps the drivers'
//! prepared-statement caches hitting.

use std::fmt;
use std::sync::OnceLock;

/// Which dialect a cached text is written in: the cache's key. Each dialect names its own
/// (`Dialect::id`), so the cache needs nothing of the dialects, and the metadata that holds a
/// cache stays below them.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialectId {
    Sqlite,
    Postgres,
    MySql,
    MariaDb,
}

impl DialectId {
    /// Every id, in the order of their slots.
    const ALL: [DialectId; 4] = [
        DialectId::Sqlite,
        DialectId::Postgres,
        DialectId::MySql,
        DialectId::MariaDb,
    ];
}

const DIALECTS: usize = DialectId::ALL.len();

/// A statement whose text depends only on its table and the dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TableStatement {
    /// `SELECT <every column> FROM t`: the head of every query that lists a model's rows
    /// (`all`, `first`, `paginate`...), whatever its conditions.
    SelectAll,
    /// `SELECT <every column> FROM t WHERE (<key> = ?)`: `get` on a plain query, and the
    /// read-back of a written row.
    SelectByKey,
    /// `UPDATE t SET <every other column> = ? WHERE <key> = ?`.
    UpdateByKey,
    /// [`TableStatement::UpdateByKey`] followed by `RETURNING <every column>`.
    UpdateByKeyReturning,
    /// `DELETE FROM t WHERE <key> = ?`.
    DeleteByKey,
    /// `INSERT INTO t (<every column>) VALUES (?, ...)`.
    InsertAll,
    /// [`TableStatement::InsertAll`] followed by `RETURNING <every column>`.
    InsertAllReturning,
    /// `INSERT INTO t (<every column but the generated key>) VALUES (?, ...)`.
    InsertGenerated,
    /// [`TableStatement::InsertGenerated`] followed by `RETURNING <every column>`.
    InsertGeneratedReturning,
    /// [`TableStatement::InsertGenerated`] followed by `RETURNING <the key>`.
    InsertGeneratedReturningKey,
}

const SHAPES: usize = 10;

/// The statements of one table, each rendered on first use per dialect. `#[derive(Model)]`
/// gives every model its own, in a `static`, so reading one back is a load: no lock, no
/// lookup, no allocation.
pub struct SqlCache {
    slots: [[OnceLock<Box<str>>; SHAPES]; DIALECTS],
}

impl SqlCache {
    /// An empty cache.
    pub const fn new() -> Self {
        SqlCache {
            slots: [const { [const { OnceLock::new() }; SHAPES] }; DIALECTS],
        }
    }

    /// The text of `statement` in `dialect`; `render` writes it the first time.
    pub(crate) fn get_or_render(
        &self,
        dialect: DialectId,
        statement: TableStatement,
        render: impl FnOnce() -> String,
    ) -> &str {
        self.slots[dialect as usize][statement as usize].get_or_init(|| render().into_boxed_str())
    }
}

impl Default for SqlCache {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for SqlCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rendered = self
            .slots
            .iter()
            .flatten()
            .filter(|slot| slot.get().is_some())
            .count();
        f.debug_struct("SqlCache")
            .field("rendered", &rendered)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dialect_has_its_own_slots() {
        let slots: Vec<usize> = DialectId::ALL.iter().map(|&id| id as usize).collect();
        assert_eq!(slots, [0, 1, 2, 3]);
    }

    #[test]
    fn renders_once_per_dialect_and_statement() {
        let cache = SqlCache::new();
        let mut renders = 0;
        for _ in 0..3 {
            let sql = cache.get_or_render(DialectId::Postgres, TableStatement::DeleteByKey, || {
                renders += 1;
                "DELETE".to_owned()
            });
            assert_eq!(sql, "DELETE");
        }
        let other = cache.get_or_render(DialectId::Sqlite, TableStatement::DeleteByKey, || {
            "D2".to_owned()
        });
        assert_eq!(other, "D2");
        assert_eq!(renders, 1);
        assert_eq!(format!("{cache:?}"), "SqlCache { rendered: 2 }");
    }
}
