//! Not public API. Used by generated code, which reaches it as `::model_core::__private`.

pub use inventory;
pub use std::vec::Vec;

pub use crate::field::{CollatedField, IntegerField, NotNullField, StringField, VersionField};
pub use crate::registry::Registration;
pub use crate::sql_cache::SqlCache;

use crate::meta::{ColumnDef, Table};
use crate::sql_type::SqlType;

/// The table of a model whose derive failed; only the fallback code names it.
pub static INVALID_TABLE: Table = Table::new("", None, "", "", &[], &[], &INVALID_SQL);

static INVALID_SQL: SqlCache = SqlCache::new();

const PLACEHOLDER: ColumnDef = ColumnDef::new("", "", SqlType::Text, false);

/// Concatenates the column lists of a model's own fields and flattened groups into one array, at
/// compile time, so table metadata stays a plain static.
pub const fn concat_columns<const N: usize>(parts: &[&[ColumnDef]]) -> [ColumnDef; N] {
    let mut out = [PLACEHOLDER; N];
    let mut filled = 0;
    let mut part = 0;
    while part < parts.len() {
        let columns = parts[part];
        let mut i = 0;
        while i < columns.len() {
            out[filled] = columns[i];
            filled += 1;
            i += 1;
        }
        part += 1;
    }
    assert!(filled == N, "column count mismatch in generated model code");
    out
}

/// Compile-time check that a primary key field is not an `Option`.
pub const fn require_not_null<T: NotNullField>() {}

/// Compile-time check that a `length` field is a string.
pub const fn require_string<T: StringField>() {}

/// Compile-time check that a `version` field is a non-null integer.
pub const fn require_version<T: VersionField>() {}

/// Compile-time check that a `collation` field is a string.
pub const fn require_collated<T: CollatedField>() {}

/// Compile-time check that an `autoincrement` field is an integer.
pub const fn require_integer<T: IntegerField>() {}
