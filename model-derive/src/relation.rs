//! Relationships of a `#[derive(Model)]`: `belongs_to` on a foreign key field, and the model's
//! `has_many`, `has_one` and `many_to_many`. Checked here (every mistake at once, at its span)
//! and expanded into the relationship handles (`Post::AUTHOR`), the lazy query methods
//! (`post.author()`) and, for a many-to-many through a table with no struct, that table's
//! metadata, registered like a model's.

use std::collections::HashMap;

use darling::error::Accumulator;
use heck::ToShoutySnakeCase;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Ident, Path};

use crate::ast::{FieldKind, Model, handle_name, table_name_for, unraw};
use crate::attr::{ForeignKeyTarget, ManyToManyAttrs};

/// Reports every mistake in the model's relationships.
pub fn check(errors: &mut Accumulator, model: &Model) {
    let mut names: HashMap<String, Span> = HashMap::new();
    let mut claim = |errors: &mut Accumulator, name: &Ident| {
        let handle = handle_name(name);
        let taken_by_column = model
            .fields
            .iter()
            .filter(|f| f.kind() == FieldKind::Column)
            .any(|f| handle_name(&f.ident) == handle);
        if taken_by_column || names.insert(handle.clone(), name.span()).is_some() {
            errors.push(
                darling::Error::custom(format!(
                    "the relationship `{name}` would get the handle `{handle}`, which another \
                     relationship or a column already has; rename the relationship"
                ))
                .with_span(name),
            );
        }
    };
    for field in &model.fields {
        let Some(name) = &field.column.belongs_to else {
            continue;
        };
        claim(errors, name);
        if !matches!(field.column.foreign_key, Some(ForeignKeyTarget::Handle(_))) {
            errors.push(
                darling::Error::custom(
                    "`belongs_to` follows a typed foreign key: add `foreign_key = Model::COLUMN` \
                     (e.g. `foreign_key = User::ID`) to this field",
                )
                .with_span(name),
            );
        }
    }
    for reverse in model.has_many.iter().chain(&model.has_one) {
        claim(errors, &reverse.name);
        model_path(errors, &reverse.path);
    }
    for many in &model.many_to_many {
        claim(errors, &many.name);
        check_many_to_many(errors, model, many);
    }
}

/// The model of a handle's path: `Post` for `Post::AUTHOR`. A path of one segment names no
/// handle.
fn model_path(errors: &mut Accumulator, path: &Path) -> Option<Path> {
    if path.segments.len() < 2 {
        errors.push(
            darling::Error::custom(
                "name the handle with its model, e.g. `Post::AUTHOR` or `Tag::ID`",
            )
            .with_span(path),
        );
        return None;
    }
    Some(owner_of(path))
}

/// `path` without its last segment.
fn owner_of(path: &Path) -> Path {
    let count = path.segments.len().saturating_sub(1);
    Path {
        leading_colon: path.leading_colon,
        segments: path.segments.iter().take(count).cloned().collect(),
    }
}

fn check_many_to_many(errors: &mut Accumulator, model: &Model, many: &ManyToManyAttrs) {
    if many.table.is_some() && many.through.is_some() {
        errors.push(
            darling::Error::custom(
                "a many-to-many goes through a table with no struct (`table = \"...\"`) or a \
                 model of its own (`through(...)`), not both",
            )
            .with_span(&many.span),
        );
        return;
    }
    if many.columns.is_some() && many.table.is_none() {
        errors.push(
            darling::Error::custom(
                "`columns(...)` names the columns of an association table the derive creates; \
                 add `table = \"...\"`",
            )
            .with_span(&many.span),
        );
    }
    if many.through.is_some() {
        return;
    }
    let Some(target) = model_path(errors, &many.path) else {
        return;
    };
    if many.table.is_none() {
        return;
    }
    if own_key(model).is_none() {
        errors.push(
            darling::Error::custom(format!(
                "a many-to-many through `table = \"...\"` refers to `{}` by its primary key, \
                 which must be one field of the model itself",
                model.ident
            ))
            .with_span(&many.name),
        );
    }
    if many.columns.is_none() {
        let (source, target) = default_columns(&model.ident, &target);
        if source == target {
            errors.push(
                darling::Error::custom(format!(
                    "both columns of the association table would be `{source}`; name them, \
                     e.g. `columns(follower_id, followed_id)`"
                ))
                .with_span(&many.name),
            );
        }
    }
}

/// The model's one primary key field of its own, if it has exactly one.
fn own_key(model: &Model) -> Option<&crate::ast::Field> {
    let mut keys = model
        .fields
        .iter()
        .filter(|f| f.kind() == FieldKind::Column && f.column.primary_key.is_some());
    match (keys.next(), keys.next()) {
        (Some(key), None) => Some(key),
        _ => None,
    }
}

/// `<source model>_id` and `<target model>_id`, as Flask-SQLAlchemy's examples name them.
fn default_columns(source: &Ident, target: &Path) -> (String, String) {
    let target = target
        .segments
        .last()
        .map(|s| table_name_for(&s.ident))
        .unwrap_or_default();
    (
        format!("{}_id", table_name_for(source)),
        format!("{target}_id"),
    )
}

/// `Self` in a path replaced by the model's name, for items outside its `impl`.
fn without_self(path: &Path, model: &Ident) -> Path {
    let mut path = path.clone();
    if let Some(first) = path.segments.first_mut()
        && first.ident == "Self"
    {
        first.ident = model.clone();
    }
    path
}

/// What the relationships add: items of the model's inherent `impl` (handles and query
/// methods), and items beside the model (association tables).
pub struct Expanded {
    pub in_impl: TokenStream,
    pub beside: TokenStream,
    /// Items of the `Model` impl: the delete cascades.
    pub in_model: TokenStream,
}

/// The code of the model's relationships (`check` has passed them).
pub fn expand(model: &Model) -> Expanded {
    let krate = &model.krate;
    let ident = &model.ident;
    let vis = &model.vis;
    let mut in_impl = Vec::new();
    let mut beside = Vec::new();
    for field in &model.fields {
        let (Some(name), Some(ForeignKeyTarget::Handle(target))) =
            (&field.column.belongs_to, &field.column.foreign_key)
        else {
            continue;
        };
        let parent = without_self(&owner_of(&target.path), ident);
        let target = without_self(&target.path, ident);
        let ty = &field.ty;
        let own = format_ident!("{}", handle_name(&field.ident));
        let handle = relation_handle(name);
        let doc = format!(
            "Many-to-one `{}`: the `{}` this row refers to through `{}`.",
            unraw(name),
            path_text(&parent),
            unraw(&field.ident)
        );
        let query_doc = format!(
            "The query for the `{}` this row refers to.",
            path_text(&parent)
        );
        in_impl.push(quote_spanned! {name.span()=>
            #[doc = #doc]
            #[allow(dead_code)]
            #vis const #handle: #krate::BelongsTo<#ident, #parent, #ty> =
                #krate::BelongsTo::new(
                    ::core::stringify!(#name),
                    #krate::__private::link(#ident::#own, #target),
                );

            #[doc = #query_doc]
            #[allow(dead_code)]
            #vis fn #name(&self) -> #krate::Select<#parent> {
                Self::#handle.of(self)
            }
        });
    }
    for (reverse, one) in model
        .has_many
        .iter()
        .map(|r| (r, false))
        .chain(model.has_one.iter().map(|r| (r, true)))
    {
        let name = &reverse.name;
        let child = owner_of(&reverse.path);
        let path = &reverse.path;
        let handle = relation_handle(name);
        let (kind, method, doc) = if one {
            (
                quote!(HasOne),
                quote!(reverse_one),
                format!(
                    "One-to-one `{}`: the `{}` referring to this row, if any.",
                    unraw(name),
                    path_text(&child)
                ),
            )
        } else {
            (
                quote!(HasMany),
                quote!(reverse),
                format!(
                    "One-to-many `{}`: the `{}` rows referring to this row.",
                    unraw(name),
                    path_text(&child)
                ),
            )
        };
        in_impl.push(quote_spanned! {name.span()=>
            #[doc = #doc]
            #[allow(dead_code)]
            #vis const #handle: #krate::#kind<#ident, #child> =
                #path.#method(::core::stringify!(#name));

            #[doc = #doc]
            #[allow(dead_code)]
            #vis fn #name(&self) -> #krate::Select<#child> {
                Self::#handle.of(self)
            }
        });
    }
    for many in &model.many_to_many {
        let name = &many.name;
        let handle = relation_handle(name);
        let (target, value) = if let Some((source, to)) = &many.through {
            let target = without_self(&many.path, ident);
            let value = quote!(#krate::__private::through(
                ::core::stringify!(#name), #source, #to
            ));
            (target, value)
        } else if let Some(table) = &many.table {
            let key = own_key(model).map(|f| format_ident!("{}", handle_name(&f.ident)));
            let target_key = without_self(&many.path, ident);
            let target = owner_of(&target_key);
            let (source_column, target_column) = match &many.columns {
                Some((a, b)) => (unraw(a), unraw(b)),
                None => default_columns(ident, &target),
            };
            let association = format_ident!(
                "__MODEL_CORE_ASSOCIATION_{}_{}",
                unraw(ident).to_shouty_snake_case(),
                unraw(name).to_shouty_snake_case()
            );
            let table = table.as_str();
            let described = format!("{}::{}", unraw(ident), handle);
            let bind = match &model.bind {
                Some(bind) => {
                    let bind = bind.as_str();
                    quote!(::core::option::Option::Some(#bind))
                }
                None => quote!(::core::option::Option::None),
            };
            beside.push(quote! {
                #[doc(hidden)]
                static #association: #krate::Table = #krate::__private::association_table(
                    #table,
                    #bind,
                    #described,
                    ::core::module_path!(),
                    {
                        static COLUMNS: [#krate::ColumnDef; 2] = [
                            #krate::__private::association_column(#ident::#key, #source_column),
                            #krate::__private::association_column(#target_key, #target_column),
                        ];
                        &COLUMNS
                    },
                    {
                        static SQL: #krate::__private::SqlCache = #krate::__private::SqlCache::new();
                        &SQL
                    },
                );

                const _: () = {
                    #krate::__private::inventory::submit! {
                        #krate::__private::registration(&#association)
                    }
                };
            });
            let value = quote!(#krate::ManyToMany::new(
                ::core::stringify!(#name),
                #krate::__private::association_link(&#association, 0, #ident::#key),
                #krate::__private::association_link(&#association, 1, #target_key),
            ));
            (target, value)
        } else {
            let target = owner_of(&many.path);
            let path = &many.path;
            (target, quote!(#path.reverse(::core::stringify!(#name))))
        };
        let doc = format!(
            "Many-to-many `{}`: the `{}` rows related to this row.",
            unraw(name),
            path_text(&target)
        );
        in_impl.push(quote_spanned! {name.span()=>
            #[doc = #doc]
            #[allow(dead_code)]
            #vis const #handle: #krate::ManyToMany<#ident, #target> = #value;

            #[doc = #doc]
            #[allow(dead_code)]
            #vis fn #name(&self) -> #krate::Select<#target> {
                Self::#handle.of(self)
            }
        });
    }
    let cascades: Vec<TokenStream> = model
        .has_many
        .iter()
        .chain(&model.has_one)
        .filter(|r| r.cascade)
        .map(|r| {
            let path = &r.path;
            let child = owner_of(path);
            quote!(#krate::__private::cascade(#path, #krate::__private::cascades_of::<#child>))
        })
        .collect();
    let in_model = if cascades.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            const DELETE_CASCADES: &'static [#krate::__private::DeleteCascade] = &[#(#cascades),*];
        }
    };
    Expanded {
        in_impl: quote!(#(#in_impl)*),
        beside: quote!(#(#beside)*),
        in_model,
    }
}

/// `AUTHOR` for `author`.
fn relation_handle(name: &Ident) -> Ident {
    Ident::new(&handle_name(name), name.span())
}

/// A path as written, for docs.
fn path_text(path: &Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}
