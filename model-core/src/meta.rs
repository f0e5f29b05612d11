//! Table metadata: what `#[derive(Model)]` knows about a table, as `'static` data built at
//! compile time. Everything here is const-constructible because the registry (`inventory`)
//! needs plain statics; the constructors are used by generated code.

use std::fmt;

use crate::sql_cache::SqlCache;
use crate::sql_type::SqlType;
use crate::value::Value;

/// What happens to referencing rows when the referenced row is deleted (`ON DELETE ...`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ReferentialAction {
    /// `CASCADE`: delete the referencing rows too.
    Cascade,
    /// `SET NULL`.
    SetNull,
    /// `SET DEFAULT`.
    SetDefault,
    /// `RESTRICT`: refuse the delete.
    Restrict,
    /// `NO ACTION`: refuse the delete at the end of the statement.
    NoAction,
}

impl ReferentialAction {
    /// The SQL keywords.
    pub const fn sql(self) -> &'static str {
        match self {
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::SetNull => "SET NULL",
            ReferentialAction::SetDefault => "SET DEFAULT",
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::NoAction => "NO ACTION",
        }
    }
}

/// `foreign_key = "table.column"`: a reference to a column of another (or the same) table.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ForeignKey {
    table: &'static str,
    column: &'static str,
    on_delete: Option<ReferentialAction>,
}

impl ForeignKey {
    pub(crate) const fn new(
        table: &'static str,
        column: &'static str,
        on_delete: Option<ReferentialAction>,
    ) -> Self {
        ForeignKey {
            table,
            column,
            on_delete,
        }
    }
    /// The referenced table.
    pub const fn table(&self) -> &'static str {
        self.table
    }
    /// The referenced column.
    pub const fn column(&self) -> &'static str {
        self.column
    }
    /// The `ON DELETE` action, if one was given.
    pub const fn on_delete(&self) -> Option<ReferentialAction> {
        self.on_delete
    }
}

/// One column, in the order the struct declares it.
#[derive(Clone, Copy)]
pub struct ColumnDef {
    name: &'static str,
    field: &'static str,
    sql_type: SqlType,
    nullable: bool,
    primary_key: bool,
    autoincrement: Option<bool>,
    unique: bool,
    index: bool,
    version: bool,
    length: Option<u32>,
    /// `precision` and `scale` of a decimal column.
    numeric: Option<(u32, Option<u32>)>,
    collation: Option<&'static str>,
    default: Option<fn() -> Value>,
    server_default: Option<&'static str>,
    onupdate: Option<fn() -> Value>,
    foreign_key: Option<ForeignKey>,
}

// Builders used by `__private::column`.
impl ColumnDef {
    pub(crate) const fn new(
        name: &'static str,
        field: &'static str,
        sql_type: SqlType,
        nullable: bool,
    ) -> Self {
        ColumnDef {
            name,
            field,
            sql_type,
            nullable,
            primary_key: false,
            autoincrement: None,
            unique: false,
            index: false,
            version: false,
            length: None,
            numeric: None,
            collation: None,
            default: None,
            server_default: None,
            onupdate: None,
            foreign_key: None,
        }
    }
    pub(crate) const fn with_primary_key(mut self) -> Self {
        self.primary_key = true;
        self
    }
    pub(crate) const fn with_autoincrement(mut self, on: bool) -> Self {
        self.autoincrement = Some(on);
        self
    }
    pub(crate) const fn with_unique(mut self) -> Self {
        self.unique = true;
        self
    }
    pub(crate) const fn with_index(mut self) -> Self {
        self.index = true;
        self
    }
    pub(crate) const fn with_version(mut self) -> Self {
        self.version = true;
        self
    }
    pub(crate) const fn with_length(mut self, length: u32) -> Self {
        self.length = Some(length);
        self
    }
    pub(crate) const fn with_precision(mut self, precision: u32, scale: Option<u32>) -> Self {
        self.numeric = Some((precision, scale));
        self
    }
    pub(crate) const fn with_collation(mut self, collation: &'static str) -> Self {
        self.collation = Some(collation);
        self
    }
    pub(crate) const fn with_default(mut self, f: fn() -> Value) -> Self {
        self.default = Some(f);
        self
    }
    pub(crate) const fn with_server_default(mut self, sql: &'static str) -> Self {
        self.server_default = Some(sql);
        self
    }
    pub(crate) const fn with_onupdate(mut self, f: fn() -> Value) -> Self {
        self.onupdate = Some(f);
        self
    }
    pub(crate) const fn with_foreign_key(mut self, fk: ForeignKey) -> Self {
        self.foreign_key = Some(fk);
        self
    }
}

impl ColumnDef {
    /// The column name in the database.
    pub const fn name(&self) -> &'static str {
        self.name
    }
    /// The Rust field the column is stored from.
    pub const fn field(&self) -> &'static str {
        self.field
    }
    /// The portable column type.
    pub const fn sql_type(&self) -> SqlType {
        self.sql_type
    }
    /// Whether the column accepts NULL (the field is an `Option<T>`).
    pub const fn is_nullable(&self) -> bool {
        self.nullable
    }
    /// Whether the column is part of the primary key.
    pub const fn is_primary_key(&self) -> bool {
        self.primary_key
    }
    /// The `autoincrement` setting as written; [`Table::is_autoincrement`] resolves the default.
    pub const fn autoincrement_setting(&self) -> Option<bool> {
        self.autoincrement
    }
    /// Whether the column has a single-column unique constraint.
    pub const fn is_unique(&self) -> bool {
        self.unique
    }
    /// Whether the column has a single-column index.
    pub const fn is_indexed(&self) -> bool {
        self.index
    }
    /// `version`: the row's version counter. Every update and delete by key requires the
    /// version the row was read with and an update stores the next one, so a write based on a
    /// stale copy fails with [`crate::Error::StaleRow`] instead of undoing another's change.
    pub const fn is_version(&self) -> bool {
        self.version
    }
    /// `collation = "name"`: the collation the column declares (the table's applies otherwise,
    /// see [`Table::collation_of`]).
    pub const fn collation(&self) -> Option<&'static str> {
        self.collation
    }
    /// `precision = P, scale = S` of a decimal column: `NUMERIC(P, S)`, the scale 0 when not
    /// given.
    pub const fn precision(&self) -> Option<(u32, u32)> {
        match self.numeric {
            Some((precision, Some(scale))) => Some((precision, scale)),
            Some((precision, None)) => Some((precision, 0)),
            None => None,
        }
    }
    /// `length = N`: the column is `VARCHAR(N)`.
    pub const fn length(&self) -> Option<u32> {
        self.length
    }
    /// The client-side default, as a bindable value.
    pub fn default_value(&self) -> Option<Value> {
        self.default.map(|f| f())
    }
    /// Whether a client-side default is declared.
    pub const fn has_default(&self) -> bool {
        self.default.is_some()
    }
    /// The server-side `DEFAULT` expression, as SQL.
    pub const fn server_default(&self) -> Option<&'static str> {
        self.server_default
    }
    /// The value written on every update, if `onupdate` is declared.
    pub fn onupdate_value(&self) -> Option<Value> {
        self.onupdate.map(|f| f())
    }
    /// Whether an `onupdate` function is declared.
    pub const fn has_onupdate(&self) -> bool {
        self.onupdate.is_some()
    }
    /// The referenced column, if this is a foreign key.
    pub const fn foreign_key(&self) -> Option<&ForeignKey> {
        self.foreign_key.as_ref()
    }
}

impl fmt::Debug for ColumnDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ColumnDef")
            .field("name", &self.name)
            .field("field", &self.field)
            .field("sql_type", &self.sql_type)
            .field("nullable", &self.nullable)
            .field("primary_key", &self.primary_key)
            .field("autoincrement", &self.autoincrement)
            .field("unique", &self.unique)
            .field("index", &self.index)
            .field("version", &self.version)
            .field("length", &self.length)
            .field("precision", &self.numeric)
            .field("collation", &self.collation)
            .field("default", &self.default.is_some())
            .field("server_default", &self.server_default)
            .field("onupdate", &self.onupdate.is_some())
            .field("foreign_key", &self.foreign_key)
            .finish()
    }
}

/// An index or unique constraint over one or more columns declared on the model
/// (`#[model(index(...))]`, `#[model(unique(...))]`). Single-column ones declared with
/// `#[column(index)]` / `#[column(unique)]` are on the [`ColumnDef`]; [`Table::indexes`] returns both.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Index {
    name: Option<&'static str>,
    columns: &'static [&'static str],
    unique: bool,
    constraint: bool,
}

impl Index {
    pub(crate) const fn new(
        name: Option<&'static str>,
        columns: &'static [&'static str],
        unique: bool,
        constraint: bool,
    ) -> Self {
        Index {
            name,
            columns,
            unique,
            constraint,
        }
    }
    /// The name given in the attribute, if any.
    pub const fn explicit_name(&self) -> Option<&'static str> {
        self.name
    }
    /// The indexed columns, in order.
    pub const fn columns(&self) -> &'static [&'static str] {
        self.columns
    }
    /// Whether the index enforces uniqueness.
    pub const fn is_unique(&self) -> bool {
        self.unique
    }
    /// Whether this is a `UNIQUE` table constraint rather than a `CREATE INDEX`.
    pub const fn is_constraint(&self) -> bool {
        self.constraint
    }
}

/// A model's table: everything `create_all` needs, known at compile time.
#[derive(Clone, Copy, Debug)]
pub struct Table {
    name: &'static str,
    bind: Option<&'static str>,
    model: &'static str,
    module_path: &'static str,
    columns: &'static [ColumnDef],
    indexes: &'static [Index],
    /// `collation = "name"` on the model: the collation of its text columns.
    collation: Option<&'static str>,
    /// The statements rendered from this table so far (a `static` of the model's own).
    sql: &'static SqlCache,
}

impl Table {
    pub(crate) const fn new(
        name: &'static str,
        bind: Option<&'static str>,
        model: &'static str,
        module_path: &'static str,
        columns: &'static [ColumnDef],
        indexes: &'static [Index],
        sql: &'static SqlCache,
    ) -> Self {
        Table {
            name,
            bind,
            model,
            module_path,
            columns,
            indexes,
            collation: None,
            sql,
        }
    }
    pub(crate) const fn with_collation(mut self, collation: &'static str) -> Self {
        self.collation = Some(collation);
        self
    }
    /// `collation = "name"` on the model: the collation its text columns take unless they
    /// name their own. `None`: the backend's default (see the README's collation notes).
    pub const fn collation(&self) -> Option<&'static str> {
        self.collation
    }
    /// The version column (`#[column(version)]`), if the model has one.
    pub fn version_column(&self) -> Option<&'static ColumnDef> {
        self.columns.iter().find(|c| c.is_version())
    }
    /// The collation `column` declares, or else the table's; `None` for a column that is not
    /// text.
    pub fn collation_of(&self, column: &ColumnDef) -> Option<&'static str> {
        if column.sql_type() != SqlType::Text {
            return None;
        }
        column.collation().or(self.collation)
    }
    /// Where the statements that depend only on this table are kept once rendered.
    pub(crate) fn sql_cache(&self) -> &'static SqlCache {
        self.sql
    }
    /// The table name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
    /// The bind key; `None` is the default database.
    pub const fn bind(&self) -> Option<&'static str> {
        self.bind
    }
    /// The name of the Rust struct.
    pub const fn model(&self) -> &'static str {
        self.model
    }
    /// The module the struct is declared in (`module_path!()`).
    pub const fn module_path(&self) -> &'static str {
        self.module_path
    }
    /// All columns, in declaration order (flattened groups inlined).
    pub const fn columns(&self) -> &'static [ColumnDef] {
        self.columns
    }
    /// The column with this name.
    pub fn column(&self, name: &str) -> Option<&'static ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }
    /// The primary key columns, in declaration order.
    pub fn primary_key(&self) -> impl Iterator<Item = &'static ColumnDef> + use<> {
        self.columns.iter().filter(|c| c.primary_key)
    }
    /// Whether `column` gets generated values: `autoincrement` as written, or by default when it
    /// is the only primary key column and an integer (as in SQLAlchemy).
    pub fn is_autoincrement(&self, column: &ColumnDef) -> bool {
        match column.autoincrement {
            Some(on) => on,
            None => {
                column.primary_key
                    && column.sql_type.is_integer()
                    && self.primary_key().count() == 1
            }
        }
    }
    /// The foreign keys, as (column, reference).
    pub fn foreign_keys(
        &self,
    ) -> impl Iterator<Item = (&'static ColumnDef, &'static ForeignKey)> + use<> {
        self.columns
            .iter()
            .filter_map(|c| c.foreign_key.as_ref().map(|fk| (c, fk)))
    }
    /// Every index and unique constraint: the model-level ones, then one per `index`/`unique`
    /// column, each with its resolved name (`ix_<table>_<columns>` / `uq_<table>_<columns>`
    /// unless named).
    pub fn indexes(&self) -> Vec<ResolvedIndex> {
        let mut all: Vec<ResolvedIndex> = self
            .indexes
            .iter()
            .map(|i| ResolvedIndex {
                name: i.name.map(str::to_owned).unwrap_or_else(|| {
                    crate::naming::constraint_name(
                        if i.constraint { "uq" } else { "ix" },
                        self.name,
                        i.columns,
                    )
                }),
                columns: i.columns.to_vec(),
                unique: i.unique,
                constraint: i.constraint,
            })
            .collect();
        for column in self.columns {
            if column.unique {
                all.push(ResolvedIndex {
                    name: crate::naming::constraint_name("uq", self.name, &[column.name]),
                    columns: vec![column.name],
                    unique: true,
                    constraint: true,
                });
            }
            if column.index {
                all.push(ResolvedIndex {
                    name: crate::naming::constraint_name("ix", self.name, &[column.name]),
                    columns: vec![column.name],
                    unique: false,
                    constraint: false,
                });
            }
        }
        all
    }
    /// A one-line description for error messages: `model `User` (table "user", bind default)`.
    pub fn describe(&self) -> String {
        format!(
            "model `{}` (table \"{}\", bind {})",
            self.model,
            self.name,
            crate::naming::bind_label(self.bind)
        )
    }
}

/// An index or unique constraint with its final name.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ResolvedIndex {
    /// The index or constraint name.
    pub name: String,
    /// The columns, in order.
    pub columns: Vec<&'static str>,
    /// Whether it enforces uniqueness.
    pub unique: bool,
    /// Whether it is a `UNIQUE` table constraint rather than a `CREATE INDEX`.
    pub constraint: bool,
}
