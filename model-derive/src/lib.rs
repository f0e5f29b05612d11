//! The derive macros of `model-core`. Depend on `model-core`, which re-exports them; this crate
//! holds only the entry points, which forward to `expand`.
//!
//! The pipeline is the one of serde_derive and thiserror: `attr` parses attributes with darling,
//! `ast` + `check` validate and resolve them (reporting every error at once, each at its span),
//! `expand` generates code, and `fallback` keeps a failed derive from cascading.

mod ast;
mod attr;
mod check;
mod expand;
mod fallback;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `model_core::Model`: table metadata, typed column handles, `query()` and `table()`,
/// and registration in the global model registry.
///
/// # Table name
/// The struct name converted from CamelCase to snake_case (`TokenBlocklist` → `token_blocklist`,
/// `HTTPServer` → `http_server`), the rule of Flask-SQLAlchemy 3. This rule is public API.
///
/// # Container attributes: `#[model(...)]`
/// - `table = "name"`: the table name.
/// - `bind = "key"`: the database the table lives in; default: the default database.
/// - `index(fields(a, b), name = "...", unique)`: an index over several fields.
/// - `unique(fields(a, b), name = "...")`: a unique constraint over several fields.
/// - `crate = "path"`: where `model_core` is, if the dependency was renamed.
///
/// # Field attributes: `#[column(...)]`
/// - `primary_key`: part of the primary key (several fields make a composite key).
/// - `autoincrement` / `autoincrement = false`: generated ids; on by default for a single
///   integer primary key.
/// - `unique`, `index`: single-column unique constraint / index.
/// - `length = N`: `VARCHAR(N)` instead of `TEXT` (strings only).
/// - `name = "..."`: the column name; default: the field name (`r#type` → `type`).
/// - `default = path::to::fn`: client-side default, a `fn() -> FieldType`.
/// - `server_default = "SQL"`: the column's `DEFAULT` clause, as SQL text.
/// - `onupdate = path::to::fn`: value written on every update, a `fn() -> FieldType`.
/// - `foreign_key = "table.column"`, with `on_delete = "cascade" | "set_null" | "set_default" |
///   "restrict" | "no_action"`.
/// - `skip`: not stored; filled with `Default::default()` when a row is read.
/// - `flatten`: the field's type derives `ColumnGroup`; its columns are inlined here.
///
/// `Option<T>` fields are nullable; all others are `NOT NULL`.
#[proc_macro_derive(Model, attributes(model, column))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive_model(&input).into()
}

/// Derives `model_core::ColumnGroup`: a set of columns declared once and inlined into many
/// models with `#[column(flatten)]`, as if written in each (the `BaseModel` of Flask apps).
/// Fields take the same `#[column(...)]` attributes as a model's.
#[proc_macro_derive(ColumnGroup, attributes(column_group, column))]
pub fn derive_column_group(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive_group(&input).into()
}
