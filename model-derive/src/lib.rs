//! The derive macros of `model-core`. Depend on `model-core`, which re-exports them; this crate
//! holds the entry points, which run the pipeline below.
//!
//! The pipeline is the one of serde_derive and thiserror, one module a stage, each importing
//! only the stages before it:
//! 1. parse: `attr` holds the darling receivers, `ast` turns them and the struct into a plain
//!    description that is built whatever the attributes say;
//! 2. check: `check` runs every rule on that description and reports every error at once, each
//!    at its span;
//! 3. expand: `expand` generates the code of a struct that passed; for one that did not,
//!    `fallback` emits the errors' companions: the type checks of the fields, so those mistakes
//!    show up in the same compile, and stand-in impls, so the errors do not cascade.

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
    if let Err(error) = check::shape(&input, "Model") {
        return error.write_errors().into();
    }
    let model = ast::Model::from_input(&input);
    match check::model(&model) {
        Ok(()) => expand::model(&model),
        Err(errors) => with_fallback(errors, fallback::model(&model)),
    }
    .into()
}

/// Derives `model_core::ColumnGroup`: a set of columns declared once and inlined into many
/// models with `#[column(flatten)]`, as if written in each (the `BaseModel` of Flask apps).
/// Fields take the same `#[column(...)]` attributes as a model's.
#[proc_macro_derive(ColumnGroup, attributes(column_group, column))]
pub fn derive_column_group(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    if let Err(error) = check::shape(&input, "ColumnGroup") {
        return error.write_errors().into();
    }
    let group = ast::Group::from_input(&input);
    match check::group(&group) {
        Ok(()) => expand::group(&group),
        Err(errors) => with_fallback(errors, fallback::group(&group)),
    }
    .into()
}

/// The errors, then the fallback code.
fn with_fallback(
    errors: darling::Error,
    fallback: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let mut out = errors.write_errors();
    out.extend(fallback);
    out
}
