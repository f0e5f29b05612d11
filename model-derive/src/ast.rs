//! The validated description of a model or column group that code generation works from.
//!
//! Built from the darling receivers of `attr.rs`: names are resolved (snake_case table names,
//! unraw'd field names), defaults are applied, and `check.rs` has run. Expansion reads only these
//! types, never raw attributes.

use darling::util::SpannedValue;
use heck::ToShoutySnakeCase;
use proc_macro2::Span;
use syn::{Ident, Path, Type, Visibility};

use crate::attr::{self, FieldAttrs, GroupAttrs, ModelAttrs, ReferentialAction};
use crate::check;

/// A `#[derive(Model)]` struct.
pub struct Model {
    pub ident: Ident,
    pub vis: Visibility,
    pub krate: Path,
    pub table: String,
    pub bind: Option<String>,
    /// The collation of the table's text columns, where a column names none.
    pub collation: Option<String>,
    pub fields: Vec<Field>,
    pub indexes: Vec<Index>,
}

/// A `#[derive(ColumnGroup)]` struct.
pub struct Group {
    pub ident: Ident,
    pub krate: Path,
    pub fields: Vec<Field>,
}

/// One field of the struct, in declaration order.
pub struct Field {
    pub ident: Ident,
    pub vis: Visibility,
    pub ty: Type,
    pub kind: FieldKind,
}

/// What a field contributes to the table.
pub enum FieldKind {
    /// One column.
    Column(Box<Column>),
    /// The columns of a `ColumnGroup`, inlined.
    Flatten,
    /// Nothing: filled with `Default::default()` on read.
    Skip,
}

/// A column declared by a field.
pub struct Column {
    pub name: String,
    pub name_span: Span,
    pub primary_key: Option<Span>,
    pub autoincrement: Option<SpannedValue<bool>>,
    pub unique: bool,
    pub index: bool,
    /// `version`: the span of the key, for messages.
    pub version: Option<Span>,
    pub length: Option<SpannedValue<u32>>,
    pub collation: Option<SpannedValue<String>>,
    pub default: Option<Path>,
    pub server_default: Option<String>,
    pub onupdate: Option<Path>,
    pub foreign_key: Option<ForeignKey>,
}

/// `foreign_key = "table.column"` with its `on_delete`.
pub struct ForeignKey {
    pub table: String,
    pub column: String,
    pub on_delete: Option<ReferentialAction>,
}

/// A table-level index or unique constraint, with columns already resolved to column names.
pub struct Index {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub unique: bool,
    /// A `unique(...)` constraint rather than an `index(..., unique)`.
    pub constraint: bool,
}

impl Model {
    /// Validates the parsed attributes and builds the model; every problem found is reported.
    pub fn from_attrs(attrs: ModelAttrs) -> darling::Result<Self> {
        let mut errors = darling::Error::accumulator();
        check::no_generics(&mut errors, &attrs.generics, "Model");
        let fields = fields_from(&mut errors, attrs.data);

        // Names were checked while parsing (attr.rs).
        let table = match &attrs.table {
            Some(table) => table.as_str().to_owned(),
            None => table_name_for(&attrs.ident),
        };
        let bind = attrs.bind.map(|bind| bind.as_str().to_owned());

        check::has_primary_key(&mut errors, &attrs.ident, &fields);
        check::one_version_column(&mut errors, &fields);
        check::unique_column_names(&mut errors, &fields);
        check::unique_handle_names(&mut errors, &fields);
        let has_groups = fields.iter().any(|f| matches!(f.kind, FieldKind::Flatten));
        let mut indexes = Vec::new();
        for index in &attrs.index {
            let columns = check::resolve_fields(&mut errors, &fields, &index.fields, has_groups);
            let name = index.name.as_ref().map(|n| n.as_str().to_owned());
            indexes.push(Index {
                name,
                columns,
                unique: index.unique.is_present(),
                constraint: false,
            });
        }
        for unique in &attrs.unique {
            let columns = check::resolve_fields(&mut errors, &fields, &unique.fields, has_groups);
            let name = unique.name.as_ref().map(|n| n.as_str().to_owned());
            indexes.push(Index {
                name,
                columns,
                unique: true,
                constraint: true,
            });
        }

        let krate = attrs.krate.unwrap_or_else(default_crate);
        errors.finish_with(Model {
            ident: attrs.ident,
            vis: attrs.vis,
            krate,
            table,
            bind,
            collation: attrs.collation.map(|c| c.as_str().to_owned()),
            fields,
            indexes,
        })
    }
}

impl Group {
    /// Validates the parsed attributes and builds the group.
    pub fn from_attrs(attrs: GroupAttrs) -> darling::Result<Self> {
        let mut errors = darling::Error::accumulator();
        check::no_generics(&mut errors, &attrs.generics, "ColumnGroup");
        let fields = fields_from(&mut errors, attrs.data);
        check::unique_column_names(&mut errors, &fields);
        check::unique_handle_names(&mut errors, &fields);
        let krate = attrs.krate.unwrap_or_else(default_crate);
        errors.finish_with(Group {
            ident: attrs.ident,
            krate,
            fields,
        })
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

fn default_crate() -> Path {
    syn::parse_quote!(::model_core)
}

fn fields_from(
    errors: &mut darling::error::Accumulator,
    data: darling::ast::Data<darling::util::Ignored, FieldAttrs>,
) -> Vec<Field> {
    let Some(fields) = data.take_struct() else {
        // The shape was checked before parsing (`expand::check_shape`).
        return Vec::new();
    };
    fields
        .fields
        .into_iter()
        .filter_map(|f| {
            let Some(ident) = f.ident.clone() else {
                errors.push(darling::Error::custom("fields must be named").with_span(&f.ty));
                return None;
            };
            Some(field_from(ident, f))
        })
        .collect()
}

fn field_from(ident: Ident, f: FieldAttrs) -> Field {
    let kind = if f.skip.is_present() {
        FieldKind::Skip
    } else if f.flatten.is_present() {
        FieldKind::Flatten
    } else {
        let (name, name_span) = match &f.name {
            Some(name) => (name.as_str().to_owned(), name.span()),
            None => (unraw(&ident), ident.span()),
        };
        let foreign_key = f.foreign_key.as_ref().and_then(|fk| {
            let (table, column) = attr::parse_foreign_key(fk)?;
            Some(ForeignKey {
                table: table.to_owned(),
                column: column.to_owned(),
                on_delete: f.on_delete.as_ref().map(|a| **a),
            })
        });
        FieldKind::Column(Box::new(Column {
            name,
            name_span,
            primary_key: f.primary_key.is_present().then(|| f.primary_key.span()),
            autoincrement: f.autoincrement,
            unique: f.unique.is_present(),
            index: f.index.is_present(),
            version: f.version.is_present().then(|| f.version.span()),
            length: f.length,
            collation: f.collation,
            default: f.default,
            server_default: f.server_default.map(|s| s.into_inner()),
            onupdate: f.onupdate,
            foreign_key,
        }))
    };
    Field {
        ident,
        vis: f.vis,
        ty: f.ty,
        kind,
    }
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
