//! The `FromRow` impl of a struct `check.rs` passed.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::ast::RowDef;

/// The code of a `#[derive(FromRow)]`.
pub fn row_def(def: &RowDef) -> TokenStream {
    let RowDef { ident, krate, .. } = def;
    let mut position = 0usize;
    let mut values: Vec<TokenStream> = Vec::new();
    for field in &def.fields {
        let ty = &field.ty;
        if field.skip {
            values.push(quote_spanned!(ty.span()=> <#ty as ::core::default::Default>::default()));
            continue;
        }
        // A position counts the fields read before it; a name is looked up in each row.
        let index = if def.by_position() {
            let index = position;
            position += 1;
            quote!(#index)
        } else {
            let column = field.column();
            quote!(#krate::RowReader::index_of(__row, #column)?)
        };
        let field_type = quote_spanned!(ty.span()=> <#ty as #krate::FieldType>);
        values.push(quote!(#field_type::read_from(__row, #index)?));
    }
    let body = if def.named {
        let names = def.fields.iter().map(|f| &f.ident);
        quote!(Self { #(#names: #values),* })
    } else {
        quote!(Self(#(#values),*))
    };
    quote! {
        #[automatically_derived]
        impl #krate::FromRow for #ident {
            fn from_row(
                __row: &dyn #krate::RowReader,
            ) -> ::core::result::Result<Self, #krate::DecodeError> {
                ::core::result::Result::Ok(#body)
            }
        }
    }
}
