//! The description of a `#[derive(FromRow)]` struct: its fields, each with the column it reads.

use darling::util::SpannedValue;
use darling::{FromDeriveInput, FromField};
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Generics, Ident, Path, Type};

use crate::ast::unraw;
use crate::attr::{RowAttrs, RowFieldAttrs, or_defaults};

/// A `#[derive(FromRow)]` struct.
pub struct RowDef {
    pub ident: Ident,
    pub generics: Generics,
    pub krate: Path,
    /// Errors darling found in the attributes.
    pub attr_errors: Vec<darling::Error>,
    /// `positional`, if written.
    pub positional: Option<Span>,
    /// Whether the fields are named (a tuple struct reads by position).
    pub named: bool,
    pub fields: Vec<RowField>,
    /// Where to say the struct has no fields to read into, if it has none.
    pub shape_error: Option<(Span, &'static str)>,
}

/// One field.
pub struct RowField {
    /// The field's name (`None` in a tuple struct).
    pub ident: Option<Ident>,
    pub ty: Type,
    pub rename: Option<SpannedValue<String>>,
    /// `skip`: not read; `Default::default()`.
    pub skip: bool,
}

impl RowDef {
    /// Describes the input; never fails.
    pub fn from_input(input: &DeriveInput) -> Self {
        let mut attr_errors = Vec::new();
        let attrs = or_defaults(RowAttrs::from_derive_input(input), &mut attr_errors);
        let (fields, named, shape_error) = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(f) => (f.named.iter().collect(), true, None),
                Fields::Unnamed(f) => (f.unnamed.iter().collect(), false, None),
                Fields::Unit => (
                    Vec::new(),
                    true,
                    Some((
                        input.ident.span(),
                        "a unit struct has no fields to read columns into",
                    )),
                ),
            },
            Data::Enum(e) => (
                Vec::new(),
                true,
                Some((
                    e.enum_token.span(),
                    "rows are read into structs; derive it on a struct with one field per column",
                )),
            ),
            Data::Union(u) => (
                Vec::new(),
                true,
                Some((
                    u.union_token.span(),
                    "rows are read into structs; derive it on a struct with one field per column",
                )),
            ),
        };
        let fields = fields
            .into_iter()
            .map(|field| {
                let attrs = or_defaults(RowFieldAttrs::from_field(field), &mut attr_errors);
                RowField {
                    ident: field.ident.clone(),
                    ty: field.ty.clone(),
                    rename: attrs.rename,
                    skip: attrs.skip.is_present(),
                }
            })
            .collect();
        RowDef {
            ident: input.ident.clone(),
            generics: input.generics.clone(),
            krate: attrs
                .krate
                .unwrap_or_else(|| syn::parse_quote!(::model_core)),
            attr_errors,
            positional: attrs
                .positional
                .is_present()
                .then(|| attrs.positional.span()),
            named,
            fields,
            shape_error,
        }
    }

    /// Whether columns are read by position rather than by name.
    pub fn by_position(&self) -> bool {
        !self.named || self.positional.is_some()
    }
}

impl RowField {
    /// The column the field reads when rows are read by name: `rename`, or the field's name.
    pub fn column(&self) -> String {
        match (&self.rename, &self.ident) {
            (Some(rename), _) => rename.as_str().to_owned(),
            (None, Some(ident)) => unraw(ident),
            (None, None) => String::new(),
        }
    }
}
