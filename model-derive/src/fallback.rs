//! What is emitted next to the error messages when a derive fails: impls with the right names
//! and no columns, so that code using the model (`User::query()`, `User::table()`) does not add
//! a wall of secondary errors to the real ones. Nothing here runs: the crate does not compile.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

/// Fallback for `#[derive(Model)]`.
pub fn model(input: &DeriveInput) -> TokenStream {
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let ident = &input.ident;
    let group = group(input);
    quote! {
        #group
        impl ::model_core::Model for #ident {
            const TABLE: &'static ::model_core::Table = &::model_core::__private::INVALID_TABLE;
        }
        impl #ident {
            #[allow(dead_code)]
            pub fn query() -> ::model_core::Select<Self> {
                ::model_core::Select::new()
            }
            #[allow(dead_code)]
            pub fn table() -> &'static ::model_core::Table {
                &::model_core::__private::INVALID_TABLE
            }
        }
    }
}

/// Fallback for `#[derive(ColumnGroup)]`.
pub fn group(input: &DeriveInput) -> TokenStream {
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let ident = &input.ident;
    quote! {
        impl ::model_core::ColumnGroup for #ident {
            const COLUMNS: &'static [::model_core::ColumnDef] = &[];
            fn decode_at<__R: ::model_core::RowReader + ?::core::marker::Sized>(
                _: &__R,
                _: usize,
            ) -> ::core::result::Result<Self, ::model_core::DecodeError> {
                ::core::result::Result::Err(::model_core::DecodeError::invalid_model())
            }
            fn push_values(&self, _: &mut ::std::vec::Vec<::model_core::Value>) {}
        }
    }
}
