//! Code generation: turns a validated `ast::Model` / `ast::Group` into the trait impls, the
//! static table metadata, the column handles and the registry entry.
//!
//! Everything is emitted inside `const _: () = { ... };` except the inherent `impl` (handles,
//! `query()`, `table()`), and every path is absolute (`::model_core::...` or the `crate = ...`
//! override), so the user's imports never matter.

use darling::FromDeriveInput;
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, Path, Type};

use crate::ast::{Column, Field, FieldKind, Group, Index, Model, handle_name, unraw};
use crate::attr::{GroupAttrs, ModelAttrs, ReferentialAction};
use crate::fallback;

/// `#[derive(Model)]`: the generated code, or the errors plus a fallback impl.
pub fn derive_model(input: &DeriveInput) -> TokenStream {
    derive_with(
        input,
        "Model",
        |attrs: ModelAttrs| Model::from_attrs(attrs),
        expand_model,
        fallback::model,
    )
}

/// `#[derive(ColumnGroup)]`: the generated code, or the errors plus a fallback impl.
pub fn derive_group(input: &DeriveInput) -> TokenStream {
    derive_with(
        input,
        "ColumnGroup",
        |attrs: GroupAttrs| Group::from_attrs(attrs),
        expand_group,
        fallback::group,
    )
}

/// The pipeline both derives share: shape check, parse, validate, expand; on error, every
/// message plus the fallback.
fn derive_with<A: FromDeriveInput, T>(
    input: &DeriveInput,
    derive: &str,
    validate: impl FnOnce(A) -> darling::Result<T>,
    expand: fn(&T) -> TokenStream,
    fallback: fn(&DeriveInput) -> TokenStream,
) -> TokenStream {
    if let Err(error) = check_shape(input, derive) {
        return error.write_errors();
    }
    match A::from_derive_input(input).and_then(validate) {
        Ok(parsed) => expand(&parsed),
        Err(errors) => {
            let mut out = errors.write_errors();
            out.extend(fallback(input));
            out
        }
    }
}

/// Only structs with named fields map to tables; say so at the keyword, in the user's terms.
fn check_shape(input: &DeriveInput, derive: &str) -> darling::Result<()> {
    let (problem, span) = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(_) => return Ok(()),
            Fields::Unnamed(f) => (
                "a tuple struct has no field names to use as column names; use named fields \
                 (`struct Name { id: i64, ... }`)",
                f.span(),
            ),
            Fields::Unit => (
                "a unit struct has no fields, so its table would have no columns; add named \
                 fields (`struct Name { id: i64, ... }`)",
                input.ident.span(),
            ),
        },
        Data::Enum(e) => (
            "an enum cannot be a table; derive it on a struct with named fields, one per column",
            e.enum_token.span(),
        ),
        Data::Union(u) => (
            "a union cannot be a table; derive it on a struct with named fields, one per column",
            u.union_token.span(),
        ),
    };
    Err(darling::Error::custom(format!("#[derive({derive})]: {problem}")).with_span(&span))
}

fn expand_model(model: &Model) -> TokenStream {
    let Model {
        ident,
        vis,
        krate,
        table,
        fields,
        ..
    } = model;
    let model_name = unraw(ident);
    let bind = match &model.bind {
        Some(bind) => quote!(::core::option::Option::Some(#bind)),
        None => quote!(::core::option::Option::None),
    };
    let collation = model
        .collation
        .as_ref()
        .map(|c| quote!(.with_collation(#c)));
    let body = expand_columns(krate, ident, fields);
    let indexes = model.indexes.iter().map(|i| expand_index(krate, i));
    let handles = expand_handles(krate, ident, fields);

    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, clippy::all)]
        const _: () = {
            #body

            static __MODEL_CORE_SQL: #krate::__private::SqlCache =
                #krate::__private::SqlCache::new();

            static __MODEL_CORE_TABLE: #krate::Table = #krate::Table::new(
                #table,
                #bind,
                #model_name,
                ::core::module_path!(),
                &__MODEL_CORE_COLUMNS,
                &[#(#indexes),*],
                &__MODEL_CORE_SQL,
            )#collation;

            #[automatically_derived]
            impl #krate::Model for #ident {
                const TABLE: &'static #krate::Table = &__MODEL_CORE_TABLE;
            }

            #krate::__private::inventory::submit! {
                #krate::__private::Registration::new(&__MODEL_CORE_TABLE)
            }
        };

        #[automatically_derived]
        impl #ident {
            #handles

            /// A query over all rows of this model's table; refine it, then run it on a
            /// `Database`.
            #[allow(dead_code)]
            #vis fn query() -> #krate::Select<Self> {
                #krate::Select::new()
            }

            /// This model's table metadata: name, bind, columns, keys and indexes.
            #[allow(dead_code)]
            #vis fn table() -> &'static #krate::Table {
                <Self as #krate::Model>::TABLE
            }
        }
    }
}

fn expand_group(group: &Group) -> TokenStream {
    let Group {
        ident,
        krate,
        fields,
        ..
    } = group;
    let body = expand_columns(krate, ident, fields);
    let handles = expand_handles(krate, ident, fields);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, clippy::all)]
        const _: () = {
            #body
        };

        #[automatically_derived]
        impl #ident {
            #handles
        }
    }
}

/// The `__MODEL_CORE_COLUMNS` static, the field checks and the `ColumnGroup` impl, shared by models and
/// groups.
fn expand_columns(krate: &Path, ident: &Ident, fields: &[Field]) -> TokenStream {
    let mut segments = Vec::new();
    let mut own = Vec::new();
    let mut support = Vec::new();
    let mut decode = Vec::new();
    let mut push = Vec::new();

    for (position, field) in fields.iter().enumerate() {
        let name = &field.ident;
        let ty = &field.ty;
        let offset = offset_of(krate, &fields[..position]);
        match &field.kind {
            // Only the paths naming the field's type carry its span (errors about the type
            // land on it); locals stay at the call site so that structs written by a
            // `macro_rules!` resolve them too.
            FieldKind::Column(column) => {
                own.push(column_def(krate, field, column, position, &mut support));
                let field_type = quote_spanned!(ty.span()=> <#ty as #krate::FieldType>);
                decode.push(quote! {
                    #name: #field_type::read_from(__row, __offset + #offset)?
                });
                push.push(quote! {
                    __out.push(#field_type::to_value(&self.#name));
                });
            }
            FieldKind::Flatten => {
                if !own.is_empty() {
                    segments.push(quote!(&[#(#own),*]));
                    own.clear();
                }
                let group = quote_spanned!(ty.span()=> <#ty as #krate::ColumnGroup>);
                segments.push(quote!(#group::COLUMNS));
                decode.push(quote! {
                    #name: #group::decode_at(__row, __offset + #offset)?
                });
                push.push(quote! {
                    #group::push_values(&self.#name, __out);
                });
            }
            FieldKind::Skip => {
                let default =
                    quote_spanned!(ty.span()=> <#ty as ::core::default::Default>::default());
                decode.push(quote!(#name: #default));
            }
        }
    }
    if !own.is_empty() {
        segments.push(quote!(&[#(#own),*]));
    }
    let len = offset_of(krate, fields);
    let contains = fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Flatten))
        .map(|f| {
            let ty = &f.ty;
            quote!(#[automatically_derived] impl #krate::Contains<#ty> for #ident {})
        });

    quote! {
        #(#support)*

        static __MODEL_CORE_COLUMNS: [#krate::ColumnDef; #len] =
            #krate::__private::concat_columns::<{ #len }>(&[#(#segments),*]);

        #[automatically_derived]
        impl #krate::Contains<#ident> for #ident {}
        #(#contains)*

        #[automatically_derived]
        impl #krate::ColumnGroup for #ident {
            const COLUMNS: &'static [#krate::ColumnDef] = &__MODEL_CORE_COLUMNS;

            fn decode_at(
                __row: &dyn #krate::RowReader,
                __offset: ::core::primitive::usize,
            ) -> ::core::result::Result<Self, #krate::DecodeError> {
                ::core::result::Result::Ok(Self { #(#decode),* })
            }

            fn push_values(&self, __out: &mut #krate::__private::Vec<#krate::Value>) {
                #(#push)*
            }
        }
    }
}

/// The number of columns the given fields occupy: 1 per column, the group's length per
/// flattened field. Used for column positions, which stay compile-time constants.
fn offset_of(krate: &Path, fields: &[Field]) -> TokenStream {
    let own = fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Column(_)))
        .count();
    let groups = fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Flatten))
        .map(|f| {
            let ty = &f.ty;
            quote!(<#ty as #krate::ColumnGroup>::COLUMNS.len())
        });
    quote!((#own #(+ #groups)*))
}

/// One `ColumnDef` constant expression, plus the items that check the field's type against its
/// options (each spanned at the option, so errors land there).
fn column_def(
    krate: &Path,
    field: &Field,
    column: &Column,
    position: usize,
    support: &mut Vec<TokenStream>,
) -> TokenStream {
    let ty = &field.ty;
    let name = &column.name;
    let field_name = unraw(&field.ident);
    let field_type = quote_spanned!(ty.span()=> <#ty as #krate::FieldType>);
    let mut def = quote! {
        #krate::ColumnDef::new(#name, #field_name, #field_type::SQL_TYPE, #field_type::NULLABLE)
    };

    if let Some(span) = column.primary_key {
        def.extend(quote!(.with_primary_key()));
        let _ = span;
        support.push(quote_spanned! {ty.span()=>
            const _: () = #krate::__private::require_not_null::<#ty>();
        });
    }
    if let Some(auto) = &column.autoincrement {
        let value = **auto;
        def.extend(quote!(.with_autoincrement(#value)));
        if value {
            let ty = respan(ty, auto.span());
            support.push(quote_spanned! {auto.span()=>
                const _: () = #krate::__private::require_integer::<#ty>();
            });
        }
    }
    if column.unique {
        def.extend(quote!(.with_unique()));
    }
    if column.index {
        def.extend(quote!(.with_index()));
    }
    if let Some(span) = column.version {
        def.extend(quote!(.with_version()));
        let ty = respan(ty, span);
        support.push(quote_spanned! {span=>
            const _: () = #krate::__private::require_version::<#ty>();
        });
    }
    if let Some(length) = &column.length {
        let value = **length;
        def.extend(quote!(.with_length(#value)));
        let ty = respan(ty, length.span());
        support.push(quote_spanned! {length.span()=>
            const _: () = #krate::__private::require_string::<#ty>();
        });
    }
    if let Some(collation) = &column.collation {
        let value = collation.as_str();
        def.extend(quote!(.with_collation(#value)));
        let ty = respan(ty, collation.span());
        support.push(quote_spanned! {collation.span()=>
            const _: () = #krate::__private::require_collated::<#ty>();
        });
    }
    if let Some(path) = &column.default {
        let func = format_ident!("__model_core_default_{}", position);
        support.push(value_fn(krate, &func, ty, path));
        def.extend(quote!(.with_default(#func)));
    }
    if let Some(sql) = &column.server_default {
        def.extend(quote!(.with_server_default(#sql)));
    }
    if let Some(path) = &column.onupdate {
        let func = format_ident!("__model_core_onupdate_{}", position);
        support.push(value_fn(krate, &func, ty, path));
        def.extend(quote!(.with_onupdate(#func)));
    }
    if let Some(fk) = &column.foreign_key {
        let (table, col) = (&fk.table, &fk.column);
        let action = match fk.on_delete {
            Some(action) => {
                let variant = action_variant(action);
                quote!(::core::option::Option::Some(#krate::ReferentialAction::#variant))
            }
            None => quote!(::core::option::Option::None),
        };
        def.extend(quote!(.with_foreign_key(#krate::ForeignKey::new(#table, #col, #action))));
    }
    def
}

/// A `fn() -> Value` wrapping the user's `default`/`onupdate` function. The `let` with the
/// field's type is spanned at the user's path, so a function returning the wrong type is
/// reported at the attribute.
fn value_fn(krate: &Path, func: &Ident, ty: &Type, path: &Path) -> TokenStream {
    let call = quote_spanned!(path.span()=> #path());
    quote! {
        fn #func() -> #krate::Value {
            let __value: #ty = #call;
            <#ty as #krate::FieldType>::into_value(__value)
        }
    }
}

fn action_variant(action: ReferentialAction) -> Ident {
    let name = match action {
        ReferentialAction::Cascade => "Cascade",
        ReferentialAction::SetNull => "SetNull",
        ReferentialAction::SetDefault => "SetDefault",
        ReferentialAction::Restrict => "Restrict",
        ReferentialAction::NoAction => "NoAction",
    };
    Ident::new(name, Span::call_site())
}

fn expand_index(krate: &Path, index: &Index) -> TokenStream {
    let name = match &index.name {
        Some(name) => quote!(::core::option::Option::Some(#name)),
        None => quote!(::core::option::Option::None),
    };
    let columns = &index.columns;
    let (unique, constraint) = (index.unique, index.constraint);
    quote!(#krate::Index::new(#name, &[#(#columns),*], #unique, #constraint))
}

/// `pub const USERNAME: Column<User, String>` for every stored field; the position counts the
/// columns of flattened groups before it.
fn expand_handles(krate: &Path, ident: &Ident, fields: &[Field]) -> TokenStream {
    let mut handles = Vec::new();
    for (position, field) in fields.iter().enumerate() {
        let FieldKind::Column(column) = &field.kind else {
            continue;
        };
        let (ty, vis) = (&field.ty, &field.vis);
        let handle = format_ident!("{}", handle_name(&field.ident), span = field.ident.span());
        let name = &column.name;
        let offset = offset_of(krate, &fields[..position]);
        let doc = format!(
            "Column handle for `{}` (field `{}`).",
            name,
            unraw(&field.ident)
        );
        handles.push(quote! {
            #[doc = #doc]
            #[allow(dead_code)]
            #vis const #handle: #krate::Column<#ident, #ty> = #krate::Column::new(#name, #offset);
        });
    }
    quote!(#(#handles)*)
}

/// `tokens` reported at `span`: each token keeps its own name resolution (so `$crate::T` still
/// resolves) but takes the location of the attribute that asked something of the type
/// (`length`, `autoincrement`), so the error lands there.
fn respan(tokens: &impl ToTokens, span: Span) -> TokenStream {
    tokens
        .to_token_stream()
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(&group.stream(), span));
                inner.set_span(group.span().located_at(span));
                tree = proc_macro2::TokenTree::Group(inner);
            } else {
                tree.set_span(tree.span().located_at(span));
            }
            tree
        })
        .collect()
}
