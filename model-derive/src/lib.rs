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
mod column_type;
mod expand;
mod fallback;
mod from_row;
mod relation;

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
/// - `foreign_key = User::ID` (the referenced column's handle: its type is checked against the
///   field's) or `foreign_key = "table.column"` (a table without a model), with
///   `on_delete = "cascade" | "set_null" | "set_default" |
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

/// Derives `model_core::ColumnType` for a type of your own, so fields can have it (and
/// `Option` of it, a nullable column).
///
/// # Newtypes
/// `struct UserId(i64);` is stored as its inner type, and takes the column options that type
/// takes (`autoincrement` on an integer, `length` on a string). Columns of it are compared with
/// the newtype itself: `User::ID.eq(UserId(7))`.
///
/// # Fieldless enums
/// Each variant is stored as one value; which, `#[column_type(...)]` on the enum says:
/// - `storage = "text"` (the default): a text column holding the variant's label.
/// - `storage = "native"`: the backend's own enum type: PostgreSQL `CREATE TYPE <name> AS
///   ENUM (...)`, created by `create_all` before the tables and dropped by `drop_all` after
///   them; MySQL `ENUM(...)`; SQLite `TEXT` with a `CHECK` on the labels.
/// - `storage = "integer"`: the variant's discriminant, which every variant must write out
///   (`Low = 1`), in the integer column of the enum's `#[repr]` (`INTEGER` without one).
/// - `rename_all = "snake_case"`: the labels' case, by serde's names (`lowercase`,
///   `UPPERCASE`, `snake_case`, `SCREAMING_SNAKE_CASE`, `kebab-case`, `camelCase`,
///   `PascalCase`). Without it a label is the variant's name as written.
/// - `name = "..."`: the native type's name; default: the enum's name in snake_case.
/// - `crate = "path"`: where `model_core` is, if the dependency was renamed.
///
/// On a variant, `#[column_type(rename = "...")]` gives its label.
///
/// Reading a value no variant has is an error naming the value and the labels.
#[proc_macro_derive(ColumnType, attributes(column_type))]
pub fn derive_column_type(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    column_type::derive(&input).into()
}

/// Derives `model_core::FromRow` for a struct that rows of SQL written by hand are read into
/// (`Database::fetch_as`): a join's or an aggregate's result, never a table. Nothing is
/// registered, and `create_all` never creates it.
///
/// Fields are read by column name: the field's name, or `#[row(rename = "...")]`. With
/// `#[row(positional)]` on the struct, or on a tuple struct, they are read in order instead.
/// `#[row(skip)]` leaves a field out (`Default::default()`). Every field's type is a column
/// type or an `Option` of one; `#[row(crate = "path")]` says where `model_core` is.
#[proc_macro_derive(FromRow, attributes(row))]
pub fn derive_from_row(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    from_row::derive(&input).into()
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
