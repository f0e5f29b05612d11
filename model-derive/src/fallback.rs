//! What is emitted next to the error messages when a derive finds mistakes: the checks of the
//! field types (`expand::field_checks`), so type mismatches are reported in the same compile as
//! the attribute errors, and impls with the right names and no columns, plus the column
//! handles, so that code using the model (`User::query()`, `User::table()`, `User::NAME`) does
//! not add a wall of secondary errors to the real ones. Nothing here runs: the crate does not
//! compile.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Generics, Ident, Path};

use crate::ast::{Field, Group, Model, handle_name, unraw};
use crate::expand;

/// Fallback for `#[derive(Model)]`.
pub fn model(model: &Model) -> TokenStream {
    let Model {
        ident,
        vis,
        krate,
        fields,
        ..
    } = model;
    if is_generic(&model.generics) {
        return TokenStream::new();
    }
    let group = group_impl(krate, ident, fields);
    quote! {
        #group
        impl #krate::Model for #ident {
            const TABLE: &'static #krate::Table = &#krate::__private::INVALID_TABLE;
        }
        impl #ident {
            // Stand-ins for the real API, used or not by the user's code.
            #[allow(dead_code)]
            #vis fn query() -> #krate::Select<Self> {
                #krate::Select::new()
            }
            #[allow(dead_code)]
            #vis fn table() -> &'static #krate::Table {
                &#krate::__private::INVALID_TABLE
            }
        }
    }
}

/// Fallback for `#[derive(ColumnGroup)]`.
pub fn group(group: &Group) -> TokenStream {
    if is_generic(&group.generics) {
        return TokenStream::new();
    }
    group_impl(&group.krate, &group.ident, &group.fields)
}

/// Field checks naming a type parameter, and impls for a generic struct, would only add errors
/// about the parameter to the one that says generics are not supported.
fn is_generic(generics: &Generics) -> bool {
    !generics.params.is_empty()
}

fn group_impl(krate: &Path, ident: &Ident, fields: &[Field]) -> TokenStream {
    let checks = expand::field_checks(krate, ident, fields);
    // A handle for every field, whatever its attribute says (it may be what failed); one per
    // name, as two fields with one handle name are among the errors reported.
    let mut seen = HashSet::new();
    let handles = fields
        .iter()
        .filter(|field| seen.insert(handle_name(&field.ident)))
        .map(|field| {
            let handle = format_ident!("{}", handle_name(&field.ident));
            let (vis, ty, column) = (&field.vis, &field.ty, unraw(&field.ident));
            quote! {
                #[allow(dead_code)]
                #vis const #handle: #krate::Column<#ident, #ty> =
                    #krate::__private::handle(#column, 0);
            }
        });
    quote! {
        #checks
        impl #krate::Contains<#ident> for #ident {}
        impl #krate::ColumnGroup for #ident {
            const COLUMNS: &'static [#krate::ColumnDef] = &[];
            fn decode_at(
                _: &dyn #krate::RowReader,
                _: ::core::primitive::usize,
            ) -> ::core::result::Result<Self, #krate::DecodeError> {
                ::core::result::Result::Err(#krate::__private::invalid_model())
            }
            fn push_values(&self, _: &mut #krate::__private::Vec<#krate::Value>) {}
        }
        impl #krate::FromRow for #ident {
            fn from_row(
                _: &dyn #krate::RowReader,
            ) -> ::core::result::Result<Self, #krate::DecodeError> {
                ::core::result::Result::Err(#krate::__private::invalid_model())
            }
        }
        impl #ident {
            #(#handles)*
        }
    }
}
