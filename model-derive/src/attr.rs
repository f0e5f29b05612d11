//! Attribute parsing: `#[model(...)]` on the struct and `#[column(...)]` on its fields, read with
//! darling into plain structs.
//!
//! Nothing here builds tokens. Rules that concern one field alone are checked while that field is
//! parsed (`FieldAttrs::validate`), so darling reports them together with unknown keys on other
//! fields; rules that span fields live in `check.rs`.

use darling::util::{Flag, PathList, SpannedValue};
use darling::{FromDeriveInput, FromField, FromMeta};
use syn::{Expr, Ident, Lit, Path, Type, Visibility};

/// `#[model(...)]` on a `#[derive(Model)]` struct.
#[derive(FromDeriveInput)]
#[darling(attributes(model))]
pub struct ModelAttrs {
    pub ident: Ident,
    pub vis: Visibility,
    pub generics: syn::Generics,
    pub data: darling::ast::Data<darling::util::Ignored, FieldAttrs>,
    /// `table = "name"`: the table name; default is the struct name in snake_case.
    #[darling(default, with = table_name)]
    pub table: Option<SpannedValue<String>>,
    /// `bind = "key"`: the database the table lives in; default is the default database.
    #[darling(default, with = bind_key)]
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
    #[darling(default, with = collation_name)]
    pub collation: Option<SpannedValue<String>>,
}

/// `#[column_group(...)]` on a `#[derive(ColumnGroup)]` struct: a reusable set of columns.
#[derive(FromDeriveInput)]
#[darling(attributes(column_group))]
pub struct GroupAttrs {
    pub ident: Ident,
    pub generics: syn::Generics,
    pub data: darling::ast::Data<darling::util::Ignored, FieldAttrs>,
    /// `crate = "path"`: where `model_core` is.
    #[darling(rename = "crate")]
    pub krate: Option<Path>,
}

/// `index(...)` inside `#[model(...)]`.
#[derive(FromMeta)]
pub struct IndexAttrs {
    /// The fields (Rust names) the index covers, in order.
    pub fields: SpannedValue<PathList>,
    /// The index name; default `ix_<table>_<columns>`.
    #[darling(default, with = index_name)]
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
    #[darling(default, with = index_name)]
    pub name: Option<SpannedValue<String>>,
}

/// `#[column(...)]` on one field.
#[derive(FromField)]
#[darling(attributes(column), and_then = FieldAttrs::validate)]
pub struct FieldAttrs {
    pub ident: Option<Ident>,
    pub vis: Visibility,
    pub ty: Type,
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
    /// `collation = "name"`: the column's collation; strings only.
    #[darling(default, with = collation_name)]
    pub collation: Option<SpannedValue<String>>,
    /// `name = "..."`: the column name; default is the field name.
    #[darling(default, with = column_name)]
    pub name: Option<SpannedValue<String>>,
    /// `default = path::to::fn`: client-side default.
    pub default: Option<Path>,
    /// `server_default = "SQL"`: the column's DEFAULT clause.
    #[darling(default, with = sql_literal)]
    pub server_default: Option<SpannedValue<String>>,
    /// `onupdate = path::to::fn`: value written on every update.
    pub onupdate: Option<Path>,
    /// `foreign_key = "table.column"`.
    pub foreign_key: Option<SpannedValue<String>>,
    /// `on_delete = "cascade"` and friends, with `foreign_key`.
    pub on_delete: Option<SpannedValue<ReferentialAction>>,
    /// Not stored: the field is filled with `Default::default()` when a row is read.
    pub skip: Flag,
    /// The field's type derives `ColumnGroup`; its columns are inlined here.
    pub flatten: Flag,
}

/// What happens to referencing rows when the referenced row is deleted.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReferentialAction {
    Cascade,
    SetNull,
    SetDefault,
    Restrict,
    NoAction,
}

const ACTIONS: &[(&str, ReferentialAction)] = &[
    ("cascade", ReferentialAction::Cascade),
    ("set_null", ReferentialAction::SetNull),
    ("set_default", ReferentialAction::SetDefault),
    ("restrict", ReferentialAction::Restrict),
    ("no_action", ReferentialAction::NoAction),
];

impl FromMeta for ReferentialAction {
    fn from_string(value: &str) -> darling::Result<Self> {
        let wanted = value.to_ascii_lowercase().replace([' ', '-'], "_");
        ACTIONS
            .iter()
            .find(|(name, _)| *name == wanted)
            .map(|(_, action)| *action)
            .ok_or_else(|| {
                darling::Error::unknown_value_with_alts(value, ACTIONS.iter().map(|(name, _)| name))
            })
    }
}

/// A name parsed and checked while parsing, so that its error is reported together with the
/// errors of every field (checks after parsing only run when parsing succeeded).
fn checked_string(
    meta: &syn::Meta,
    problem: fn(&str) -> Option<String>,
    what: &str,
) -> darling::Result<Option<SpannedValue<String>>> {
    let value = SpannedValue::<String>::from_meta(meta)?;
    match problem(&value) {
        Some(problem) => {
            Err(darling::Error::custom(format!("invalid {what}: {problem}"))
                .with_span(&value.span()))
        }
        None => Ok(Some(value)),
    }
}

fn table_name(meta: &syn::Meta) -> darling::Result<Option<SpannedValue<String>>> {
    checked_string(meta, identifier_problem, "`table` name")
}

fn bind_key(meta: &syn::Meta) -> darling::Result<Option<SpannedValue<String>>> {
    checked_string(meta, bind_problem, "`bind` key")
}

fn column_name(meta: &syn::Meta) -> darling::Result<Option<SpannedValue<String>>> {
    checked_string(meta, identifier_problem, "column `name`")
}

fn collation_name(meta: &syn::Meta) -> darling::Result<Option<SpannedValue<String>>> {
    checked_string(meta, identifier_problem, "`collation`")
}

fn index_name(meta: &syn::Meta) -> darling::Result<Option<SpannedValue<String>>> {
    checked_string(meta, identifier_problem, "index `name`")
}

/// `server_default` must be a string literal holding SQL: anything else is most likely a Rust
/// expression meant for `default`, so the message says which key to use.
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

impl FieldAttrs {
    /// Rules about one field alone. Each error points at the key that breaks the rule.
    fn validate(self) -> darling::Result<Self> {
        let mut errors = darling::Error::accumulator();

        // A skipped field has no column, so column options on it would be silently ignored.
        if self.skip.is_present() && self.has_column_options() {
            errors.push(
                darling::Error::custom(
                    "`skip` leaves the field out of the table, so it cannot take column options; \
                     remove `skip` or the other keys",
                )
                .with_span(&self.skip.span()),
            );
        }
        // A flattened group brings its own column options.
        if self.flatten.is_present() && (self.skip.is_present() || self.has_column_options()) {
            errors.push(
                darling::Error::custom(
                    "`flatten` inlines the columns of a `#[derive(ColumnGroup)]` type, which carry \
                     their own options; put the options on the group's fields instead",
                )
                .with_span(&self.flatten.span()),
            );
        }
        if let Some(length) = &self.length
            && **length == 0
        {
            errors.push(
                darling::Error::custom(
                    "`length` must be at least 1; leave it out for an unbounded TEXT column",
                )
                .with_span(&length.span()),
            );
        }
        if let Some(fk) = &self.foreign_key
            && parse_foreign_key(fk).is_none()
        {
            errors.push(
                darling::Error::custom(format!(
                    "malformed `foreign_key = \"{}\"`: write the referenced table and column \
                         as \"table.column\", e.g. `foreign_key = \"user.id\"`",
                    fk.as_str()
                ))
                .with_span(&fk.span()),
            );
        }
        if let (Some(action), None) = (&self.on_delete, &self.foreign_key) {
            errors.push(
                darling::Error::custom(
                    "`on_delete` needs a `foreign_key = \"table.column\"` on the same field",
                )
                .with_span(&action.span()),
            );
        }
        if self.version.is_present() && self.primary_key.is_present() {
            errors.push(
                darling::Error::custom(
                    "a `version` column counts the updates of a row and cannot be part of its \
                     primary key; put `version` on a field of its own",
                )
                .with_span(&self.version.span()),
            );
        }
        if let Some(auto) = &self.autoincrement
            && **auto
            && !self.primary_key.is_present()
        {
            errors.push(
                darling::Error::custom(
                    "`autoincrement` applies to an integer primary key; add `primary_key` \
                         or remove `autoincrement`",
                )
                .with_span(&auto.span()),
            );
        }
        errors.finish_with(self)
    }

    fn has_column_options(&self) -> bool {
        self.primary_key.is_present()
            || self.autoincrement.is_some()
            || self.unique.is_present()
            || self.index.is_present()
            || self.version.is_present()
            || self.length.is_some()
            || self.collation.is_some()
            || self.name.is_some()
            || self.default.is_some()
            || self.server_default.is_some()
            || self.onupdate.is_some()
            || self.foreign_key.is_some()
            || self.on_delete.is_some()
    }
}

/// Splits `"table.column"`; `None` unless both parts are present, non-empty and valid names.
pub fn parse_foreign_key(value: &str) -> Option<(&str, &str)> {
    let (table, column) = value.split_once('.')?;
    if column.contains('.')
        || identifier_problem(table).is_some()
        || identifier_problem(column).is_some()
    {
        return None;
    }
    Some((table.trim(), column.trim()))
}

/// Why a table, column or index name cannot be used, if it cannot. Quotes, spaces and reserved
/// words are fine (identifiers are always quoted); what no backend can store is not.
pub fn identifier_problem(name: &str) -> Option<String> {
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

/// Why a bind key cannot be used, if it cannot. Keys appear in `DATABASE_BINDS` as `key=url`
/// separated by whitespace, so they are kept to letters, digits, `_`, `-` and `.`.
pub fn bind_problem(key: &str) -> Option<String> {
    if key.is_empty() {
        Some("it is empty; leave `bind` out for the default database".to_owned())
    } else {
        key.chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .map(|bad| {
                format!("it contains {bad:?}; bind keys use letters, digits, `_`, `-` and `.`")
            })
    }
}
