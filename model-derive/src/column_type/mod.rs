//! `#[derive(ColumnType)]`: the same three stages as the table derives, for the user's own
//! column types: `ast` describes the enum or newtype with its `#[column_type(...)]` options,
//! `check` reports every mistake at once, `expand` writes the `ColumnType` impl. A type with
//! mistakes gets no impl; the errors say why, and uses of the type elsewhere add "not a column
//! type" errors that point back at it.

mod ast;
mod check;
mod expand;

use proc_macro2::TokenStream;
use syn::DeriveInput;

/// The code of a `#[derive(ColumnType)]`, or its errors.
pub fn derive(input: &DeriveInput) -> TokenStream {
    let described = ast::TypeDef::from_input(input);
    match check::type_def(&described) {
        Ok(()) => expand::type_def(&described),
        Err(errors) => errors.write_errors(),
    }
}
