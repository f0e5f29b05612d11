//! `#[derive(FromRow)]`: a struct that rows of SQL written by hand are read into, by column
//! name or by position. The same three stages as the other derives: `ast` describes the struct,
//! `check` reports every mistake at once, `expand` writes the `FromRow` impl. Nothing is
//! registered: a row type is never a table.

mod ast;
mod check;
mod expand;

use proc_macro2::TokenStream;
use syn::DeriveInput;

/// The code of a `#[derive(FromRow)]`, or its errors.
pub fn derive(input: &DeriveInput) -> TokenStream {
    let described = ast::RowDef::from_input(input);
    match check::row_def(&described) {
        Ok(()) => expand::row_def(&described),
        Err(errors) => errors.write_errors(),
    }
}
