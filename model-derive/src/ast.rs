//! The description of a model or column group that checking and code generation work from.
//!
//! Built from the darling receivers of `attr.rs` and the struct's own syntax: nothing is judged
//! here, so the description is built whatever the attributes say. An attribute that darling could
//! not read keeps its error in place (`attr_error`, `FieldKind::Invalid`), for `check.rs` to
//! report in reading order together with everything else it finds; the rest of the struct is
//! still described, so its other mistakes are found in the same compile. Names are kept as
//! written, with their spans; the rules that derive the effective names (table, column, handle)
//! live here as methods, so `check.rs` and `expand.rs` apply the same ones.

use darling::util::SpannedValue;
use darling::{FromDeriveInput, FromField};
use heck::ToShoutySnakeCase;
use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    Attribute, Data, DeriveInput, Fields, Generics, Ident, Meta, Path, Token, Type, Visibility,
};

use crate::attr::{
    FIELD_KEYS, FieldAttrs, ForeignKeyTarget, GROUP_KEYS, GroupAttrs, MODEL_KEYS, ManyToManyAttrs,
    ModelAttrs, ReferentialAction, Reverse,
};

/// A `#[derive(Model)]` struct.
pub struct Model {
    pub ident: Ident,
    pub vis: Visibility,
    pub generics: Generics,
    pub krate: Path,
    /// Why `#[model(...)]` could not be read; the options below are then those that could still
    /// be read without the unknown keys (all defaults if none could).
    pub attr_error: Option<darling::Error>,
    /// `table = "..."` as written; [`Model::table_name`] applies the default.
    pub table: Option<SpannedValue<String>>,
    pub bind: Option<SpannedValue<String>>,
    /// The collation of the table's text columns, where a column names none.
    pub collation: Option<SpannedValue<String>>,
    /// `renamed_from = "..."`: the table's previous name.
    pub renamed_from: Option<SpannedValue<String>>,
    pub fields: Vec<Field>,
    pub indexes: Vec<Index>,
    /// `has_many(...)`: one-to-many reverses of other models' `belongs_to`.
    pub has_many: Vec<Reverse>,
    /// `has_one(...)`: one-to-one reverses.
    pub has_one: Vec<Reverse>,
    /// `many_to_many(...)`.
    pub many_to_many: Vec<ManyToManyAttrs>,
}

/// A `#[derive(ColumnGroup)]` struct.
pub struct Group {
    pub ident: Ident,
    pub generics: Generics,
    pub krate: Path,
    /// Why `#[column_group(...)]` could not be read.
    pub attr_error: Option<darling::Error>,
    pub fields: Vec<Field>,
}

/// One field of the struct, in declaration order.
pub struct Field {
    pub ident: Ident,
    pub vis: Visibility,
    pub ty: Type,
    /// Why `#[column(...)]` could not be read; the options below are then those that could
    /// still be read without the unknown keys (all absent if none could).
    pub attr_error: Option<darling::Error>,
    /// `skip`, if written.
    pub skip: Option<Span>,
    /// `flatten`, if written.
    pub flatten: Option<Span>,
    /// The column options as written. Only a [`FieldKind::Column`] field uses them; on a
    /// skipped or flattened field any of them is a mistake `check.rs` reports.
    pub column: Column,
}

/// What a field contributes to the table; see [`Field::kind`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FieldKind {
    /// One column.
    Column,
    /// The columns of a `ColumnGroup`, inlined.
    Flatten,
    /// Nothing: filled with `Default::default()` on read.
    Skip,
    /// `#[column(...)]` could not be read, so what the field was meant to be is unknown (a
    /// mistyped `skip` or `primary_key`): rules about the whole struct leave it out, and only the
    /// options that were read are checked.
    Invalid,
}

/// The column options of a field, as written.
#[derive(Default)]
pub struct Column {
    /// `name = "..."`, if given; [`Field::column_name`] applies the default.
    pub name: Option<SpannedValue<String>>,
    pub primary_key: Option<Span>,
    pub autoincrement: Option<SpannedValue<bool>>,
    pub unique: bool,
    pub index: bool,
    /// `version`: the span of the key, for messages.
    pub version: Option<Span>,
    pub length: Option<SpannedValue<u32>>,
    pub precision: Option<SpannedValue<u32>>,
    pub scale: Option<SpannedValue<u32>>,
    pub collation: Option<SpannedValue<String>>,
    /// `renamed_from = "..."`: the column's previous name.
    pub renamed_from: Option<SpannedValue<String>>,
    pub default: Option<Path>,
    pub server_default: Option<String>,
    pub onupdate: Option<Path>,
    /// `foreign_key = User::ID` or `"table.column"` as written; [`split_foreign_key`] reads
    /// the text.
    pub foreign_key: Option<ForeignKeyTarget>,
    pub on_delete: Option<SpannedValue<ReferentialAction>>,
    /// `belongs_to = name`: a many-to-one relationship over the foreign key.
    pub belongs_to: Option<Ident>,
}

/// A table-level index or unique constraint, naming Rust fields.
pub struct Index {
    pub name: Option<SpannedValue<String>>,
    /// The fields as written in `fields(...)`, and the span of that list.
    pub fields: Vec<Path>,
    pub fields_span: Span,
    pub unique: bool,
    /// A `unique(...)` constraint rather than an `index(..., unique)`.
    pub constraint: bool,
}

impl Model {
    /// Describes a struct with named fields (`check::shape` has run); never fails, see the
    /// module doc.
    pub fn from_input(input: &DeriveInput) -> Self {
        let (attrs, attr_error) = match ModelAttrs::from_derive_input(input) {
            Ok(attrs) => (attrs, None),
            Err(error) => {
                let rest = ModelAttrs::from_derive_input(&known_keys_only(input, "model"));
                (rest.unwrap_or_else(|_| ModelAttrs::unread()), Some(error))
            }
        };
        let indexes = attrs.index.into_iter().map(|index| Index {
            name: index.name,
            fields: index.fields.iter().cloned().collect(),
            fields_span: index.fields.span(),
            unique: index.unique.is_present(),
            constraint: false,
        });
        let uniques = attrs.unique.into_iter().map(|unique| Index {
            name: unique.name,
            fields: unique.fields.iter().cloned().collect(),
            fields_span: unique.fields.span(),
            unique: true,
            constraint: true,
        });
        Model {
            ident: input.ident.clone(),
            vis: input.vis.clone(),
            generics: input.generics.clone(),
            krate: crate_path(attrs.krate, attr_error.is_some(), input, "model"),
            attr_error,
            table: attrs.table,
            bind: attrs.bind,
            collation: attrs.collation,
            renamed_from: attrs.renamed_from,
            fields: fields_of(input),
            indexes: indexes.chain(uniques).collect(),
            has_many: attrs.has_many,
            has_one: attrs.has_one,
            many_to_many: attrs.many_to_many,
        }
    }

    /// The table name: `table = "..."`, or the struct name by [`table_name_for`].
    pub fn table_name(&self) -> String {
        match &self.table {
            Some(table) => table.as_str().to_owned(),
            None => table_name_for(&self.ident),
        }
    }
}

impl Index {
    /// The column names of the indexed fields, in order. A name that is no field of the struct
    /// is taken for a column of a flattened group (`check.rs` has ruled out the other cases).
    pub fn columns(&self, fields: &[Field]) -> Vec<String> {
        self.fields
            .iter()
            .filter_map(Path::get_ident)
            .map(|name| {
                fields
                    .iter()
                    .find(|f| f.is_named(name))
                    .and_then(Field::column_name)
                    .unwrap_or_else(|| unraw(name))
            })
            .collect()
    }
}

impl Group {
    /// Describes a struct with named fields (`check::shape` has run); never fails.
    pub fn from_input(input: &DeriveInput) -> Self {
        let (krate, attr_error) = match GroupAttrs::from_derive_input(input) {
            Ok(attrs) => (attrs.krate, None),
            Err(error) => {
                let rest = GroupAttrs::from_derive_input(&known_keys_only(input, "column_group"));
                (rest.ok().and_then(|attrs| attrs.krate), Some(error))
            }
        };
        Group {
            ident: input.ident.clone(),
            generics: input.generics.clone(),
            krate: crate_path(krate, attr_error.is_some(), input, "column_group"),
            attr_error,
            fields: fields_of(input),
        }
    }
}

impl ModelAttrs {
    /// The options of a `#[model(...)]` that could not be read: all defaults.
    fn unread() -> Self {
        ModelAttrs {
            table: None,
            bind: None,
            krate: None,
            index: Vec::new(),
            unique: Vec::new(),
            collation: None,
            renamed_from: None,
            has_many: Vec::new(),
            has_one: Vec::new(),
            many_to_many: Vec::new(),
        }
    }
}

impl Field {
    /// What the field contributes: `skip` wins over `flatten` (both together are reported).
    pub fn kind(&self) -> FieldKind {
        if self.attr_error.is_some() {
            FieldKind::Invalid
        } else if self.skip.is_some() {
            FieldKind::Skip
        } else if self.flatten.is_some() {
            FieldKind::Flatten
        } else {
            FieldKind::Column
        }
    }

    /// The column name: `name = "..."`, or the field name without `r#`. `None` for a field
    /// with no column of its own.
    pub fn column_name(&self) -> Option<String> {
        (self.kind() == FieldKind::Column).then(|| match &self.column.name {
            Some(name) => name.as_str().to_owned(),
            None => unraw(&self.ident),
        })
    }

    /// Where a message about the column name points: the `name = "..."` value, or the field.
    pub fn column_name_span(&self) -> Span {
        self.column
            .name
            .as_ref()
            .map_or(self.ident.span(), |name| name.span())
    }

    /// Whether the field is named `name` in Rust, with or without `r#`.
    pub fn is_named(&self, name: &Ident) -> bool {
        self.ident == *name || *name == unraw(&self.ident)
    }
}

impl Column {
    /// Whether any option is written (`skip` and `flatten` are not column options).
    pub fn has_options(&self) -> bool {
        self.name.is_some()
            || self.primary_key.is_some()
            || self.autoincrement.is_some()
            || self.unique
            || self.index
            || self.version.is_some()
            || self.length.is_some()
            || self.precision.is_some()
            || self.scale.is_some()
            || self.collation.is_some()
            || self.renamed_from.is_some()
            || self.default.is_some()
            || self.server_default.is_some()
            || self.onupdate.is_some()
            || self.foreign_key.is_some()
            || self.on_delete.is_some()
    }
}

/// The table name rule, part of the public API: the struct name converted from CamelCase to
/// snake_case exactly as Flask-SQLAlchemy 3's `camel_to_snake_case` does, so an app moving
/// over keeps its table names (`HTTPServer` → `http_server`, `Version2Info` → `version2_info`).
///
/// An underscore goes before an ASCII capital that follows a lowercase letter or a digit, or
/// that starts a lowercase run (not at the start); then everything is lowercased and leading
/// underscores are dropped. heck's `to_snake_case` agrees except around digits between
/// capitals (`A1B`: Flask `a1_b`, heck `a1b`), hence the port.
pub fn table_name_for(ident: &Ident) -> String {
    let name: Vec<char> = unraw(ident).chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in name.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let after_lower_or_digit =
                name[i - 1].is_ascii_lowercase() || name[i - 1].is_ascii_digit();
            let starts_lower_run = name.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if after_lower_or_digit || starts_lower_run {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out.trim_start_matches('_').to_owned()
}

/// The name of a field's column handle: `user_id` → `USER_ID`, `r#type` → `TYPE`.
pub fn handle_name(ident: &Ident) -> String {
    unraw(ident).to_shouty_snake_case()
}

/// A field's name as written, without the `r#` of a raw identifier.
pub fn unraw(ident: &Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
}

/// Splits `"table.column"` at its one dot; `None` if there is no dot or more than one. Whether
/// the two parts are usable names is `check.rs`'s question.
pub fn split_foreign_key(value: &str) -> Option<(&str, &str)> {
    let (table, column) = value.split_once('.')?;
    (!column.contains('.')).then_some((table, column))
}

/// The fields of a struct with named fields, each described whether or not its attribute reads.
fn fields_of(input: &DeriveInput) -> Vec<Field> {
    let Data::Struct(data) = &input.data else {
        return Vec::new();
    };
    let Fields::Named(fields) = &data.fields else {
        return Vec::new();
    };
    fields
        .named
        .iter()
        .filter_map(|field| {
            let (attrs, attr_error) = match FieldAttrs::from_field(field) {
                Ok(attrs) => (Some(attrs), None),
                Err(error) => {
                    let mut rest = field.clone();
                    rest.attrs = without_unknown_keys(&field.attrs, "column", FIELD_KEYS);
                    (FieldAttrs::from_field(&rest).ok(), Some(error))
                }
            };
            let mut out = Field {
                ident: field.ident.clone()?,
                vis: field.vis.clone(),
                ty: field.ty.clone(),
                attr_error,
                skip: None,
                flatten: None,
                column: Column::default(),
            };
            if let Some(f) = attrs {
                out.skip = f.skip.is_present().then(|| f.skip.span());
                out.flatten = f.flatten.is_present().then(|| f.flatten.span());
                out.column = Column {
                    name: f.name,
                    primary_key: f.primary_key.is_present().then(|| f.primary_key.span()),
                    autoincrement: f.autoincrement,
                    unique: f.unique.is_present(),
                    index: f.index.is_present(),
                    version: f.version.is_present().then(|| f.version.span()),
                    length: f.length,
                    precision: f.precision,
                    scale: f.scale,
                    collation: f.collation,
                    renamed_from: f.renamed_from,
                    default: f.default,
                    server_default: f.server_default.map(SpannedValue::into_inner),
                    onupdate: f.onupdate,
                    foreign_key: f.foreign_key,
                    on_delete: f.on_delete,
                    belongs_to: f.belongs_to.map(|name| name.0),
                };
            }
            Some(out)
        })
        .collect()
}

/// The struct with unknown keys taken out of its `#[attribute(...)]`s, so that the keys it got
/// right can still be read (and checked) next to darling's error about the ones it got wrong.
fn known_keys_only(input: &DeriveInput, attribute: &str) -> DeriveInput {
    let keys = if attribute == "model" {
        MODEL_KEYS
    } else {
        GROUP_KEYS
    };
    DeriveInput {
        attrs: without_unknown_keys(&input.attrs, attribute, keys),
        ..input.clone()
    }
}

/// `attrs` with every `#[attribute(key ...)]` whose key is not in `keys` taken out; an attribute
/// that does not even split into keys is taken out whole.
fn without_unknown_keys(attrs: &[Attribute], attribute: &str, keys: &[&str]) -> Vec<Attribute> {
    attrs
        .iter()
        .filter_map(|attr| {
            if !attr.path().is_ident(attribute) {
                return Some(attr.clone());
            }
            let items = attr
                .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
                .ok()?;
            let known = items
                .into_iter()
                .filter(|item| keys.iter().any(|key| item.path().is_ident(key)));
            let path = attr.path();
            Some(syn::parse_quote_spanned!(attr.span()=> #[#path(#(#known),*)]))
        })
        .collect()
}

/// `crate = "path"`, or `::model_core`. When not even the known keys of the attribute could be
/// read, the path is looked for leniently in the raw attribute, so the fallback code names the right crate and the
/// user sees the real error rather than one about a missing `model_core`.
fn crate_path(parsed: Option<Path>, unread: bool, input: &DeriveInput, attribute: &str) -> Path {
    parsed
        .or_else(|| {
            unread
                .then(|| crate_path_leniently(input, attribute))
                .flatten()
        })
        .unwrap_or_else(|| syn::parse_quote!(::model_core))
}

fn crate_path_leniently(input: &DeriveInput, attribute: &str) -> Option<Path> {
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
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_follow_flask_sqlalchemy() {
        let cases = [
            ("User", "user"),
            ("TokenBlocklist", "token_blocklist"),
            ("HTTPServer", "http_server"),
            ("APIKey", "api_key"),
            ("Version2Info", "version2_info"),
            ("r#Type", "type"),
            // Cases where heck differs; expected values are Flask-SQLAlchemy 3.1's.
            ("OAuth2Token", "o_auth2_token"),
            ("A1B", "a1_b"),
            ("AB1C", "ab1_c"),
            ("User2FA", "user2_fa"),
            ("IPv4Address", "i_pv4_address"),
            ("MyHTTP2Server", "my_http2_server"),
            ("S3Bucket", "s3_bucket"),
            ("Item_Price", "item__price"),
            ("_Hidden", "hidden"),
        ];
        for (ident, expected) in cases {
            let ident: Ident = syn::parse_str(ident).unwrap();
            assert_eq!(table_name_for(&ident), expected, "{ident}");
        }
    }
}
