//! Rules that span several fields of one struct. Each function states one rule and why it
//! exists, and pushes its errors onto the shared accumulator so the user sees all of them in
//! one compile.

use std::collections::HashMap;

use darling::error::Accumulator;
use darling::util::{PathList, SpannedValue};
use syn::spanned::Spanned;
use syn::{Generics, Ident};

use crate::ast::{Field, FieldKind};

/// Models are registered once, as concrete types, in a global registry; a generic struct has no
/// single table to register.
pub fn no_generics(errors: &mut Accumulator, generics: &Generics, derive: &str) {
    if !generics.params.is_empty() {
        errors.push(
            darling::Error::custom(format!(
                "#[derive({derive})] does not support generic parameters: each model is one \
                 concrete table registered at compile time"
            ))
            .with_span(&generics.params),
        );
    }
}

/// Rows are read, updated and deleted by primary key, so a model must declare one. A model with
/// flattened groups may get its key from a group; the runtime checks that case before any DDL.
pub fn has_primary_key(errors: &mut Accumulator, ident: &Ident, fields: &[Field]) {
    let has_key = fields.iter().any(|f| match &f.kind {
        FieldKind::Column(c) => c.primary_key.is_some(),
        FieldKind::Flatten => true,
        FieldKind::Skip => false,
    });
    if !has_key {
        errors.push(
            darling::Error::custom(format!(
                "model `{ident}` has no primary key; mark the key field with \
                 `#[column(primary_key)]` (several fields make a composite key)"
            ))
            .with_span(ident),
        );
    }
}

/// Two fields mapping to one column name would make the CREATE TABLE fail at run time; the
/// second one is reported, pointing at the name that collides.
pub fn unique_column_names(errors: &mut Accumulator, fields: &[Field]) {
    let mut seen: HashMap<&str, &Ident> = HashMap::new();
    for field in fields {
        let FieldKind::Column(column) = &field.kind else {
            continue;
        };
        if let Some(first) = seen.insert(column.name.as_str(), &field.ident) {
            errors.push(
                darling::Error::custom(format!(
                    "column `{}` is declared twice: field `{}` already maps to it; \
                     give one of them another `#[column(name = \"...\")]`",
                    column.name, first
                ))
                .with_span(&column.name_span),
            );
        }
    }
}

/// Each stored field gets a constant handle named in SCREAMING_SNAKE_CASE; two fields whose
/// names convert to the same handle (`user_id`, `userId`) would define it twice.
pub fn unique_handle_names(errors: &mut Accumulator, fields: &[Field]) {
    let mut seen: HashMap<String, &Ident> = HashMap::new();
    for field in fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Column(_)))
    {
        let handle = crate::ast::handle_name(&field.ident);
        if let Some(first) = seen.insert(handle.clone(), &field.ident) {
            errors.push(
                darling::Error::custom(format!(
                    "fields `{first}` and `{}` both get the column handle `{handle}`; rename one of them",
                    field.ident
                ))
                .with_span(&field.ident),
            );
        }
    }
}

/// `index(fields(...))` and `unique(fields(...))` name Rust fields; each must be a stored field
/// of this struct. Fields of flattened groups are not visible here, so when the struct has
/// groups an unknown name is left for the runtime check, which knows every column.
pub fn resolve_fields(
    errors: &mut Accumulator,
    fields: &[Field],
    wanted: &SpannedValue<PathList>,
    has_groups: bool,
) -> Vec<String> {
    if wanted.is_empty() {
        errors.push(
            darling::Error::custom("list at least one field, e.g. `fields(first_name, last_name)`")
                .with_span(&wanted.span()),
        );
    }
    let mut columns = Vec::new();
    for path in wanted.iter() {
        let Some(name) = path.get_ident() else {
            errors.push(darling::Error::custom("expected a field name").with_span(&path.span()));
            continue;
        };
        let field = fields
            .iter()
            .find(|f| f.ident == *name || *name == crate::ast::unraw(&f.ident));
        match field.map(|f| &f.kind) {
            Some(FieldKind::Column(column)) => columns.push(column.name.clone()),
            Some(FieldKind::Skip) => errors.push(
                darling::Error::custom(format!("field `{name}` is `skip`ped and has no column"))
                    .with_span(name),
            ),
            Some(FieldKind::Flatten) => errors.push(
                darling::Error::custom(format!(
                    "field `{name}` is a flattened group; name the group's fields instead"
                ))
                .with_span(name),
            ),
            None if has_groups => columns.push(crate::ast::unraw(name)),
            None => errors.push(
                darling::Error::custom(format!("no field `{name}` in this struct")).with_span(name),
            ),
        }
    }
    columns
}

/// An update checks and bumps one counter; two `version` columns would have to agree.
pub fn one_version_column(errors: &mut Accumulator, fields: &[Field]) {
    let mut versions = fields.iter().filter_map(|f| match &f.kind {
        FieldKind::Column(c) => c.version,
        _ => None,
    });
    versions.next();
    for span in versions {
        errors.push(
            darling::Error::custom(
                "a model has at most one `version` column; remove `version` from all but one field",
            )
            .with_span(&span),
        );
    }
}
