//! The `ColumnType` impl of a type `check.rs` passed. Every path is absolute, and the runtime is
//! reached through `model_core::__private` and the public types the trait names.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Path, Type};

use super::ast::{Shape, Storage, TypeDef, Variant};
use crate::ast::unraw;

/// The code of a `#[derive(ColumnType)]`.
pub fn type_def(def: &TypeDef) -> TokenStream {
    match &def.shape {
        Shape::Newtype(inner) => newtype(&def.krate, &def.ident, inner),
        Shape::Enum(variants) if def.storage() == Storage::Integer => integer_enum(def, variants),
        Shape::Enum(variants) => labelled_enum(def, variants),
        Shape::Other(..) => unreachable!("check.rs rejects other shapes"),
    }
}

/// A newtype: its inner type's column, options and values.
fn newtype(krate: &Path, ident: &Ident, inner: &Type) -> TokenStream {
    let column = quote_spanned!(inner.span()=> <#inner as #krate::ColumnType>);
    quote! {
        #[automatically_derived]
        impl #krate::ColumnType for #ident {
            type Base = #column::Base;
            const SQL_TYPE: #krate::SqlType = #column::SQL_TYPE;
            const GENERATED_KEY: bool = #column::GENERATED_KEY;
            fn to_value(&self) -> #krate::Value {
                #column::to_value(&self.0)
            }
            fn into_value(self) -> #krate::Value {
                #column::into_value(self.0)
            }
            fn from_value(
                value: #krate::Value,
            ) -> ::core::result::Result<Self, #krate::ValueError> {
                #column::from_value(value).map(Self)
            }
        }
    }
}

/// An enum stored by label, as text or natively.
fn labelled_enum(def: &TypeDef, variants: &[Variant]) -> TokenStream {
    let TypeDef { krate, ident, .. } = def;
    let labels: Vec<String> = variants.iter().map(|v| def.label(v)).collect();
    let names: Vec<&Ident> = variants.iter().map(|v| &v.ident).collect();
    let type_name = def.type_name();
    let rust_name = unraw(ident);
    let storage = match def.storage() {
        Storage::Native => quote!(#krate::EnumStorage::Native),
        Storage::Text | Storage::Integer => quote!(#krate::EnumStorage::Text),
    };
    quote! {
        const _: () = {
            static __MODEL_CORE_ENUM: #krate::EnumType = #krate::EnumType::new(
                #type_name,
                #rust_name,
                &[#(#labels),*],
                #storage,
            );

            #[automatically_derived]
            impl #krate::ColumnType for #ident {
                type Base = Self;
                const SQL_TYPE: #krate::SqlType = #krate::SqlType::Enum(&__MODEL_CORE_ENUM);
                fn to_value(&self) -> #krate::Value {
                    #krate::Value::Enum(&__MODEL_CORE_ENUM, match self {
                        #(Self::#names => #labels,)*
                    })
                }
                fn from_value(
                    value: #krate::Value,
                ) -> ::core::result::Result<Self, #krate::ValueError> {
                    let label = match &value {
                        #krate::Value::Text(label) => label.as_str(),
                        #krate::Value::Enum(_, label) => label,
                        other => {
                            return ::core::result::Result::Err(
                                #krate::__private::unexpected(other, Self::SQL_TYPE),
                            );
                        }
                    };
                    match label {
                        #(#labels => ::core::result::Result::Ok(Self::#names),)*
                        other => ::core::result::Result::Err(
                            #krate::__private::unknown_label(&__MODEL_CORE_ENUM, other),
                        ),
                    }
                }
            }
        };
    }
}

/// An enum stored as its discriminants, in the integer column its `#[repr]` names (`INTEGER`
/// without one).
fn integer_enum(def: &TypeDef, variants: &[Variant]) -> TokenStream {
    let TypeDef { krate, ident, .. } = def;
    let (sql, variant, int): (&str, &str, &str) = match def.repr.as_ref().map(Ident::to_string) {
        Some(repr) if matches!(repr.as_str(), "i8" | "i16" | "u8") => {
            ("SmallInt", "SmallInt", "i16")
        }
        Some(repr) if matches!(repr.as_str(), "i64" | "u32") => ("BigInt", "BigInt", "i64"),
        _ => ("Integer", "Int", "i32"),
    };
    let sql = Ident::new(sql, proc_macro2::Span::call_site());
    let value = Ident::new(variant, proc_macro2::Span::call_site());
    let int = Ident::new(int, proc_macro2::Span::call_site());
    let names: Vec<&Ident> = variants.iter().map(|v| &v.ident).collect();
    let rust_name = unraw(ident);
    let variant_names: Vec<String> = names.iter().map(|n| unraw(n)).collect();
    // Each discriminant must fit the column: checked at compile time, at the variant.
    let fits = variants.iter().map(|v| {
        let name = &v.ident;
        let span = v.discriminant.as_ref().map_or(name.span(), Spanned::span);
        quote_spanned! {span=>
            ::core::assert!(
                (#ident::#name as i128) == ((#ident::#name as #int) as i128),
                "this discriminant does not fit the enum's integer column; give the enum a \
                 wider `#[repr(...)]` (i16, i32 or i64)"
            );
        }
    });
    quote! {
        const _: () = {
            #(#fits)*
        };

        #[automatically_derived]
        impl #krate::ColumnType for #ident {
            type Base = Self;
            const SQL_TYPE: #krate::SqlType = #krate::SqlType::#sql;
            fn to_value(&self) -> #krate::Value {
                #krate::Value::#value(match self {
                    #(Self::#names => Self::#names as #int,)*
                })
            }
            fn from_value(
                value: #krate::Value,
            ) -> ::core::result::Result<Self, #krate::ValueError> {
                let #krate::Value::#value(stored) = value else {
                    return ::core::result::Result::Err(
                        #krate::__private::unexpected(&value, Self::SQL_TYPE),
                    );
                };
                #(
                    if stored == Self::#names as #int {
                        return ::core::result::Result::Ok(Self::#names);
                    }
                )*
                ::core::result::Result::Err(#krate::__private::unknown_discriminant(
                    #rust_name,
                    i64::from(stored),
                    &[#((#variant_names, Self::#names as i64)),*],
                ))
            }
        }
    }
}
