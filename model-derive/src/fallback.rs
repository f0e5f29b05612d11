//! What is emitted next to the error messages when a derive fails: impls with the right names
//! and no columns, plus the column handles, so that code using the model (`User::query()`,
//! `User::table()`, `User::NAME`) does not add a wall of secondary errors to the real ones.
//! Nothing here runs: the crate does not compile.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Fields, Path};

use crate::ast::{handle_name, unraw};

/// Fallback for `#[derive(Model)]`.
pub fn model(input: &DeriveInput) -> TokenStream {
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let (ident, vis) = (&input.ident, &input.vis);
    let krate = crate_path(input, "model");
    let group = group_impl(input, &krate);
    quote! {
        #group
        impl #krate::Model for #ident {
            const TABLE: &'static #krate::Table = &#krate::__private::INVALID_TABLE;
        }
        impl #ident {
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
pub fn group(input: &DeriveInput) -> TokenStream {
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let krate = crate_path(input, "column_group");
    group_impl(input, &krate)
}

fn group_impl(input: &DeriveInput, krate: &Path) -> TokenStream {
    let ident = &input.ident;
    let mut handles = Vec::new();
    if let Data::Struct(data) = &input.data
        && let Fields::Named(fields) = &data.fields
    {
        let mut seen = std::collections::HashSet::new();
        for field in &fields.named {
            let Some(name) = &field.ident else { continue };
            let handle = handle_name(name);
            if !seen.insert(handle.clone()) {
                continue;
            }
            let (handle, vis, ty, column) = (
                format_ident!("{}", handle),
                &field.vis,
                &field.ty,
                unraw(name),
            );
            handles.push(quote! {
                #[allow(dead_code)]
                #vis const #handle: #krate::Column<#ident, #ty> = #krate::Column::new(#column, 0);
            });
        }
    }
    quote! {
        impl #krate::Contains<#ident> for #ident {}
        impl #krate::ColumnGroup for #ident {
            const COLUMNS: &'static [#krate::ColumnDef] = &[];
            fn decode_at(
                _: &dyn #krate::RowReader,
                _: ::core::primitive::usize,
            ) -> ::core::result::Result<Self, #krate::DecodeError> {
                ::core::result::Result::Err(#krate::DecodeError::invalid_model())
            }
            fn push_values(&self, _: &mut #krate::__private::Vec<#krate::Value>) {}
        }
        impl #ident {
            #(#handles)*
        }
    }
}

/// The `crate = "..."` override, read leniently from the raw attributes (the derive failed, so
/// darling's parse is not available); `::model_core` otherwise.
fn crate_path(input: &DeriveInput, attribute: &str) -> Path {
    let mut found = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident(attribute)) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let value: syn::LitStr = meta.value()?.parse()?;
                found = value.parse::<Path>().ok();
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            } else if meta.input.peek(syn::token::Paren) {
                let _content;
                syn::parenthesized!(_content in meta.input);
            }
            Ok(())
        });
    }
    found.unwrap_or_else(|| syn::parse_quote!(::model_core))
}
