//! A database schema as a plain value: tables, columns, keys, indexes, foreign keys and enum
//! types, spelled as one backend spells them. Two sources produce it, so they can be compared:
//! the registered models rendered through a dialect ([`expected_schema`]), and a live
//! database read from its own catalog ([`Database::reflect`]). [`diff`] turns two of them into
//! ordered, classified operations; `check_schema` reports them.
//!
//! Types are compared as the backend spells them (`VARCHAR(80)`, `BIGINT`, `DATETIME(6)`), not
//! as the portable [`SqlType`](crate::SqlType): a database cannot say more than its own
//! spelling (SQLite stores both timestamp kinds as `DATETIME`, MySQL both as `DATETIME(6)`),
//! and a comparison in the backend's terms never reports a difference it cannot see.
//!
//! [`expected_schema`]: crate::dialect::expected_schema
//! [`Database::reflect`]: crate::Database::reflect

pub mod diff;
mod report;

pub use report::{BindReport, SchemaReport};

use crate::meta::ReferentialAction;

/// One bind's schema: its tables (sorted by name) and, on PostgreSQL, its enum types.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schema {
    /// The tables, sorted by name.
    pub tables: Vec<TableSchema>,
    /// The enum types that exist as types of their own (PostgreSQL's `CREATE TYPE ... AS
    /// ENUM`), sorted by name. Elsewhere a native enum's labels are on its column.
    pub enum_types: Vec<EnumTypeSchema>,
}

impl Schema {
    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&TableSchema> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The enum type named `name`.
    pub fn enum_type(&self, name: &str) -> Option<&EnumTypeSchema> {
        self.enum_types.iter().find(|t| t.name == name)
    }

    /// Puts tables, enum types and each table's indexes and foreign keys in their canonical
    /// order (by name), so two schemas read from different sources compare equal when they
    /// hold the same things.
    pub fn sorted(mut self) -> Schema {
        self.tables.sort_by(|a, b| a.name.cmp(&b.name));
        self.enum_types.sort_by(|a, b| a.name.cmp(&b.name));
        for table in &mut self.tables {
            table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
            table
                .foreign_keys
                .sort_by(|a, b| (&a.columns, &a.name).cmp(&(&b.columns, &b.name)));
        }
        self
    }
}

/// A table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableSchema {
    /// The table name.
    pub name: String,
    /// The columns, in table order.
    pub columns: Vec<ColumnSchema>,
    /// The primary key columns, in key order.
    pub primary_key: Vec<String>,
    /// Indexes and unique constraints, sorted by name.
    pub indexes: Vec<IndexSchema>,
    /// Foreign keys, sorted by column.
    pub foreign_keys: Vec<ForeignKeySchema>,
    /// The table's default collation, where the backend keeps one per table (MySQL/MariaDB).
    pub collation: Option<String>,
    /// The name the table had before, declared on the model (`renamed_from`): what lets a
    /// diff rename instead of dropping and creating. Never read from a database.
    pub renamed_from: Option<String>,
}

impl TableSchema {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnSchema> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The index or unique constraint named `name`.
    pub fn index(&self, name: &str) -> Option<&IndexSchema> {
        self.indexes.iter().find(|i| i.name == name)
    }
}

/// A column. Two columns are equal when their names, hints and definitions are
/// ([`ColumnSchema::same_definition`]: defaults compared as the backends' spellings normalize).
#[derive(Clone, Debug, Default)]
pub struct ColumnSchema {
    /// The column name.
    pub name: String,
    /// The type as the backend spells it, uppercase, no spaces inside its parentheses:
    /// `VARCHAR(80)`, `NUMERIC(10,2)`, `DATETIME(6)`; a PostgreSQL enum column names its type.
    pub data_type: String,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// The server-side default as SQL: as the model declares it, or as the backend reports it
    /// (`'draft'::character varying` on PostgreSQL), which is what a migration writes back.
    /// Compared through [`ColumnSchema::default_normalized`].
    pub default: Option<String>,
    /// Whether the database generates the column's values (identity, `AUTO_INCREMENT`,
    /// SQLite's rowid alias).
    pub autoincrement: bool,
    /// The column's own collation, when it differs from the table's or the backend's default.
    pub collation: Option<String>,
    /// The labels a native enum column accepts, in order (MySQL `ENUM(...)`, SQLite's
    /// `CHECK (... IN (...))`); on PostgreSQL they are the [`EnumTypeSchema`]'s.
    pub labels: Option<Vec<String>>,
    /// The name the column had before, declared on the model (`renamed_from`). Never read
    /// from a database.
    pub renamed_from: Option<String>,
}

impl ColumnSchema {
    /// The type without its arguments: `VARCHAR` of `VARCHAR(80)`.
    pub fn base_type(&self) -> &str {
        type_parts(&self.data_type).0
    }

    /// The type's numeric arguments: `[80]` of `VARCHAR(80)`, `[10, 2]` of `NUMERIC(10,2)`;
    /// empty when it has none (or they are not numbers, as an `ENUM`'s).
    pub fn type_arguments(&self) -> Vec<u32> {
        type_parts(&self.data_type).1
    }

    /// Everything but the name and the rename hint: what two columns must share to hold the
    /// same values the same way.
    pub fn same_definition(&self, other: &ColumnSchema) -> bool {
        self.data_type == other.data_type
            && self.nullable == other.nullable
            && self.default_normalized() == other.default_normalized()
            && self.autoincrement == other.autoincrement
            && self.collation == other.collation
            && self.labels == other.labels
    }

    /// The default as compared: without the parentheses SQLite and MySQL need around an
    /// expression, a literal's cast (`'x'::text`), the quotes PostgreSQL puts around a
    /// negative number, a decimal's trailing zeros (`1.50`), with the current-time keywords
    /// lowercased; a `NULL` default is no default.
    pub fn default_normalized(&self) -> Option<String> {
        self.default
            .as_deref()
            .map(canonical_default)
            .filter(|d| d != "null")
    }
}

impl PartialEq for ColumnSchema {
    fn eq(&self, other: &ColumnSchema) -> bool {
        self.name == other.name
            && self.renamed_from == other.renamed_from
            && self.same_definition(other)
    }
}

impl Eq for ColumnSchema {}

/// A type's base name and its numeric arguments.
fn type_parts(data_type: &str) -> (&str, Vec<u32>) {
    match data_type.split_once('(') {
        None => (data_type.trim(), Vec::new()),
        Some((base, rest)) => {
            let args = rest.trim_end_matches(')');
            let numbers: Option<Vec<u32>> =
                args.split(',').map(|a| a.trim().parse().ok()).collect();
            (base.trim(), numbers.unwrap_or_default())
        }
    }
}

/// An index, or a unique constraint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexSchema {
    /// The index or constraint name.
    pub name: String,
    /// The columns, in order.
    pub columns: Vec<String>,
    /// Whether it enforces uniqueness.
    pub unique: bool,
    /// Whether it is a `UNIQUE` constraint of the table rather than a `CREATE INDEX` (on
    /// MySQL/MariaDB, which do not tell them apart, every unique index is one).
    pub constraint: bool,
}

/// A foreign key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeignKeySchema {
    /// The constraint name.
    pub name: String,
    /// The referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub ref_table: String,
    /// The referenced columns.
    pub ref_columns: Vec<String>,
    /// What a delete of the referenced row does (`NO ACTION` when none was declared).
    pub on_delete: ReferentialAction,
}

/// An enum type of its own (PostgreSQL).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnumTypeSchema {
    /// The type name.
    pub name: String,
    /// The labels, in the type's order.
    pub labels: Vec<String>,
}

/// `data_type` as [`ColumnSchema::data_type`] holds it: uppercase outside quotes, runs of
/// white space made one space, none after `(` or `,` or before `)`.
pub(crate) fn canonical_type(data_type: &str) -> String {
    let mut out = String::with_capacity(data_type.len());
    let mut quoted = false;
    let mut pending_space = false;
    for c in data_type.trim().chars() {
        if quoted {
            out.push(c);
            if c == '\'' {
                quoted = false;
            }
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !matches!(c, '(' | ')' | ',') && !out.ends_with(['(', ',']) {
            out.push(' ');
        }
        pending_space = false;
        if c == '\'' {
            quoted = true;
        }
        out.extend(c.to_uppercase());
    }
    out
}

/// A server default as [`ColumnSchema::default`] holds it: without the parentheses around it
/// (SQLite and MySQL need them to write an expression), a literal's cast (`'x'::text`) or the
/// quotes around a number (`'-1'::integer`), trailing zeros of a decimal (`1.50`), and with the
/// current-time keywords lowercased.
pub(crate) fn canonical_default(sql: &str) -> String {
    let mut text = sql.trim();
    while let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        if !balanced(inner) {
            break;
        }
        text = inner.trim();
    }
    let mut text = text.to_owned();
    // `'literal'::type`: the cast PostgreSQL adds to a literal default.
    if text.starts_with('\'')
        && let Some(end) = closing_quote(&text)
        && text[end + 1..].starts_with("::")
    {
        text.truncate(end + 1);
    }
    // A number PostgreSQL wrote in quotes to cast it ('-1').
    if let Some(inner) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\''))
        && is_number(inner)
    {
        text = inner.to_owned();
    }
    if is_number(&text) && text.contains('.') && !text.contains(['e', 'E']) {
        let trimmed = text.trim_end_matches('0').trim_end_matches('.');
        text = trimmed.to_owned();
    }
    let lower = text.to_ascii_lowercase();
    // `current_timestamp(6)`, `now(3)`: MySQL's precision of the current time.
    let bare = lower
        .strip_suffix(')')
        .and_then(|t| t.rsplit_once('('))
        .filter(|(_, digits)| digits.chars().all(|c| c.is_ascii_digit()))
        .map_or(lower.as_str(), |(name, _)| name);
    if matches!(bare, "current_timestamp" | "now" | "localtimestamp") {
        return "current_timestamp".to_owned();
    }
    if matches!(
        lower.as_str(),
        "current_timestamp" | "current_timestamp()" | "now()" | "localtimestamp"
    ) {
        return "current_timestamp".to_owned();
    }
    if matches!(
        lower.as_str(),
        "true" | "false" | "null" | "current_date" | "current_time"
    ) {
        return lower;
    }
    text
}

/// Whether the parentheses of `text` (outside quotes) balance without closing below zero.
fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// The byte index of the quote closing the literal `text` opens (`''` inside is a quote).
fn closing_quote(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

/// `-?digits[.digits][e[+-]digits]`: a number as SQL writes one (not a date, not `1-2`).
fn is_number(text: &str) -> bool {
    let rest = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    !whole.is_empty() && digits(whole) && digits(fraction) && exponent_ok
}

/// The labels of an SQL list of quoted literals, `'a', 'b''s'`: `["a", "b's"]`. `None` when
/// `list` is anything else.
pub(crate) fn parse_labels(list: &str) -> Option<Vec<String>> {
    let mut labels = Vec::new();
    let mut rest = list.trim();
    if rest.is_empty() {
        return Some(labels);
    }
    loop {
        let body = rest.strip_prefix('\'')?;
        let end = closing_quote(rest)?;
        labels.push(body[..end - 1].replace("''", "'"));
        rest = rest[end + 1..].trim_start();
        if rest.is_empty() {
            return Some(labels);
        }
        rest = rest.strip_prefix(',')?.trim_start();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_spelled_one_way() {
        assert_eq!(canonical_type("numeric(10, 2)"), "NUMERIC(10,2)");
        assert_eq!(
            canonical_type(" character  varying( 80 ) "),
            "CHARACTER VARYING(80)"
        );
        assert_eq!(canonical_type("enum('a b', 'C')"), "ENUM('a b','C')");
        assert_eq!(canonical_type("DOUBLE PRECISION"), "DOUBLE PRECISION");
    }

    #[test]
    fn defaults_are_compared_without_wrapping() {
        assert_eq!(canonical_default("(0)"), "0");
        assert_eq!(canonical_default("('draft')"), "'draft'");
        assert_eq!(canonical_default("'draft'::character varying"), "'draft'");
        assert_eq!(canonical_default("'-1'::integer"), "-1");
        assert_eq!(canonical_default("1.50"), "1.5");
        assert_eq!(canonical_default("2.0"), "2");
        assert_eq!(
            canonical_default("(CURRENT_TIMESTAMP)"),
            "current_timestamp"
        );
        assert_eq!(canonical_default("now()"), "current_timestamp");
        assert_eq!(canonical_default("TRUE"), "true");
        assert_eq!(canonical_default("(1) + (2)"), "(1) + (2)");
        assert_eq!(canonical_default("'it''s'::text"), "'it''s'");
        // A date or a code is not a number: its quotes stay.
        assert_eq!(canonical_default("'2024-01-01'::date"), "'2024-01-01'");
        assert_eq!(canonical_default("'2024-01-01'"), "'2024-01-01'");
        assert_eq!(canonical_default("1e-3"), "1e-3");
    }

    #[test]
    fn label_lists_are_read_back() {
        assert_eq!(
            parse_labels("'a', 'b''s','c'").unwrap(),
            ["a", "b's", "c"].map(String::from)
        );
        assert_eq!(parse_labels("'a' 'b'"), None);
        assert_eq!(parse_labels("a"), None);
    }

    #[test]
    fn type_arguments_are_numbers() {
        let column = ColumnSchema {
            data_type: "NUMERIC(10,2)".into(),
            ..ColumnSchema::default()
        };
        assert_eq!(column.base_type(), "NUMERIC");
        assert_eq!(column.type_arguments(), [10, 2]);
    }
}
