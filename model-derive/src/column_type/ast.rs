//! The description of a `#[derive(ColumnType)]` type: a fieldless enum with its labels or
//! discriminants, or a newtype with its inner type. Built whatever the attributes say; the
//! errors darling found are kept for `check.rs` to report with the rest.

use darling::util::SpannedValue;
use darling::{FromDeriveInput, FromVariant};
use heck::{ToKebabCase, ToLowerCamelCase, ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Expr, Fields, Generics, Ident, Path, Type};

use crate::ast::{table_name_for, unraw};
use crate::attr::{TypeAttrs, VariantAttrs, or_defaults};

/// A `#[derive(ColumnType)]` type.
pub struct TypeDef {
    pub ident: Ident,
    pub generics: Generics,
    pub krate: Path,
    /// Errors darling found in the attributes.
    pub attr_errors: Vec<darling::Error>,
    pub storage: Option<SpannedValue<String>>,
    pub rename_all: Option<SpannedValue<String>>,
    pub name: Option<SpannedValue<String>>,
    /// The `#[repr(...)]` integer type, if any.
    pub repr: Option<Ident>,
    pub shape: Shape,
}

/// What the type is made of.
pub enum Shape {
    /// An enum.
    Enum(Vec<Variant>),
    /// A tuple struct with exactly one field.
    Newtype(Box<Type>),
    /// Anything else, with where to say so and what is wrong.
    Other(Span, &'static str),
}

/// One variant of an enum.
pub struct Variant {
    pub ident: Ident,
    /// Whether the variant holds data (which no label can carry).
    pub fields: Option<Span>,
    pub discriminant: Option<Expr>,
    pub rename: Option<SpannedValue<String>>,
}

/// How the labels are stored.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Storage {
    Text,
    Integer,
    Native,
}

/// The `storage` spellings and what each stands for.
pub const STORAGES: &[(&str, Storage)] = &[
    ("text", Storage::Text),
    ("integer", Storage::Integer),
    ("native", Storage::Native),
];

/// A conversion of a variant's name into its label.
type Case = fn(&str) -> String;

/// The `rename_all` spellings (serde's) and the conversions they name.
pub const CASES: &[(&str, Case)] = &[
    ("lowercase", |s| s.to_lowercase()),
    ("UPPERCASE", |s| s.to_uppercase()),
    ("snake_case", |s| s.to_snake_case()),
    ("SCREAMING_SNAKE_CASE", |s| s.to_shouty_snake_case()),
    ("kebab-case", |s| s.to_kebab_case()),
    ("camelCase", |s| s.to_lower_camel_case()),
    ("PascalCase", |s| s.to_upper_camel_case()),
];

impl TypeDef {
    /// Describes the input; never fails.
    pub fn from_input(input: &DeriveInput) -> Self {
        let mut attr_errors = Vec::new();
        let attrs = or_defaults(TypeAttrs::from_derive_input(input), &mut attr_errors);
        let shape = match &input.data {
            Data::Enum(data) => Shape::Enum(
                data.variants
                    .iter()
                    .map(|v| {
                        let rename =
                            or_defaults(VariantAttrs::from_variant(v), &mut attr_errors).rename;
                        Variant {
                            ident: v.ident.clone(),
                            fields: (!matches!(v.fields, Fields::Unit)).then(|| v.fields.span()),
                            discriminant: v.discriminant.as_ref().map(|(_, e)| e.clone()),
                            rename,
                        }
                    })
                    .collect(),
            ),
            Data::Struct(data) => match &data.fields {
                Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                    Shape::Newtype(Box::new(fields.unnamed[0].ty.clone()))
                }
                Fields::Unnamed(fields) => Shape::Other(
                    fields.span(),
                    "a tuple struct with several fields has no one column type; derive it on \
                     a newtype (`struct UserId(i64);`)",
                ),
                Fields::Named(fields) => Shape::Other(
                    fields.span(),
                    "a struct with named fields is a row of columns, not one column: derive \
                     `Model` or `ColumnGroup` for that; `ColumnType` takes a newtype \
                     (`struct UserId(i64);`) or a fieldless enum",
                ),
                Fields::Unit => Shape::Other(
                    input.ident.span(),
                    "a unit struct holds no value to store; derive it on a newtype \
                     (`struct UserId(i64);`) or a fieldless enum",
                ),
            },
            Data::Union(u) => Shape::Other(
                u.union_token.span(),
                "a union cannot be a column type; derive it on a newtype or a fieldless enum",
            ),
        };
        TypeDef {
            ident: input.ident.clone(),
            generics: input.generics.clone(),
            krate: attrs
                .krate
                .unwrap_or_else(|| syn::parse_quote!(::model_core)),
            attr_errors,
            storage: attrs.storage,
            rename_all: attrs.rename_all,
            name: attrs.name,
            repr: repr_of(input),
            shape,
        }
    }

    /// The storage `storage = "..."` names; text when absent or misspelled (reported).
    pub fn storage(&self) -> Storage {
        self.storage
            .as_ref()
            .and_then(|s| STORAGES.iter().find(|(name, _)| *name == s.as_str()))
            .map_or(Storage::Text, |(_, storage)| *storage)
    }

    /// The database name of the enum type: `name = "..."`, or the enum's name in snake_case
    /// by the table name rule.
    pub fn type_name(&self) -> String {
        match &self.name {
            Some(name) => name.as_str().to_owned(),
            None => table_name_for(&self.ident),
        }
    }

    /// The label of `variant`: its `rename`, or its name under `rename_all`, or its name.
    pub fn label(&self, variant: &Variant) -> String {
        if let Some(rename) = &variant.rename {
            return rename.as_str().to_owned();
        }
        let name = unraw(&variant.ident);
        let case = self.rename_all.as_ref().and_then(|case| {
            CASES
                .iter()
                .find(|(spelling, _)| *spelling == case.as_str())
        });
        match case {
            Some((_, convert)) => convert(&name),
            None => name,
        }
    }
}

/// The integer type of `#[repr(...)]`, if the enum has one.
fn repr_of(input: &DeriveInput) -> Option<Ident> {
    let mut found = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("repr")) {
        let _ = attr.parse_nested_meta(|meta| {
            if let Some(ident) = meta.path.get_ident()
                && matches!(
                    ident.to_string().as_str(),
                    "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32"
                )
            {
                found = Some(ident.clone());
            }
            Ok(())
        });
    }
    found
}
