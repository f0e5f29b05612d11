//! Every rule of `#[derive(ColumnType)]`, all reported at once, each at its span.

use std::collections::HashMap;

use darling::error::Accumulator;

use super::ast::{CASES, STORAGES, Shape, Storage, TypeDef};

/// Every rule about the type; `Err` holds all the errors found.
pub fn type_def(def: &TypeDef) -> darling::Result<()> {
    let mut errors = darling::Error::accumulator();
    for error in &def.attr_errors {
        errors.push(error.clone());
    }
    if let Some(param) = def.generics.params.first() {
        errors.push(
            darling::Error::custom(
                "#[derive(ColumnType)] does not support generic types: a column has one type",
            )
            .with_span(param),
        );
    }
    if let Some(storage) = &def.storage
        && !STORAGES.iter().any(|(name, _)| *name == storage.as_str())
    {
        errors.push(
            darling::Error::unknown_value_with_alts(
                storage.as_str(),
                STORAGES.iter().map(|(name, _)| name),
            )
            .with_span(&storage.span()),
        );
    }
    if let Some(case) = &def.rename_all
        && !CASES.iter().any(|(name, _)| *name == case.as_str())
    {
        errors.push(
            darling::Error::unknown_value_with_alts(case.as_str(), CASES.iter().map(|(n, _)| n))
                .with_span(&case.span()),
        );
    }
    if let Some(name) = &def.name
        && !is_plain_identifier(name.as_str())
    {
        errors.push(
            darling::Error::custom(
                "the enum type's `name` must be a lowercase SQL identifier (letters a-z, digits \
                 and `_`, not starting with a digit), which every backend reads the same way",
            )
            .with_span(&name.span()),
        );
    }
    match &def.shape {
        Shape::Other(span, problem) => {
            errors.push(
                darling::Error::custom(format!("#[derive(ColumnType)]: {problem}")).with_span(span),
            );
        }
        Shape::Newtype(_) => newtype(&mut errors, def),
        Shape::Enum(_) => enumeration(&mut errors, def),
    }
    errors.finish()
}

/// A newtype takes its inner type's column: no enum options apply.
fn newtype(errors: &mut Accumulator, def: &TypeDef) {
    let options = [
        (&def.storage, "storage"),
        (&def.rename_all, "rename_all"),
        (&def.name, "name"),
    ];
    for (option, key) in options {
        if let Some(option) = option {
            errors.push(
                darling::Error::custom(format!(
                    "`{key}` applies to enums; a newtype is stored as its inner type"
                ))
                .with_span(&option.span()),
            );
        }
    }
}

fn enumeration(errors: &mut Accumulator, def: &TypeDef) {
    let Shape::Enum(variants) = &def.shape else {
        return;
    };
    if variants.is_empty() {
        errors.push(
            darling::Error::custom(
                "#[derive(ColumnType)]: an enum with no variants has no value to store",
            )
            .with_span(&def.ident),
        );
    }
    let storage = def.storage();
    if storage != Storage::Native
        && let Some(name) = &def.name
    {
        errors.push(
            darling::Error::custom(
                "`name` is the name of a native enum type; add `storage = \"native\"` or \
                 remove it",
            )
            .with_span(&name.span()),
        );
    }
    if storage == Storage::Integer
        && let Some(case) = &def.rename_all
    {
        errors.push(
            darling::Error::custom(
                "`rename_all` names labels; an enum stored as integers stores its discriminants",
            )
            .with_span(&case.span()),
        );
    }
    let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
    for variant in variants {
        if let Some(span) = variant.fields {
            errors.push(
                darling::Error::custom(format!(
                    "#[derive(ColumnType)] stores a fieldless enum as one value per variant, and \
                     variant `{}` holds data; store the data in columns of their own (a \
                     `ColumnGroup`), or as `Json<T>`",
                    variant.ident
                ))
                .with_span(&span),
            );
        }
        match storage {
            Storage::Integer => {
                if variant.discriminant.is_none() {
                    errors.push(
                        darling::Error::custom(format!(
                            "an enum stored as integers stores each variant's discriminant, so \
                             every variant needs one written out: `{} = 1`; reordering the \
                             variants can then never change what the stored numbers mean",
                            variant.ident
                        ))
                        .with_span(&variant.ident),
                    );
                }
                if let Some(rename) = &variant.rename {
                    errors.push(
                        darling::Error::custom(
                            "`rename` names a label; an enum stored as integers stores its \
                             discriminants",
                        )
                        .with_span(&rename.span()),
                    );
                }
            }
            Storage::Text | Storage::Native => {
                let label = def.label(variant);
                let span = variant
                    .rename
                    .as_ref()
                    .map_or(variant.ident.span(), |r| r.span());
                if label.is_empty() {
                    errors.push(darling::Error::custom("a label cannot be empty").with_span(&span));
                }
                if storage == Storage::Native && label.len() > 63 {
                    errors.push(
                        darling::Error::custom(format!(
                            "a native enum's labels are at most 63 bytes (PostgreSQL's limit), \
                             and \"{label}\" has {}; give it a shorter `rename`",
                            label.len()
                        ))
                        .with_span(&span),
                    );
                }
                if let Some(first) = seen.get(&label) {
                    errors.push(
                        darling::Error::custom(format!(
                            "variants `{first}` and `{}` are both stored as \"{label}\", so a \
                             stored \"{label}\" could not be read back; give one another \
                             `rename`",
                            variant.ident
                        ))
                        .with_span(&span),
                    );
                } else {
                    seen.insert(label, &variant.ident);
                }
            }
        }
    }
}

/// Whether `name` is `[a-z_][a-z0-9_]*`, the form `EnumType::new` accepts.
fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
