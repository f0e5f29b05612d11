//! Attribute parsing: the darling receivers of `#[model(...)]`, `#[column_group(...)]` and
//! `#[column(...)]`.
//!
//! Only the form of an attribute is judged here (known keys, values of the right kind); whether
//! the values make sense is for `check.rs`, which sees the whole struct. Nothing here builds
//! tokens, and this module imports no other of the crate: `ast.rs` turns the receivers into the
//! plain structs that `check.rs` and `expand.rs` read.

use darling::ast::NestedMeta;
use darling::util::{Flag, PathList, SpannedValue};
use darling::{FromDeriveInput, FromField, FromMeta, FromVariant};
use syn::spanned::Spanned;
use syn::{Expr, Lit, Path};

/// `#[model(...)]` on a `#[derive(Model)]` struct.
#[derive(FromDeriveInput)]
#[darling(attributes(model))]
pub struct ModelAttrs {
    /// `table = "name"`: the table name; default is the struct name in snake_case.
    pub table: Option<SpannedValue<String>>,
    /// `bind = "key"`: the database the table lives in; default is the default database.
    pub bind: Option<SpannedValue<String>>,
    /// `crate = "path"`: where `model_core` is, for users who renamed the dependency.
    #[darling(rename = "crate")]
    pub krate: Option<Path>,
    /// `index(fields(a, b), name = "...", unique)`: an index over several columns.
    #[darling(multiple)]
    pub index: Vec<IndexAttrs>,
    /// `unique(fields(a, b), name = "...")`: a unique constraint over several columns.
    #[darling(multiple)]
    pub unique: Vec<UniqueAttrs>,
    /// `collation = "name"`: the collation of the table's text columns.
    pub collation: Option<SpannedValue<String>>,
    /// `renamed_from = "old"`: the table's previous name, so a migration renames it.
    pub renamed_from: Option<SpannedValue<String>>,
    /// `has_many(posts = Post::AUTHOR)`: the one-to-many reverse of a `belongs_to`.
    #[darling(multiple)]
    pub has_many: Vec<Reverse>,
    /// `has_one(profile = Profile::USER)`: the one-to-one reverse of a `belongs_to`.
    #[darling(multiple)]
    pub has_one: Vec<Reverse>,
    /// `many_to_many(tags = Tag::ID, table = "post_tag")` and its other forms.
    #[darling(multiple)]
    pub many_to_many: Vec<ManyToManyAttrs>,
}

/// `name = path` inside `has_many(...)` or `has_one(...)`: the relationship's name and the
/// `belongs_to` handle it reverses.
pub struct Reverse {
    pub name: syn::Ident,
    pub path: Path,
    /// `cascade = "delete"`: the referring rows are deleted with the row.
    pub cascade: bool,
}

impl FromMeta for Reverse {
    fn from_list(items: &[NestedMeta]) -> darling::Result<Self> {
        let mut found = None;
        let mut cascade = false;
        for item in items {
            if let NestedMeta::Meta(syn::Meta::NameValue(pair)) = item
                && pair.path.is_ident("cascade")
            {
                let value = String::from_meta(&syn::Meta::NameValue(pair.clone()))?;
                if value != "delete" {
                    return Err(darling::Error::custom(
                        "`cascade` takes \"delete\": the referring rows are deleted with the row",
                    )
                    .with_span(&pair.value));
                }
                cascade = true;
                continue;
            }
            match relation_pair(item) {
                Some(pair) if found.is_none() => found = Some(pair),
                _ => {
                    return Err(reverse_form().with_span(item));
                }
            }
        }
        found
            .map(|(name, path)| Reverse {
                name,
                path,
                cascade,
            })
            .ok_or_else(reverse_form)
    }
}

fn reverse_form() -> darling::Error {
    darling::Error::custom(
        "write the relationship as `name = Model::HANDLE`, e.g. `has_many(posts = Post::AUTHOR)` \
         (optionally with `cascade = \"delete\"`), where `Post::AUTHOR` is the `belongs_to` it \
         reverses",
    )
}

/// `name = path` as a relationship declares it.
fn relation_pair(item: &NestedMeta) -> Option<(syn::Ident, Path)> {
    let NestedMeta::Meta(syn::Meta::NameValue(pair)) = item else {
        return None;
    };
    let name = pair.path.get_ident()?.clone();
    let path = match &pair.value {
        Expr::Path(path) => path.path.clone(),
        Expr::Group(group) => match &*group.expr {
            Expr::Path(path) => path.path.clone(),
            _ => return None,
        },
        _ => return None,
    };
    Some((name, path))
}

/// `many_to_many(...)` inside `#[model(...)]`, in one of three forms:
/// - `many_to_many(tags = Tag::ID, table = "post_tag")`: through an association table with no
///   struct, created with the model (columns `<model>_id` by default, `columns(a, b)` to name
///   them);
/// - `many_to_many(tags = Tag, through(PostTag::POST, PostTag::TAG))`: through a model of its
///   own, by its two `belongs_to` handles;
/// - `many_to_many(posts = Post::TAGS)`: the reverse of another `many_to_many`.
pub struct ManyToManyAttrs {
    pub name: syn::Ident,
    pub path: Path,
    pub table: Option<SpannedValue<String>>,
    pub columns: Option<(syn::Ident, syn::Ident)>,
    pub through: Option<(Path, Path)>,
    /// The whole attribute, for messages.
    pub span: proc_macro2::Span,
}

impl FromMeta for ManyToManyAttrs {
    fn from_list(items: &[NestedMeta]) -> darling::Result<Self> {
        let mut relation = None;
        let mut table = None;
        let mut columns = None;
        let mut through = None;
        let mut errors = darling::Error::accumulator();
        for item in items {
            match item {
                NestedMeta::Meta(syn::Meta::NameValue(pair)) if pair.path.is_ident("table") => {
                    table = errors.handle(SpannedValue::<String>::from_meta(
                        &syn::Meta::NameValue(pair.clone()),
                    ));
                }
                NestedMeta::Meta(syn::Meta::List(list)) if list.path.is_ident("columns") => {
                    columns =
                        errors.handle(two(list, "columns(source_column, target_column)", |p| {
                            p.get_ident().cloned()
                        }));
                }
                NestedMeta::Meta(syn::Meta::List(list)) if list.path.is_ident("through") => {
                    through = errors.handle(two(
                        list,
                        "through(Association::SOURCE, Association::TARGET)",
                        |p| Some(p.clone()),
                    ));
                }
                other => match relation_pair(other) {
                    Some(pair) if relation.is_none() => relation = Some(pair),
                    _ => errors.push(
                        darling::Error::custom(
                            "`many_to_many` takes `name = Target::KEY` with `table = \"...\"` \
                             (and optionally `columns(a, b)`), `name = Target` with \
                             `through(Association::SOURCE, Association::TARGET)`, or \
                             `name = Other::RELATIONSHIP` to reverse another `many_to_many`",
                        )
                        .with_span(other),
                    ),
                },
            }
        }
        let span = items
            .first()
            .map(Spanned::span)
            .unwrap_or_else(proc_macro2::Span::call_site);
        let Some((name, path)) = relation else {
            let missing = darling::Error::custom(
                "`many_to_many` needs the relationship, e.g. `many_to_many(tags = Tag::ID, table = \"post_tag\")`",
            );
            return Err(match errors.finish() {
                Ok(()) => missing,
                Err(error) => darling::Error::multiple(vec![error, missing]),
            });
        };
        errors.finish()?;
        Ok(ManyToManyAttrs {
            name,
            path,
            table,
            columns,
            through,
            span,
        })
    }
}

/// The two paths of `list(a, b)`, each read by `read`.
fn two<T>(
    list: &syn::MetaList,
    form: &str,
    read: impl Fn(&Path) -> Option<T>,
) -> darling::Result<(T, T)> {
    let error = || darling::Error::custom(format!("write `{form}`")).with_span(list);
    let paths = list
        .parse_args_with(syn::punctuated::Punctuated::<Path, syn::Token![,]>::parse_terminated)
        .map_err(|_| error())?;
    let mut paths = paths.iter();
    match (paths.next(), paths.next(), paths.next()) {
        (Some(a), Some(b), None) => Ok((read(a).ok_or_else(error)?, read(b).ok_or_else(error)?)),
        _ => Err(error()),
    }
}

/// `#[column_group(...)]` on a `#[derive(ColumnGroup)]` struct: a reusable set of columns.
#[derive(FromDeriveInput)]
#[darling(attributes(column_group))]
pub struct GroupAttrs {
    /// `crate = "path"`: where `model_core` is.
    #[darling(rename = "crate")]
    pub krate: Option<Path>,
}

/// `#[column_type(...)]` on a `#[derive(ColumnType)]` enum or newtype.
#[derive(FromDeriveInput, Default)]
#[darling(attributes(column_type), default)]
pub struct TypeAttrs {
    /// `storage = "text" | "integer" | "native"`: how an enum's values are stored.
    pub storage: Option<SpannedValue<String>>,
    /// `rename_all = "snake_case"` and serde's other cases: the labels of an enum's variants.
    pub rename_all: Option<SpannedValue<String>>,
    /// `name = "..."`: the database name of a native enum type.
    pub name: Option<SpannedValue<String>>,
    /// `crate = "path"`: where `model_core` is.
    #[darling(rename = "crate")]
    pub krate: Option<Path>,
}

/// `#[column_type(...)]` on one variant of a `#[derive(ColumnType)]` enum.
#[derive(FromVariant, Default)]
#[darling(attributes(column_type))]
pub struct VariantAttrs {
    /// `rename = "..."`: the variant's label.
    pub rename: Option<SpannedValue<String>>,
}

/// `#[row(...)]` on a `#[derive(FromRow)]` struct.
#[derive(FromDeriveInput, Default)]
#[darling(attributes(row), default)]
pub struct RowAttrs {
    /// `positional`: columns are read in order rather than by name.
    pub positional: Flag,
    /// `crate = "path"`: where `model_core` is.
    #[darling(rename = "crate")]
    pub krate: Option<Path>,
}

/// `#[row(...)]` on a field of a `#[derive(FromRow)]` struct.
#[derive(FromField, Default)]
#[darling(attributes(row), default)]
pub struct RowFieldAttrs {
    /// `rename = "..."`: the column the field reads.
    pub rename: Option<SpannedValue<String>>,
    /// `skip`: not read; `Default::default()`.
    pub skip: Flag,
}

/// What a receiver read, or its defaults when darling could not read it, its error kept in
/// `errors` for `check.rs` to report with the rest.
pub fn or_defaults<T: Default>(read: darling::Result<T>, errors: &mut Vec<darling::Error>) -> T {
    read.unwrap_or_else(|e| {
        errors.push(e);
        T::default()
    })
}

/// The keys `#[model(...)]` takes, for reading the rest of an attribute that has a mistyped one.
pub const MODEL_KEYS: &[&str] = &[
    "table",
    "bind",
    "crate",
    "index",
    "unique",
    "collation",
    "renamed_from",
    "has_many",
    "has_one",
    "many_to_many",
];

/// The keys `#[column_group(...)]` takes.
pub const GROUP_KEYS: &[&str] = &["crate"];

/// `index(...)` inside `#[model(...)]`.
#[derive(FromMeta)]
pub struct IndexAttrs {
    /// The fields (Rust names) the index covers, in order.
    pub fields: SpannedValue<PathList>,
    /// The index name; default `ix_<table>_<columns>`.
    pub name: Option<SpannedValue<String>>,
    /// A unique index.
    pub unique: Flag,
}

/// `unique(...)` inside `#[model(...)]`.
#[derive(FromMeta)]
pub struct UniqueAttrs {
    /// The fields (Rust names) the constraint covers, in order.
    pub fields: SpannedValue<PathList>,
    /// The constraint name; default `uq_<table>_<columns>`.
    pub name: Option<SpannedValue<String>>,
}

/// `#[column(...)]` on one field.
#[derive(FromField)]
#[darling(attributes(column))]
pub struct FieldAttrs {
    /// Part of the primary key.
    pub primary_key: Flag,
    /// `autoincrement` / `autoincrement = false`; default: on for a single integer primary key.
    pub autoincrement: Option<SpannedValue<bool>>,
    /// A single-column unique constraint.
    pub unique: Flag,
    /// A single-column index.
    pub index: Flag,
    /// The row's version counter, for optimistic locking (SQLAlchemy's `version_id_col`).
    pub version: Flag,
    /// `length = N`: VARCHAR(N) instead of TEXT.
    pub length: Option<SpannedValue<u32>>,
    /// `precision = P`: the digits of a decimal column.
    pub precision: Option<SpannedValue<u32>>,
    /// `scale = S`: the digits after the point of a decimal column.
    pub scale: Option<SpannedValue<u32>>,
    /// `collation = "name"`: the column's collation; strings only.
    pub collation: Option<SpannedValue<String>>,
    /// `renamed_from = "old"`: the column's previous name, so a migration renames it.
    pub renamed_from: Option<SpannedValue<String>>,
    /// `name = "..."`: the column name; default is the field name.
    pub name: Option<SpannedValue<String>>,
    /// `default = path::to::fn`: client-side default.
    pub default: Option<Path>,
    /// `server_default = "SQL"`: the column's DEFAULT clause.
    #[darling(default, with = sql_literal)]
    pub server_default: Option<SpannedValue<String>>,
    /// `onupdate = path::to::fn`: value written on every update.
    pub onupdate: Option<Path>,
    /// `foreign_key = User::ID` or `foreign_key = "table.column"`.
    pub foreign_key: Option<ForeignKeyTarget>,
    /// `on_delete = "cascade"` and friends, with `foreign_key`.
    pub on_delete: Option<SpannedValue<ReferentialAction>>,
    /// `belongs_to = author`: a many-to-one relationship over this foreign key.
    pub belongs_to: Option<RelationName>,
    /// Not stored: the field is filled with `Default::default()` when a row is read.
    pub skip: Flag,
    /// The field's type derives `ColumnGroup`; its columns are inlined here.
    pub flatten: Flag,
}

/// The keys `#[column(...)]` takes, for reading the rest of an attribute that has a mistyped one
/// (the test at the end of this file checks that each is a key darling knows).
pub const FIELD_KEYS: &[&str] = &[
    "primary_key",
    "autoincrement",
    "unique",
    "index",
    "version",
    "length",
    "precision",
    "scale",
    "collation",
    "renamed_from",
    "name",
    "default",
    "server_default",
    "onupdate",
    "foreign_key",
    "on_delete",
    "belongs_to",
    "skip",
    "flatten",
];

/// The name of a relationship, `belongs_to = author` (or `"author"`).
#[derive(Clone)]
pub struct RelationName(pub syn::Ident);

impl FromMeta for RelationName {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        let error = || {
            darling::Error::custom(
                "`belongs_to` takes the relationship's name, e.g. `belongs_to = author`",
            )
            .with_span(expr)
        };
        match expr {
            Expr::Path(path) => path
                .path
                .get_ident()
                .cloned()
                .map(RelationName)
                .ok_or_else(error),
            Expr::Lit(lit) => match &lit.lit {
                Lit::Str(s) => s.parse().map(RelationName).map_err(|_| error()),
                _ => Err(error()),
            },
            Expr::Group(group) => Self::from_expr(&group.expr),
            _ => Err(error()),
        }
    }
}

/// What `foreign_key = ...` names: a model's column handle (`User::ID`), checked by the
/// compiler, or `"table.column"` as text, for a table without a model.
#[derive(Clone)]
pub enum ForeignKeyTarget {
    /// `"table.column"`.
    Text(SpannedValue<String>),
    /// A path to a column handle.
    Handle(syn::ExprPath),
}

impl FromMeta for ForeignKeyTarget {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        match expr {
            Expr::Lit(lit) => match &lit.lit {
                Lit::Str(s) => Ok(ForeignKeyTarget::Text(SpannedValue::new(
                    s.value(),
                    s.span(),
                ))),
                other => Err(foreign_key_form().with_span(other)),
            },
            Expr::Path(path) => Ok(ForeignKeyTarget::Handle(path.clone())),
            // A value passed through a `macro_rules!` arrives in an invisible group.
            Expr::Group(group) => Self::from_expr(&group.expr),
            other => Err(foreign_key_form().with_span(other)),
        }
    }
}

fn foreign_key_form() -> darling::Error {
    darling::Error::custom(
        "`foreign_key` takes the referenced column's handle, `foreign_key = User::ID`, or \
         \"table.column\" for a table without a model",
    )
}

/// What happens to referencing rows when the referenced row is deleted: one of the variants of
/// `model_core::ReferentialAction`, named by its `on_delete` spelling.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ReferentialAction {
    /// The name of the `model_core::ReferentialAction` variant.
    pub variant: &'static str,
}

/// The one list of actions in the derive: each `on_delete` spelling with the runtime variant it
/// stands for, so parsing, suggestions and code generation cannot disagree.
const ACTIONS: &[(&str, &str)] = &[
    ("cascade", "Cascade"),
    ("set_null", "SetNull"),
    ("set_default", "SetDefault"),
    ("restrict", "Restrict"),
    ("no_action", "NoAction"),
];

impl FromMeta for ReferentialAction {
    fn from_string(value: &str) -> darling::Result<Self> {
        let wanted = value.to_ascii_lowercase().replace([' ', '-'], "_");
        ACTIONS
            .iter()
            .find(|(name, _)| *name == wanted)
            .map(|&(_, variant)| ReferentialAction { variant })
            .ok_or_else(|| {
                darling::Error::unknown_value_with_alts(value, ACTIONS.iter().map(|(name, _)| name))
            })
    }
}

/// `server_default` must be a string literal holding SQL: anything else is most likely a Rust
/// expression meant for `default`, so the message says which key to use. This is the form of the
/// value, like darling's own type errors, hence parsed here rather than checked later.
fn sql_literal(meta: &syn::Meta) -> darling::Result<Option<SpannedValue<String>>> {
    let fix = "`server_default` takes the SQL expression as a string literal, \
               e.g. `server_default = \"CURRENT_TIMESTAMP\"`; \
               for a Rust function computing the value use `default = path::to::fn`";
    match meta {
        syn::Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(lit) => match &lit.lit {
                Lit::Str(s) => Ok(Some(SpannedValue::new(s.value(), s.span()))),
                other => Err(darling::Error::custom(fix).with_span(other)),
            },
            other => Err(darling::Error::custom(fix).with_span(other)),
        },
        other => Err(darling::Error::custom(fix).with_span(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every listed key is one darling knows. (A key added to a receiver must be added to its
    /// list too; one missing there is only dropped when the rest of a faulty attribute is read,
    /// so its mistakes wait for the next compile.)
    #[test]
    fn key_lists_match_the_receivers() {
        fn unknown(error: darling::Error) -> Vec<String> {
            error
                .into_iter()
                .map(|e| e.to_string())
                .filter(|m| m.starts_with("Unknown field"))
                .collect()
        }
        for key in FIELD_KEYS {
            let key: syn::Ident = syn::parse_str(key).unwrap();
            let field: syn::Field = syn::parse_quote!(#[column(#key)] x: i64);
            if let Err(error) = FieldAttrs::from_field(&field) {
                assert_eq!(unknown(error), Vec::<String>::new(), "{key}");
            }
        }
        for key in MODEL_KEYS {
            let key: syn::Path = syn::parse_str(key).unwrap();
            let input: syn::DeriveInput = syn::parse_quote!(
                #[model(#key)]
                struct X {}
            );
            if let Err(error) = ModelAttrs::from_derive_input(&input) {
                assert_eq!(unknown(error), Vec::<String>::new(), "{key:?}");
            }
        }
        for key in GROUP_KEYS {
            let key: syn::Path = syn::parse_str(key).unwrap();
            let input: syn::DeriveInput = syn::parse_quote!(
                #[column_group(#key)]
                struct X {}
            );
            if let Err(error) = GroupAttrs::from_derive_input(&input) {
                assert_eq!(unknown(error), Vec::<String>::new(), "{key:?}");
            }
        }
    }
}
