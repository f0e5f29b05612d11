//! Every rule the derives enforce before generating code, run on the finished description of the
//! struct (`ast.rs`).
//!
//! All errors are collected, each at the span of what breaks the rule, so the user sees every
//! mistake of a struct in one compile. They are reported in reading order: the container
//! attribute, the struct's generics, each field in turn (darling's error about its attribute, or
//! the rules about it alone), then the rules that span fields. Rules about a field's *type*
//! (`length` on a non-string, a nullable primary key, ...) are not here: the compiler checks
//! them through the trait bounds that `expand.rs` emits, also when this module found errors.

use std::collections::HashMap;

use darling::error::Accumulator;
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Generics, Ident};

use crate::ast::{Column, Field, FieldKind, Group, Index, Model, handle_name, split_foreign_key};
use crate::attr::ForeignKeyTarget;

/// Only structs with named fields map to tables; say so at the keyword, in the user's terms.
/// Runs on the input itself, before the description is built, since that needs named fields.
pub fn shape(input: &DeriveInput, derive: &str) -> darling::Result<()> {
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

/// Every rule about a `#[derive(Model)]` struct; `Err` holds all the errors found.
pub fn model(model: &Model) -> darling::Result<()> {
    let mut errors = darling::Error::accumulator();
    if let Some(error) = &model.attr_error {
        errors.push(error.clone());
    }
    if let Some(table) = &model.table {
        name(&mut errors, table.as_str(), table.span(), "`table` name");
    }
    if let Some(bind) = &model.bind {
        bind_key(&mut errors, bind.as_str(), bind.span());
    }
    if let Some(collation) = &model.collation {
        name(
            &mut errors,
            collation.as_str(),
            collation.span(),
            "`collation`",
        );
    }
    if let Some(old) = &model.renamed_from {
        name(&mut errors, old.as_str(), old.span(), "`renamed_from`");
    }
    for index in &model.indexes {
        if let Some(index_name) = &index.name {
            name(
                &mut errors,
                index_name.as_str(),
                index_name.span(),
                "index `name`",
            );
        }
    }
    no_generics(&mut errors, &model.generics, "Model");
    fields(&mut errors, &model.fields);
    has_primary_key(&mut errors, &model.ident, &model.fields);
    one_version_column(&mut errors, &model.fields);
    unique_column_names(&mut errors, &model.fields);
    unique_handle_names(&mut errors, &model.fields);
    for index in &model.indexes {
        index_fields(&mut errors, &model.fields, index);
    }
    for many in &model.many_to_many {
        if let Some(table) = &many.table {
            name(
                &mut errors,
                table.as_str(),
                table.span(),
                "association `table` name",
            );
        }
    }
    crate::relation::check(&mut errors, model);
    errors.finish()
}

/// Every rule about a `#[derive(ColumnGroup)]` struct; `Err` holds all the errors found.
pub fn group(group: &Group) -> darling::Result<()> {
    let mut errors = darling::Error::accumulator();
    if let Some(error) = &group.attr_error {
        errors.push(error.clone());
    }
    no_generics(&mut errors, &group.generics, "ColumnGroup");
    fields(&mut errors, &group.fields);
    unique_column_names(&mut errors, &group.fields);
    unique_handle_names(&mut errors, &group.fields);
    for field in &group.fields {
        if let Some(name) = &field.column.belongs_to {
            errors.push(
                darling::Error::custom(
                    "a relationship belongs to a model: declare `belongs_to` on the field of \
                     the model, not of a column group",
                )
                .with_span(name),
            );
        }
    }
    errors.finish()
}

/// Models are registered once, as concrete types, in a global registry; a generic struct has no
/// single table to register.
fn no_generics(errors: &mut Accumulator, generics: &Generics, derive: &str) {
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

/// Each field in turn: darling's error about its attribute, then the rules about the field
/// alone, each error pointing at the key that breaks the rule. The rules also run on the keys
/// read from a faulty attribute, so its other mistakes show up in the same compile.
fn fields(errors: &mut Accumulator, fields: &[Field]) {
    for field in fields {
        if let Some(error) = &field.attr_error {
            errors.push(error.clone());
        }
        one_field(errors, field);
    }
}

fn one_field(errors: &mut Accumulator, field: &Field) {
    let column = &field.column;
    if let Some(column_name) = &column.name {
        name(
            errors,
            column_name.as_str(),
            column_name.span(),
            "column `name`",
        );
    }
    if let Some(collation) = &column.collation {
        name(errors, collation.as_str(), collation.span(), "`collation`");
    }
    if let Some(old) = &column.renamed_from {
        name(errors, old.as_str(), old.span(), "`renamed_from`");
    }
    // A skipped field has no column, so column options on it would be silently ignored.
    if let Some(skip) = field.skip
        && column.has_options()
    {
        errors.push(
            darling::Error::custom(
                "`skip` leaves the field out of the table, so it cannot take column options; \
                 remove `skip` or the other keys",
            )
            .with_span(&skip),
        );
    }
    // A flattened group brings its own column options.
    if let Some(flatten) = field.flatten
        && (field.skip.is_some() || column.has_options())
    {
        errors.push(
            darling::Error::custom(
                "`flatten` inlines the columns of a `#[derive(ColumnGroup)]` type, which carry \
                 their own options; put the options on the group's fields instead",
            )
            .with_span(&flatten),
        );
    }
    if let Some(length) = &column.length
        && **length == 0
    {
        errors.push(
            darling::Error::custom(
                "`length` must be at least 1; leave it out for an unbounded TEXT column",
            )
            .with_span(&length.span()),
        );
    }
    numeric(errors, column);
    match &column.foreign_key {
        Some(ForeignKeyTarget::Text(fk)) if !well_formed_foreign_key(fk.as_str()) => {
            errors.push(
                darling::Error::custom(format!(
                    "malformed `foreign_key = \"{}\"`: write the referenced column's handle, \
                     e.g. `foreign_key = User::ID`, or the table and column as \
                     \"table.column\", e.g. `foreign_key = \"user.id\"`",
                    fk.as_str()
                ))
                .with_span(&fk.span()),
            );
        }
        Some(ForeignKeyTarget::Handle(path)) if path.path.segments.len() < 2 => {
            errors.push(
                darling::Error::custom(
                    "`foreign_key` names a column handle: the model and the column, \
                     `foreign_key = User::ID`",
                )
                .with_span(path),
            );
        }
        _ => {}
    }
    if let (Some(action), None) = (&column.on_delete, &column.foreign_key) {
        errors.push(
            darling::Error::custom(
                "`on_delete` needs a `foreign_key = User::ID` (or `\"table.column\"`) on the \
                 same field",
            )
            .with_span(&action.span()),
        );
    }
    if let (Some(version), Some(_)) = (column.version, column.primary_key) {
        errors.push(
            darling::Error::custom(
                "a `version` column counts the updates of a row and cannot be part of its \
                 primary key; put `version` on a field of its own",
            )
            .with_span(&version),
        );
    }
    if let Some(auto) = &column.autoincrement
        && **auto
        && column.primary_key.is_none()
    {
        errors.push(
            darling::Error::custom(
                "`autoincrement` applies to an integer primary key; add `primary_key` \
                 or remove `autoincrement`",
            )
            .with_span(&auto.span()),
        );
    }
}

/// Rows are read, updated and deleted by primary key, so a model must declare one. A model with
/// flattened groups may get its key from a group; the runtime checks that case before any DDL.
/// A field whose attribute could not be read may be the key, so it counts as one here.
fn has_primary_key(errors: &mut Accumulator, ident: &Ident, fields: &[Field]) {
    let has_key = fields.iter().any(|f| match f.kind() {
        FieldKind::Column => f.column.primary_key.is_some(),
        FieldKind::Flatten | FieldKind::Invalid => true,
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
fn unique_column_names(errors: &mut Accumulator, fields: &[Field]) {
    let mut seen: HashMap<String, &Ident> = HashMap::new();
    for field in fields {
        let Some(column) = field.column_name() else {
            continue;
        };
        if let Some(first) = seen.insert(column.clone(), &field.ident) {
            errors.push(
                darling::Error::custom(format!(
                    "column `{column}` is declared twice: field `{first}` already maps to it; \
                     give one of them another `#[column(name = \"...\")]`",
                ))
                .with_span(&field.column_name_span()),
            );
        }
    }
}

/// Each stored field gets a constant handle named in SCREAMING_SNAKE_CASE; two fields whose
/// names convert to the same handle (`user_id`, `userId`) would define it twice.
fn unique_handle_names(errors: &mut Accumulator, fields: &[Field]) {
    let mut seen: HashMap<String, &Ident> = HashMap::new();
    for field in fields.iter().filter(|f| f.kind() == FieldKind::Column) {
        let handle = handle_name(&field.ident);
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

/// An update checks and bumps one counter; two `version` columns would have to agree.
fn one_version_column(errors: &mut Accumulator, fields: &[Field]) {
    let mut versions = fields
        .iter()
        .filter(|f| f.kind() == FieldKind::Column)
        .filter_map(|f| f.column.version);
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

/// `index(fields(...))` and `unique(fields(...))` name Rust fields; each must be a stored field
/// of this struct. Fields of flattened groups are not visible here, so when the struct has
/// groups an unknown name is left for the runtime check, which knows every column; so it is when
/// a field's attribute could not be read (it may be a group).
fn index_fields(errors: &mut Accumulator, fields: &[Field], index: &Index) {
    if index.fields.is_empty() {
        errors.push(
            darling::Error::custom("list at least one field, e.g. `fields(first_name, last_name)`")
                .with_span(&index.fields_span),
        );
    }
    let may_have_groups = fields
        .iter()
        .any(|f| matches!(f.kind(), FieldKind::Flatten | FieldKind::Invalid));
    for path in &index.fields {
        let Some(name) = path.get_ident() else {
            errors.push(darling::Error::custom("expected a field name").with_span(&path.span()));
            continue;
        };
        let problem = match fields.iter().find(|f| f.is_named(name)).map(Field::kind) {
            Some(FieldKind::Column | FieldKind::Invalid) => continue,
            Some(FieldKind::Skip) => format!("field `{name}` is `skip`ped and has no column"),
            Some(FieldKind::Flatten) => {
                format!("field `{name}` is a flattened group; name the group's fields instead")
            }
            None if may_have_groups => continue,
            None => format!("no field `{name}` in this struct"),
        };
        errors.push(darling::Error::custom(problem).with_span(name));
    }
}

/// A table, column, index or collation name as written, checked with [`identifier_problem`].
fn name(errors: &mut Accumulator, value: &str, span: Span, what: &str) {
    if let Some(problem) = identifier_problem(value) {
        errors.push(darling::Error::custom(format!("invalid {what}: {problem}")).with_span(&span));
    }
}

/// `foreign_key = "table.column"`: one dot between two usable names.
fn well_formed_foreign_key(value: &str) -> bool {
    split_foreign_key(value).is_some_and(|(table, column)| {
        identifier_problem(table).is_none() && identifier_problem(column).is_none()
    })
}

/// Why a table, column or index name cannot be used, if it cannot. Quotes, spaces and reserved
/// words are fine (identifiers are always quoted); what no backend can store is not.
fn identifier_problem(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        Some("it is empty".to_owned())
    } else if name.trim() != name {
        Some("it starts or ends with whitespace, which MySQL does not allow in names".to_owned())
    } else if name.contains('\0') {
        Some("it contains a NUL character".to_owned())
    } else if name.len() > 63 {
        Some(format!(
            "it is {} bytes long and PostgreSQL keeps at most 63 (MySQL 64)",
            name.len()
        ))
    } else {
        None
    }
}

/// Keys appear in `DATABASE_BINDS` as `key=url` separated by whitespace, so they are kept to
/// letters, digits, `_`, `-` and `.`.
fn bind_key(errors: &mut Accumulator, key: &str, span: Span) {
    let problem = if key.is_empty() {
        Some("it is empty; leave `bind` out for the default database".to_owned())
    } else {
        key.chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .map(|bad| {
                format!("it contains {bad:?}; bind keys use letters, digits, `_`, `-` and `.`")
            })
    };
    if let Some(problem) = problem {
        errors.push(
            darling::Error::custom(format!("invalid `bind` key: {problem}")).with_span(&span),
        );
    }
}

/// `precision` and `scale` of a decimal column: what `rust_decimal` can hold, the scale within
/// the precision, and no scale alone.
fn numeric(errors: &mut Accumulator, column: &Column) {
    if let Some(precision) = &column.precision
        && !(1..=28).contains(&**precision)
    {
        errors.push(
            darling::Error::custom(
                "`precision` must be 1 to 28: a rust_decimal::Decimal holds at most 28 \
                 significant digits, so a wider column could store values it cannot read",
            )
            .with_span(&precision.span()),
        );
    }
    match (&column.precision, &column.scale) {
        (None, Some(scale)) => errors.push(
            darling::Error::custom(
                "`scale` needs a `precision` too: `#[column(precision = 12, scale = 2)]` \
                 holds 12 digits, 2 after the point",
            )
            .with_span(&scale.span()),
        ),
        (Some(precision), Some(scale)) if **scale > **precision => errors.push(
            darling::Error::custom(format!(
                "`scale` ({}) cannot exceed `precision` ({}): the scale counts the digits after \
                 the point among the precision's digits",
                **scale, **precision
            ))
            .with_span(&scale.span()),
        ),
        _ => {}
    }
}
