//! Code generation: turns the description of a model or column group (`ast.rs`), once
//! `check.rs` has passed it, into the trait impls, the static table metadata, the column handles
//! and the registry entry; and, for a struct with mistakes, the checks of its field types that
//! go out next to the errors (`field_checks`).
//!
//! Everything is emitted inside `const _: () = { ... };` except the inherent `impl` (handles,
//! `query()`, `table()`), and every path is absolute (`::model_core::...` or the `crate = ...`
//! override), so the user's imports never matter. The runtime is reached only through
//! `model_core::__private`; the public paths used are the traits implemented and the public
//! types their signatures name (`Table`, `ColumnDef`, `Column`, `Select`, `Value`, ...).

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Path, Type};

use crate::ast::{
    Column, Field, FieldKind, Group, Index, Model, handle_name, split_foreign_key, unraw,
};
use crate::attr::ForeignKeyTarget;

/// The code of a `#[derive(Model)]` that `check::model` passed.
pub fn model(model: &Model) -> TokenStream {
    let Model {
        ident,
        vis,
        krate,
        fields,
        ..
    } = model;
    let table = model.table_name();
    let model_name = unraw(ident);
    let bind = option(model.bind.as_ref().map(|bind| bind.as_str()));
    let collation = option(model.collation.as_ref().map(|c| c.as_str()));
    let renamed_from = option(model.renamed_from.as_ref().map(|r| r.as_str()));
    let body = expand_columns(krate, ident, Some(&table), fields);
    let indexes = model.indexes.iter().map(|i| expand_index(krate, i, fields));
    let handles = expand_handles(krate, ident, fields);
    let relations = crate::relation::expand(model);
    let relation_items = &relations.in_impl;
    let beside = &relations.beside;
    let in_model = &relations.in_model;

    quote! {
        #beside

        const _: () = {
            #body

            static __MODEL_CORE_SQL: #krate::__private::SqlCache =
                #krate::__private::SqlCache::new();

            static __MODEL_CORE_TABLE: #krate::Table =
                #krate::__private::table(#krate::__private::TableSpec {
                    name: #table,
                    bind: #bind,
                    model: #model_name,
                    module_path: ::core::module_path!(),
                    columns: &__MODEL_CORE_COLUMNS,
                    indexes: &[#(#indexes),*],
                    collation: #collation,
                    renamed_from: #renamed_from,
                    sql: &__MODEL_CORE_SQL,
                });

            #[automatically_derived]
            impl #krate::Model for #ident {
                const TABLE: &'static #krate::Table = &__MODEL_CORE_TABLE;
                #in_model
            }

            #krate::__private::inventory::submit! {
                #krate::__private::registration(&__MODEL_CORE_TABLE)
            }
        };

        #[automatically_derived]
        impl #ident {
            #handles

            #relation_items

            /// A query over all rows of this model's table; refine it, then run it on a
            /// `Database`.
            // API offered to the user, who may not need it.
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

/// The code of a `#[derive(ColumnGroup)]` that `check::group` passed.
pub fn group(group: &Group) -> TokenStream {
    let Group {
        ident,
        krate,
        fields,
        ..
    } = group;
    let body = expand_columns(krate, ident, None, fields);
    let handles = expand_handles(krate, ident, fields);
    quote! {
        const _: () = {
            #body
        };

        #[automatically_derived]
        impl #ident {
            #handles
        }
    }
}

/// The checks of the field types against what the attributes ask of them, for a struct with
/// mistakes: `check.rs` reported those, and these let the compiler report the type mismatches
/// (and `default`/`onupdate` functions of the wrong type) in the same compile. Each stored
/// field's type must be a column type (a group's, for `flatten`), as the metadata of a correct
/// struct would require; a field whose attribute could not be read may have been meant to be
/// skipped or flattened, so only its options are checked.
pub fn field_checks(krate: &Path, owner: &Ident, fields: &[Field]) -> TokenStream {
    let sole_key = sole_key(fields);
    let checks = fields.iter().map(|field| {
        let ty = &field.ty;
        let kind = match field.kind() {
            FieldKind::Column => quote_spanned! {ty.span()=>
                const _: () = #krate::__private::require_field::<#ty>();
            },
            FieldKind::Flatten => quote_spanned! {ty.span()=>
                const _: () = #krate::__private::require_group::<#ty>();
            },
            FieldKind::Skip | FieldKind::Invalid => TokenStream::new(),
        };
        let options = match field.kind() {
            FieldKind::Column | FieldKind::Invalid => {
                // The metadata would hold the `default`/`onupdate` wrappers; here they are
                // compiled on their own, for the check of the function's return type.
                let column = &field.column;
                let values = [&column.default, &column.onupdate]
                    .into_iter()
                    .flatten()
                    .map(|path| value_fn(krate, ty, path));
                let options = option_checks(krate, owner, field, sole_key);
                quote! {
                    #options
                    #(const _: fn() -> #krate::Value = #values;)*
                }
            }
            FieldKind::Flatten | FieldKind::Skip => TokenStream::new(),
        };
        quote!(#kind #options)
    });
    quote! {
        const _: () = {
            #(#checks)*
        };
    }
}

/// The `__MODEL_CORE_COLUMNS` static, the field checks and the `ColumnGroup` impl, shared by
/// models and groups.
/// `table` is the model's table name (`None` for a column group).
fn expand_columns(
    krate: &Path,
    ident: &Ident,
    table: Option<&str>,
    fields: &[Field],
) -> TokenStream {
    let sole_key = sole_key(fields);
    let mut segments = Vec::new();
    let mut own = Vec::new();
    let mut checks = Vec::new();
    let mut decode = Vec::new();
    let mut push = Vec::new();
    let mut value_at = Vec::new();

    for (position, field) in fields.iter().enumerate() {
        let name = &field.ident;
        let ty = &field.ty;
        let offset = offset_of(krate, &fields[..position]);
        match field.kind() {
            // Only the paths naming the field's type carry its span (errors about the type
            // land on it); locals stay at the call site so that structs written by a
            // `macro_rules!` resolve them too.
            FieldKind::Column => {
                own.push(column_def(krate, field, ident, table));
                checks.push(option_checks(krate, ident, field, sole_key));
                let field_type = quote_spanned!(ty.span()=> <#ty as #krate::FieldType>);
                decode.push(quote! {
                    #name: #field_type::read_from(__row, __offset + #offset)?
                });
                push.push(quote! {
                    __out.push(#field_type::to_value(&self.#name));
                });
                value_at.push(quote! {
                    if __position == #offset {
                        return ::core::option::Option::Some(#field_type::to_value(&self.#name));
                    }
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
                value_at.push(quote! {
                    if __position >= #offset && __position < #offset + #group::COLUMNS.len() {
                        return #group::column_value(&self.#name, __position - #offset);
                    }
                });
            }
            FieldKind::Skip => {
                let default =
                    quote_spanned!(ty.span()=> <#ty as ::core::default::Default>::default());
                decode.push(quote!(#name: #default));
            }
            // `check.rs` reports every such field, so no code is generated for it.
            FieldKind::Invalid => unreachable!("expanding a field check.rs rejected"),
        }
    }
    if !own.is_empty() {
        segments.push(quote!(&[#(#own),*]));
    }
    let len = offset_of(krate, fields);
    let contains = fields
        .iter()
        .filter(|f| f.kind() == FieldKind::Flatten)
        .map(|f| {
            let ty = &f.ty;
            quote!(#[automatically_derived] impl #krate::Contains<#ty> for #ident {})
        });

    quote! {
        #(#checks)*

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

            fn column_value(&self, __position: usize) -> ::core::option::Option<#krate::Value> {
                #(#value_at)*
                ::core::option::Option::None
            }
        }

        /// Raw SQL's rows read into the struct: its columns by position, as a query's are.
        #[automatically_derived]
        impl #krate::FromRow for #ident {
            fn from_row(
                __row: &dyn #krate::RowReader,
            ) -> ::core::result::Result<Self, #krate::DecodeError> {
                <Self as #krate::ColumnGroup>::decode_at(__row, 0)
            }
        }
    }
}

/// Whether the struct has exactly one primary key field of its own: the one the database
/// generates by default when it is an integer.
fn sole_key(fields: &[Field]) -> bool {
    fields
        .iter()
        .filter(|f| f.kind() == FieldKind::Column && f.column.primary_key.is_some())
        .count()
        == 1
}

/// The number of columns the given fields occupy: 1 per column, the group's length per
/// flattened field. Used for column positions, which stay compile-time constants.
fn offset_of(krate: &Path, fields: &[Field]) -> TokenStream {
    let own = fields
        .iter()
        .filter(|f| f.kind() == FieldKind::Column)
        .count();
    let groups = fields
        .iter()
        .filter(|f| f.kind() == FieldKind::Flatten)
        .map(|f| {
            let ty = &f.ty;
            quote!(<#ty as #krate::ColumnGroup>::COLUMNS.len())
        });
    quote!((#own #(+ #groups)*))
}

/// One `ColumnDef` constant expression, every option spelled out.
fn column_def(krate: &Path, field: &Field, owner: &Ident, table: Option<&str>) -> TokenStream {
    let Column {
        primary_key,
        autoincrement,
        unique,
        index,
        version,
        length,
        precision,
        scale,
        collation,
        renamed_from,
        default,
        server_default,
        onupdate,
        foreign_key,
        on_delete,
        ..
    } = &field.column;
    let ty = &field.ty;
    let name = field.column_name();
    let field_name = unraw(&field.ident);
    let field_type = quote_spanned!(ty.span()=> <#ty as #krate::FieldType>);
    let primary_key = primary_key.is_some();
    let autoincrement = option(autoincrement.as_ref().map(|auto| **auto));
    let version = version.is_some();
    let length = option(length.as_ref().map(|length| **length));
    let precision = option(precision.as_ref().map(|p| **p));
    let scale = option(scale.as_ref().map(|s| **s));
    let collation = option(collation.as_ref().map(|c| c.as_str()));
    let renamed_from = option(renamed_from.as_ref().map(|r| r.as_str()));
    let default = option(default.as_ref().map(|path| value_fn(krate, ty, path)));
    let server_default = option(server_default.as_ref());
    let onupdate = option(onupdate.as_ref().map(|path| value_fn(krate, ty, path)));
    let foreign_key = option(foreign_key.as_ref().map(|fk| {
        let on_delete = option(on_delete.as_ref().map(|action| {
            let variant = Ident::new(action.variant, Span::call_site());
            quote!(#krate::__private::ReferentialAction::#variant)
        }));
        match fk {
            ForeignKeyTarget::Text(text) => {
                let (table, column) = split_foreign_key(text.as_str())
                    .expect("check.rs rejects a malformed foreign key");
                quote!(#krate::__private::foreign_key(#table, #column, #on_delete))
            }
            // A reference to the model itself names its table here: reading it from the
            // model's own table metadata would make that static depend on itself.
            ForeignKeyTarget::Handle(path) if refers_to(path, owner) && table.is_some() => {
                let handle = handle_path(path, owner);
                quote!(#krate::__private::foreign_key(#table, #handle.name(), #on_delete))
            }
            // Another model gives its table: the name its derive gave it, read at compile time.
            ForeignKeyTarget::Handle(path) => {
                let handle = handle_path(path, owner);
                quote!(#krate::__private::foreign_key_to(#handle, #on_delete))
            }
        }
    }));
    quote! {
        #krate::__private::column(#krate::__private::ColumnSpec {
            name: #name,
            field: #field_name,
            sql_type: #field_type::SQL_TYPE,
            nullable: #field_type::NULLABLE,
            generated_key: #field_type::GENERATED_KEY,
            auto: #field_type::AUTO,
            primary_key: #primary_key,
            autoincrement: #autoincrement,
            unique: #unique,
            index: #index,
            version: #version,
            length: #length,
            precision: #precision,
            scale: #scale,
            collation: #collation,
            renamed_from: #renamed_from,
            default: #default,
            server_default: #server_default,
            onupdate: #onupdate,
            foreign_key: #foreign_key,
        })
    }
}

/// The handle `path` as generated code outside the struct's `impl` can name it: a leading
/// `Self` becomes the struct's name.
fn handle_path(path: &syn::ExprPath, owner: &Ident) -> TokenStream {
    let segments = &path.path.segments;
    match segments.first() {
        Some(first) if first.ident == "Self" => {
            let rest = segments.iter().skip(1);
            quote_spanned!(path.span()=> #owner #(:: #rest)*)
        }
        _ => quote!(#path),
    }
}

/// Whether the handle `path` (`Model::COLUMN`) is one of `owner`'s own: `Self::ID` or
/// `Owner::ID`.
fn refers_to(path: &syn::ExprPath, owner: &Ident) -> bool {
    let segments = &path.path.segments;
    segments.len() == 2 && (segments[0].ident == "Self" || segments[0].ident == *owner)
}

/// The items that check a field's type against its options, each spanned at the option so the
/// error lands there (the primary key's at the type, which is what must change).
fn option_checks(krate: &Path, owner: &Ident, field: &Field, sole_key: bool) -> TokenStream {
    let ty = &field.ty;
    let column = &field.column;
    let mut checks = Vec::new();
    // Whether the field can be unset against what fills its column; a failed constant
    // evaluation is reported at the call, so the whole call is placed at the field's type.
    let filling = {
        let default = column.default.is_some();
        let server_default = column.server_default.is_some();
        let autoincrement = option(column.autoincrement.as_ref().map(|auto| **auto));
        let sole_key = sole_key && column.primary_key.is_some();
        respan(
            &quote! {
                #krate::__private::require_filling(
                    <#ty as #krate::FieldType>::AUTO,
                    <#ty as #krate::FieldType>::GENERATED_KEY,
                    <#ty as #krate::FieldType>::NULLABLE,
                    #krate::__private::Filling {
                        default: #default,
                        server_default: #server_default,
                        autoincrement: #autoincrement,
                        sole_key: #sole_key,
                    },
                )
            },
            ty.span(),
        )
    };
    checks.push(quote_spanned! {ty.span()=>
        const _: () = #filling;
    });
    if column.primary_key.is_some() {
        checks.push(quote_spanned! {ty.span()=>
            const _: () = #krate::__private::require_not_null::<#ty>();
        });
    }
    if let Some(auto) = &column.autoincrement
        && **auto
    {
        let ty = respan(ty, auto.span());
        checks.push(quote_spanned! {auto.span()=>
            const _: () = #krate::__private::require_integer::<#ty>();
        });
    }
    if let Some(span) = column.version {
        let ty = respan(ty, span);
        checks.push(quote_spanned! {span=>
            const _: () = #krate::__private::require_version::<#ty>();
        });
    }
    if let Some(length) = &column.length {
        let ty = respan(ty, length.span());
        checks.push(quote_spanned! {length.span()=>
            const _: () = #krate::__private::require_string::<#ty>();
        });
    }
    for option in [&column.precision, &column.scale].into_iter().flatten() {
        let ty = respan(ty, option.span());
        checks.push(quote_spanned! {option.span()=>
            const _: () = #krate::__private::require_decimal::<#ty>();
        });
    }
    // A foreign key to a column handle: the column's type must be the referenced one's.
    if let Some(ForeignKeyTarget::Handle(path)) = &column.foreign_key {
        let ty = respan(ty, path.span());
        let handle = handle_path(path, owner);
        checks.push(quote_spanned! {path.span()=>
            const _: () = #krate::__private::require_reference::<#ty, _, _>(#handle);
        });
    }
    // A failed constant evaluation is reported at the call, so the whole call is placed at
    // the field's type.
    let given = column.precision.is_some();
    let call = respan(
        &quote! {
            #krate::__private::require_precision(<#ty as #krate::FieldType>::SQL_TYPE, #given)
        },
        ty.span(),
    );
    checks.push(quote_spanned! {ty.span()=>
        const _: () = #call;
    });
    if let Some(collation) = &column.collation {
        let ty = respan(ty, collation.span());
        checks.push(quote_spanned! {collation.span()=>
            const _: () = #krate::__private::require_collated::<#ty>();
        });
    }
    quote!(#(#checks)*)
}

/// A `fn() -> Value` wrapping the user's `default`/`onupdate` function, as a block expression.
/// The function returns the field's type or one that converts into it (the `T` of an
/// `Auto<T>` field); the conversion is spanned at the user's path, so a function returning the
/// wrong type is reported at the attribute.
fn value_fn(krate: &Path, ty: &Type, path: &Path) -> TokenStream {
    let call =
        quote_spanned!(path.span()=> #krate::__private::FromFunction::from_function(#path()));
    quote! {{
        fn __model_core_value() -> #krate::Value {
            let __value: #ty = #call;
            <#ty as #krate::FieldType>::into_value(__value)
        }
        __model_core_value
    }}
}

fn expand_index(krate: &Path, index: &Index, fields: &[Field]) -> TokenStream {
    let name = option(index.name.as_ref().map(|name| name.as_str()));
    let columns = index.columns(fields);
    let (unique, constraint) = (index.unique, index.constraint);
    quote!(#krate::__private::index(#name, &[#(#columns),*], #unique, #constraint))
}

/// `pub const USERNAME: Column<User, String>` for every stored field; the position counts the
/// columns of flattened groups before it.
fn expand_handles(krate: &Path, ident: &Ident, fields: &[Field]) -> TokenStream {
    let mut handles = Vec::new();
    for (position, field) in fields.iter().enumerate() {
        let Some(name) = field.column_name() else {
            continue;
        };
        let (ty, vis) = (&field.ty, &field.vis);
        let handle = format_ident!("{}", handle_name(&field.ident), span = field.ident.span());
        let offset = offset_of(krate, &fields[..position]);
        let doc = format!(
            "Column handle for `{}` (field `{}`).",
            name,
            unraw(&field.ident)
        );
        handles.push(quote! {
            #[doc = #doc]
            // API offered to the user, who may not need every column by name.
            #[allow(dead_code)]
            #vis const #handle: #krate::Column<#ident, #ty> =
                #krate::__private::handle(#name, #offset);
        });
    }
    quote!(#(#handles)*)
}

/// `Some(value)` / `None` as tokens, with absolute paths.
fn option<T: ToTokens>(value: Option<T>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
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
