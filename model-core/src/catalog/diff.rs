//! The difference between two schemas as ordered operations, each classified by what it risks.
//! Pure: it compares values, so any two versions can be diffed (the models against a live
//! database, or two model versions in a test).
//!
//! Renames are never guessed. A table or column that disappears while one of the same
//! definition appears is reported as a [`PossibleRename`] next to the drop and the add; only a
//! `renamed_from` on the new side turns them into a rename.

use std::collections::BTreeSet;
use std::fmt;

use super::{ColumnSchema, EnumTypeSchema, ForeignKeySchema, IndexSchema, Schema, TableSchema};

/// What an operation risks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Safety {
    /// Loses nothing and cannot fail on existing rows.
    Safe,
    /// Loses nothing, but may fail on existing rows (a unique index over duplicates, a NOT
    /// NULL column without a default on a table with rows) or change how they behave (a
    /// collation); someone should read it.
    NeedsReview,
    /// May lose data: a drop, a narrower type, NOT NULL on a column that may hold NULLs, an
    /// enum label removed. Never applied unless asked for by name.
    Destructive,
}

impl fmt::Display for Safety {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Safety::Safe => "safe",
            Safety::NeedsReview => "needs review",
            Safety::Destructive => "destructive",
        })
    }
}

/// One step from one schema to another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaChange {
    /// A new enum type (PostgreSQL).
    CreateEnumType(EnumTypeSchema),
    /// Labels appended to an enum type (PostgreSQL `ALTER TYPE ... ADD VALUE`).
    AddEnumLabels {
        /// The type.
        name: String,
        /// The labels added, in order, after the existing ones.
        labels: Vec<String>,
    },
    /// An enum type whose labels changed otherwise (removed or reordered).
    AlterEnumType {
        /// The type as it is.
        from: EnumTypeSchema,
        /// The type as it should be.
        to: EnumTypeSchema,
    },
    /// An enum type no column uses any more.
    DropEnumType(EnumTypeSchema),
    /// A new table, with its indexes and foreign keys (written, where the backend allows, once
    /// every table of the migration exists, so tables may refer to each other).
    CreateTable(TableSchema),
    /// A table renamed (declared with `renamed_from`).
    RenameTable {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A table dropped, rows and all.
    DropTable(TableSchema),
    /// A column added.
    AddColumn {
        /// The table.
        table: String,
        /// The column.
        column: ColumnSchema,
    },
    /// A column renamed (declared with `renamed_from`).
    RenameColumn {
        /// The table.
        table: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A column whose type, nullability, default, collation or labels changed.
    AlterColumn {
        /// The table.
        table: String,
        /// The column as it is.
        from: ColumnSchema,
        /// The column as it should be.
        to: ColumnSchema,
    },
    /// A column dropped, its values with it.
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: ColumnSchema,
    },
    /// A primary key over other columns.
    AlterPrimaryKey {
        /// The table.
        table: String,
        /// The key's columns as they are.
        from: Vec<String>,
        /// The key's columns as they should be.
        to: Vec<String>,
    },
    /// An index or unique constraint added.
    AddIndex {
        /// The table.
        table: String,
        /// The index.
        index: IndexSchema,
    },
    /// An index or unique constraint dropped.
    DropIndex {
        /// The table.
        table: String,
        /// The index.
        index: IndexSchema,
    },
    /// A foreign key added.
    AddForeignKey {
        /// The table.
        table: String,
        /// The foreign key.
        foreign_key: ForeignKeySchema,
    },
    /// A foreign key dropped.
    DropForeignKey {
        /// The table.
        table: String,
        /// The foreign key.
        foreign_key: ForeignKeySchema,
    },
}

impl SchemaChange {
    /// What the change risks.
    pub fn safety(&self) -> Safety {
        match self {
            SchemaChange::CreateEnumType(_)
            | SchemaChange::AddEnumLabels { .. }
            | SchemaChange::CreateTable(_)
            | SchemaChange::RenameTable { .. }
            | SchemaChange::RenameColumn { .. }
            | SchemaChange::DropForeignKey { .. } => Safety::Safe,
            SchemaChange::AddColumn { column, .. } => {
                if column.nullable || column.default.is_some() || column.autoincrement {
                    Safety::Safe
                } else {
                    Safety::NeedsReview
                }
            }
            SchemaChange::AlterEnumType { from, to } => labels_change(&from.labels, &to.labels),
            SchemaChange::DropEnumType(_)
            | SchemaChange::DropTable(_)
            | SchemaChange::DropColumn { .. } => Safety::Destructive,
            SchemaChange::AlterColumn { from, to, .. } => column_change(from, to),
            SchemaChange::AlterPrimaryKey { .. } | SchemaChange::AddForeignKey { .. } => {
                Safety::NeedsReview
            }
            SchemaChange::AddIndex { index, .. } | SchemaChange::DropIndex { index, .. } => {
                if index.unique {
                    Safety::NeedsReview
                } else {
                    Safety::Safe
                }
            }
        }
    }

    /// A short name for the change, the one a destructive change is allowed by:
    /// `drop_column:post.body`, `drop_table:leftover`, `alter_column:user.name`,
    /// `alter_enum_type:mood`.
    pub fn key(&self) -> String {
        let (kind, target) = match self {
            SchemaChange::CreateEnumType(ty) => ("create_enum_type", ty.name.clone()),
            SchemaChange::AddEnumLabels { name, .. } => ("add_enum_labels", name.clone()),
            SchemaChange::AlterEnumType { to, .. } => ("alter_enum_type", to.name.clone()),
            SchemaChange::DropEnumType(ty) => ("drop_enum_type", ty.name.clone()),
            SchemaChange::CreateTable(table) => ("create_table", table.name.clone()),
            SchemaChange::RenameTable { to, .. } => ("rename_table", to.clone()),
            SchemaChange::DropTable(table) => ("drop_table", table.name.clone()),
            SchemaChange::AddColumn { table, column } => {
                ("add_column", format!("{table}.{}", column.name))
            }
            SchemaChange::RenameColumn { table, to, .. } => {
                ("rename_column", format!("{table}.{to}"))
            }
            SchemaChange::AlterColumn { table, to, .. } => {
                ("alter_column", format!("{table}.{}", to.name))
            }
            SchemaChange::DropColumn { table, column } => {
                ("drop_column", format!("{table}.{}", column.name))
            }
            SchemaChange::AlterPrimaryKey { table, .. } => ("alter_primary_key", table.clone()),
            SchemaChange::AddIndex { table, index } => {
                ("add_index", format!("{table}.{}", index.name))
            }
            SchemaChange::DropIndex { table, index } => {
                ("drop_index", format!("{table}.{}", index.name))
            }
            SchemaChange::AddForeignKey { table, foreign_key } => {
                ("add_foreign_key", format!("{table}.{}", foreign_key.name))
            }
            SchemaChange::DropForeignKey { table, foreign_key } => {
                ("drop_foreign_key", format!("{table}.{}", foreign_key.name))
            }
        };
        format!("{kind}:{target}")
    }

    /// The table the change is about (the enum type's name for enum changes).
    pub fn subject(&self) -> &str {
        match self {
            SchemaChange::CreateEnumType(ty) | SchemaChange::DropEnumType(ty) => &ty.name,
            SchemaChange::AddEnumLabels { name, .. } => name,
            SchemaChange::AlterEnumType { to, .. } => &to.name,
            SchemaChange::CreateTable(table) | SchemaChange::DropTable(table) => &table.name,
            SchemaChange::RenameTable { to, .. } => to,
            SchemaChange::AddColumn { table, .. }
            | SchemaChange::RenameColumn { table, .. }
            | SchemaChange::AlterColumn { table, .. }
            | SchemaChange::DropColumn { table, .. }
            | SchemaChange::AlterPrimaryKey { table, .. }
            | SchemaChange::AddIndex { table, .. }
            | SchemaChange::DropIndex { table, .. }
            | SchemaChange::AddForeignKey { table, .. }
            | SchemaChange::DropForeignKey { table, .. } => table,
        }
    }
}

/// One line per change, the name a destructive step is allowed by: `drop column post.body`.
impl fmt::Display for SchemaChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaChange::CreateEnumType(ty) => write!(f, "create enum type {}", ty.name),
            SchemaChange::AddEnumLabels { name, labels } => {
                write!(f, "add labels {} to enum type {name}", quoted(labels))
            }
            SchemaChange::AlterEnumType { from, to } => write!(
                f,
                "change enum type {} from {} to {}",
                to.name,
                quoted(&from.labels),
                quoted(&to.labels)
            ),
            SchemaChange::DropEnumType(ty) => write!(f, "drop enum type {}", ty.name),
            SchemaChange::CreateTable(table) => write!(f, "create table {}", table.name),
            SchemaChange::RenameTable { from, to } => write!(f, "rename table {from} to {to}"),
            SchemaChange::DropTable(table) => write!(f, "drop table {}", table.name),
            SchemaChange::AddColumn { table, column } => {
                write!(f, "add column {table}.{} {}", column.name, column.data_type)
            }
            SchemaChange::RenameColumn { table, from, to } => {
                write!(f, "rename column {table}.{from} to {to}")
            }
            SchemaChange::AlterColumn { table, from, to } => {
                write!(f, "alter column {table}.{}: ", to.name)?;
                let mut parts = Vec::new();
                if from.data_type != to.data_type {
                    parts.push(format!("type {} -> {}", from.data_type, to.data_type));
                }
                if from.nullable != to.nullable {
                    parts.push(
                        if to.nullable {
                            "drop not null"
                        } else {
                            "set not null"
                        }
                        .into(),
                    );
                }
                if from.default_normalized() != to.default_normalized() {
                    parts.push(format!(
                        "default {} -> {}",
                        from.default.as_deref().unwrap_or("none"),
                        to.default.as_deref().unwrap_or("none")
                    ));
                }
                if from.autoincrement != to.autoincrement {
                    parts.push(format!("autoincrement {}", to.autoincrement));
                }
                if from.collation != to.collation {
                    parts.push(format!(
                        "collation {} -> {}",
                        from.collation.as_deref().unwrap_or("default"),
                        to.collation.as_deref().unwrap_or("default")
                    ));
                }
                if from.labels != to.labels {
                    parts.push(format!(
                        "labels {} -> {}",
                        quoted(from.labels.as_deref().unwrap_or_default()),
                        quoted(to.labels.as_deref().unwrap_or_default())
                    ));
                }
                f.write_str(&parts.join(", "))
            }
            SchemaChange::DropColumn { table, column } => {
                write!(f, "drop column {table}.{}", column.name)
            }
            SchemaChange::AlterPrimaryKey { table, from, to } => write!(
                f,
                "change primary key of {table} from ({}) to ({})",
                from.join(", "),
                to.join(", ")
            ),
            SchemaChange::AddIndex { table, index } => write!(
                f,
                "add {} {} on {table} ({})",
                index_kind(index),
                index.name,
                index.columns.join(", ")
            ),
            SchemaChange::DropIndex { table, index } => {
                write!(f, "drop {} {} on {table}", index_kind(index), index.name)
            }
            SchemaChange::AddForeignKey { table, foreign_key } => write!(
                f,
                "add foreign key {} on {table} ({}) -> {} ({})",
                foreign_key.name,
                foreign_key.columns.join(", "),
                foreign_key.ref_table,
                foreign_key.ref_columns.join(", ")
            ),
            SchemaChange::DropForeignKey { table, foreign_key } => {
                write!(f, "drop foreign key {} on {table}", foreign_key.name)
            }
        }
    }
}

fn index_kind(index: &IndexSchema) -> &'static str {
    match (index.constraint, index.unique) {
        (true, _) => "unique constraint",
        (false, true) => "unique index",
        (false, false) => "index",
    }
}

fn quoted(labels: &[String]) -> String {
    let quoted: Vec<String> = labels.iter().map(|l| format!("'{l}'")).collect();
    format!("({})", quoted.join(", "))
}

/// A drop and an add of the same definition: perhaps a rename, which only a `renamed_from` on
/// the model makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PossibleRename {
    /// The table (for a column), or `None` for a table renamed.
    pub table: Option<String>,
    /// The name that disappears.
    pub from: String,
    /// The name that appears.
    pub to: String,
}

impl fmt::Display for PossibleRename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.table {
            Some(table) => write!(
                f,
                "column {table}.{} is dropped and {table}.{} of the same definition added: if it \
                 was renamed, say so with #[column(renamed_from = \"{}\")]",
                self.from, self.to, self.from
            ),
            None => write!(
                f,
                "table {} is dropped and {} of the same definition created: if it was renamed, \
                 say so with #[model(renamed_from = \"{}\")]",
                self.from, self.to, self.from
            ),
        }
    }
}

/// The operations that take `from` to `to`, in an order that can run, and the renames they
/// may hide.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchemaDiff {
    /// The changes, in order.
    pub changes: Vec<SchemaChange>,
    /// Drops and adds of the same definition, which may be renames.
    pub possible_renames: Vec<PossibleRename>,
}

impl SchemaDiff {
    /// Whether the two schemas are the same.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The riskiest classification among the changes (`Safe` when there are none).
    pub fn safety(&self) -> Safety {
        self.changes
            .iter()
            .map(SchemaChange::safety)
            .max()
            .unwrap_or(Safety::Safe)
    }

    /// The destructive changes, by their names (what [`SchemaChange`]'s `Display` writes).
    pub fn destructive(&self) -> impl Iterator<Item = &SchemaChange> {
        self.changes
            .iter()
            .filter(|c| c.safety() == Safety::Destructive)
    }
}

/// The operations taking schema `from` (usually the database) to `to` (usually the models).
pub fn diff(from: &Schema, to: &Schema) -> SchemaDiff {
    let mut out = Ordered::default();
    let mut renames = Vec::new();

    diff_enum_types(from, to, &mut out);

    // Tables: renamed (by declaration), kept, created, dropped.
    let mut matched: Vec<(&TableSchema, &TableSchema)> = Vec::new();
    let mut created: Vec<&TableSchema> = Vec::new();
    let mut claimed: BTreeSet<&str> = BTreeSet::new();
    for new in &to.tables {
        if let Some(old) = from.table(&new.name) {
            matched.push((old, new));
            claimed.insert(&old.name);
        } else if let Some(old) = new
            .renamed_from
            .as_deref()
            .filter(|old| to.table(old).is_none())
            .and_then(|old| from.table(old))
        {
            out.renames.push(SchemaChange::RenameTable {
                from: old.name.clone(),
                to: new.name.clone(),
            });
            matched.push((old, new));
            claimed.insert(&old.name);
        } else {
            created.push(new);
        }
    }
    let dropped: Vec<&TableSchema> = from
        .tables
        .iter()
        .filter(|t| !claimed.contains(t.name.as_str()))
        .collect();
    for old in &dropped {
        for new in &created {
            if same_table_definition(old, new) {
                renames.push(PossibleRename {
                    table: None,
                    from: old.name.clone(),
                    to: new.name.clone(),
                });
            }
        }
    }

    for (old, new) in matched {
        diff_table(old, new, &mut out, &mut renames);
    }
    for new in creation_order(&created) {
        out.creates.push(SchemaChange::CreateTable(new.clone()));
    }
    // A key from a table that goes to one that stays goes first: the kept table's unique
    // constraint or column it uses may be dropped before the table is.
    for old in &dropped {
        for fk in &old.foreign_keys {
            if !dropped.iter().any(|d| d.name == fk.ref_table) {
                out.drop_foreign_keys.push(SchemaChange::DropForeignKey {
                    table: old.name.clone(),
                    foreign_key: fk.clone(),
                });
            }
        }
    }
    for old in creation_order(&dropped).into_iter().rev() {
        // A foreign key from a table that stays to one that goes is dropped first (by the
        // kept table's diff); those between dropped tables go with them.
        out.drop_tables
            .push(SchemaChange::DropTable((*old).clone()));
    }

    SchemaDiff {
        changes: out.finish(),
        possible_renames: renames,
    }
}

/// The buckets the changes are gathered in, emptied in an order that can run: types first,
/// then renames, what goes away, what changes, what is created, and what is dropped last.
#[derive(Default)]
struct Ordered {
    create_types: Vec<SchemaChange>,
    renames: Vec<SchemaChange>,
    drop_foreign_keys: Vec<SchemaChange>,
    drop_indexes: Vec<SchemaChange>,
    columns: Vec<SchemaChange>,
    creates: Vec<SchemaChange>,
    add_indexes: Vec<SchemaChange>,
    add_foreign_keys: Vec<SchemaChange>,
    drop_tables: Vec<SchemaChange>,
    drop_types: Vec<SchemaChange>,
}

impl Ordered {
    fn finish(self) -> Vec<SchemaChange> {
        [
            self.create_types,
            self.renames,
            self.drop_foreign_keys,
            self.drop_indexes,
            self.columns,
            self.creates,
            self.add_indexes,
            self.add_foreign_keys,
            self.drop_tables,
            self.drop_types,
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

fn diff_enum_types(from: &Schema, to: &Schema, out: &mut Ordered) {
    for new in &to.enum_types {
        match from.enum_type(&new.name) {
            None => out
                .create_types
                .push(SchemaChange::CreateEnumType(new.clone())),
            Some(old) if old.labels == new.labels => {}
            Some(old) => match appended(&old.labels, &new.labels) {
                Some(labels) => out.create_types.push(SchemaChange::AddEnumLabels {
                    name: new.name.clone(),
                    labels,
                }),
                // First, so every later step (a column added, a default set) sees the new type.
                None => out.create_types.push(SchemaChange::AlterEnumType {
                    from: old.clone(),
                    to: new.clone(),
                }),
            },
        }
    }
    for old in &from.enum_types {
        if to.enum_type(&old.name).is_none() {
            out.drop_types.push(SchemaChange::DropEnumType(old.clone()));
        }
    }
}

/// The labels `new` adds after all of `old`, kept in order; `None` when it does anything else.
fn appended(old: &[String], new: &[String]) -> Option<Vec<String>> {
    new.starts_with(old).then(|| new[old.len()..].to_vec())
}

fn diff_table(
    old: &TableSchema,
    new: &TableSchema,
    out: &mut Ordered,
    renames: &mut Vec<PossibleRename>,
) {
    let table = &new.name;

    // Foreign keys and indexes are compared by definition; a changed one is dropped and added.
    for fk in &old.foreign_keys {
        if !new.foreign_keys.contains(fk) {
            out.drop_foreign_keys.push(SchemaChange::DropForeignKey {
                table: table.clone(),
                foreign_key: fk.clone(),
            });
        }
    }
    for fk in &new.foreign_keys {
        if !old.foreign_keys.contains(fk) {
            out.add_foreign_keys.push(SchemaChange::AddForeignKey {
                table: table.clone(),
                foreign_key: fk.clone(),
            });
        }
    }
    for index in &old.indexes {
        if !new.indexes.contains(index) {
            out.drop_indexes.push(SchemaChange::DropIndex {
                table: table.clone(),
                index: index.clone(),
            });
        }
    }
    for index in &new.indexes {
        if !old.indexes.contains(index) {
            out.add_indexes.push(SchemaChange::AddIndex {
                table: table.clone(),
                index: index.clone(),
            });
        }
    }

    let mut claimed: BTreeSet<&str> = BTreeSet::new();
    let mut added: Vec<&ColumnSchema> = Vec::new();
    for column in &new.columns {
        let renamed_from = column
            .renamed_from
            .as_deref()
            .filter(|old_name| new.column(old_name).is_none())
            .and_then(|old_name| old.column(old_name));
        let previous = old.column(&column.name).or(renamed_from);
        match previous {
            Some(previous) => {
                claimed.insert(&previous.name);
                if previous.name != column.name {
                    out.renames.push(SchemaChange::RenameColumn {
                        table: table.clone(),
                        from: previous.name.clone(),
                        to: column.name.clone(),
                    });
                }
                if !previous.same_definition(column) {
                    out.columns.push(SchemaChange::AlterColumn {
                        table: table.clone(),
                        from: previous.clone(),
                        to: column.clone(),
                    });
                }
            }
            None => added.push(column),
        }
    }
    let dropped: Vec<&ColumnSchema> = old
        .columns
        .iter()
        .filter(|c| !claimed.contains(c.name.as_str()))
        .collect();
    for gone in &dropped {
        for new_column in &added {
            if gone.same_definition(new_column) {
                renames.push(PossibleRename {
                    table: Some(table.clone()),
                    from: gone.name.clone(),
                    to: new_column.name.clone(),
                });
            }
        }
    }
    for column in added {
        out.columns.push(SchemaChange::AddColumn {
            table: table.clone(),
            column: column.clone(),
        });
    }
    if old.primary_key != new.primary_key {
        out.columns.push(SchemaChange::AlterPrimaryKey {
            table: table.clone(),
            from: old.primary_key.clone(),
            to: new.primary_key.clone(),
        });
    }
    for column in dropped {
        out.columns.push(SchemaChange::DropColumn {
            table: table.clone(),
            column: column.clone(),
        });
    }
}

/// Two tables alike but for their names (and their indexes' and keys' names).
fn same_table_definition(a: &TableSchema, b: &TableSchema) -> bool {
    a.columns.len() == b.columns.len()
        && a.columns
            .iter()
            .zip(&b.columns)
            .all(|(x, y)| x.name == y.name && x.same_definition(y))
        && a.primary_key == b.primary_key
}

/// `tables` with every table after the tables it references (a cycle keeps the given order).
fn creation_order<'a>(tables: &[&'a TableSchema]) -> Vec<&'a TableSchema> {
    let mut done: Vec<&'a TableSchema> = Vec::with_capacity(tables.len());
    let mut left: Vec<&'a TableSchema> = tables.to_vec();
    while !left.is_empty() {
        let ready = left.iter().position(|t| {
            t.foreign_keys.iter().all(|fk| {
                fk.ref_table == t.name
                    || done.iter().any(|d| d.name == fk.ref_table)
                    || !left.iter().any(|l| l.name == fk.ref_table)
            })
        });
        done.push(left.remove(ready.unwrap_or(0)));
    }
    done
}

/// How risky changing `from` into `to` is.
fn column_change(from: &ColumnSchema, to: &ColumnSchema) -> Safety {
    let mut safety = Safety::Safe;
    if from.data_type != to.data_type {
        safety = safety.max(type_change(from, to));
    }
    if from.nullable && !to.nullable {
        safety = safety.max(Safety::Destructive);
    }
    if from.autoincrement != to.autoincrement || from.collation != to.collation {
        safety = safety.max(Safety::NeedsReview);
    }
    if from.labels != to.labels {
        let old = from.labels.as_deref().unwrap_or_default();
        let new = to.labels.as_deref().unwrap_or_default();
        safety = safety.max(labels_change(old, new));
    }
    safety
}

/// Labels appended: safe. Removed: destructive (rows may hold them). Reordered: needs review
/// (PostgreSQL sorts by the order, and rewrites the table).
fn labels_change(old: &[String], new: &[String]) -> Safety {
    if old.iter().any(|l| !new.contains(l)) {
        Safety::Destructive
    } else if appended(old, new).is_some() {
        Safety::Safe
    } else {
        Safety::NeedsReview
    }
}

/// The integer types, narrowest first, as the backends spell them.
const INTEGERS: [&[&str]; 3] = [&["SMALLINT"], &["INT", "INTEGER"], &["BIGINT"]];

/// A type change is safe when it widens (a longer `VARCHAR`, more digits on both sides of a
/// decimal's point, a wider integer); anything else may lose or refuse values.
fn type_change(from: &ColumnSchema, to: &ColumnSchema) -> Safety {
    let (old_base, new_base) = (from.base_type(), to.base_type());
    let (old_args, new_args) = (from.type_arguments(), to.type_arguments());
    if old_base == new_base {
        let widens = match (old_args.as_slice(), new_args.as_slice()) {
            ([old], [new]) => new >= old,
            ([old_p, old_s], [new_p, new_s]) => {
                new_s >= old_s
                    && i64::from(*new_p) - i64::from(*new_s)
                        >= i64::from(*old_p) - i64::from(*old_s)
            }
            _ => false,
        };
        return if widens {
            Safety::Safe
        } else {
            Safety::Destructive
        };
    }
    let rank = |base: &str| INTEGERS.iter().position(|names| names.contains(&base));
    if let (Some(old), Some(new)) = (rank(old_base), rank(new_base)) {
        return if new >= old {
            Safety::Safe
        } else {
            Safety::Destructive
        };
    }
    // Text of any length to unbounded text loses nothing.
    if matches!(old_base, "VARCHAR" | "CHARACTER VARYING")
        && matches!(new_base, "TEXT" | "LONGTEXT")
    {
        return Safety::Safe;
    }
    Safety::Destructive
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::ReferentialAction;

    fn column(name: &str, data_type: &str, nullable: bool) -> ColumnSchema {
        ColumnSchema {
            name: name.into(),
            data_type: data_type.into(),
            nullable,
            ..ColumnSchema::default()
        }
    }

    fn table(name: &str, columns: Vec<ColumnSchema>) -> TableSchema {
        TableSchema {
            name: name.into(),
            primary_key: vec![columns[0].name.clone()],
            columns,
            ..TableSchema::default()
        }
    }

    fn schema(tables: Vec<TableSchema>) -> Schema {
        Schema {
            tables,
            enum_types: Vec::new(),
        }
    }

    fn names(diff: &SchemaDiff) -> Vec<String> {
        diff.changes.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn equal_schemas_have_no_changes() {
        let s = schema(vec![table("user", vec![column("id", "BIGINT", false)])]);
        assert!(diff(&s, &s).is_empty());
    }

    #[test]
    fn an_added_column_is_safe_unless_it_must_be_filled() {
        let old = schema(vec![table("user", vec![column("id", "BIGINT", false)])]);
        let mut new = old.clone();
        new.tables[0].columns.push(column("bio", "TEXT", true));
        let mut lang = column("language", "TEXT", false);
        lang.default = Some("'en'".into());
        new.tables[0].columns.push(lang);
        new.tables[0].columns.push(column("code", "TEXT", false));
        let d = diff(&old, &new);
        assert_eq!(
            names(&d),
            [
                "add column user.bio TEXT",
                "add column user.language TEXT",
                "add column user.code TEXT"
            ]
        );
        let safety: Vec<Safety> = d.changes.iter().map(SchemaChange::safety).collect();
        assert_eq!(safety, [Safety::Safe, Safety::Safe, Safety::NeedsReview]);
    }

    #[test]
    fn widening_is_safe_and_narrowing_destructive() {
        let cases = [
            ("VARCHAR(40)", "VARCHAR(80)", Safety::Safe),
            ("VARCHAR(80)", "VARCHAR(40)", Safety::Destructive),
            ("NUMERIC(10,2)", "NUMERIC(12,2)", Safety::Safe),
            ("NUMERIC(10,2)", "NUMERIC(10,3)", Safety::Destructive),
            ("INT", "BIGINT", Safety::Safe),
            ("BIGINT", "SMALLINT", Safety::Destructive),
            ("VARCHAR(80)", "TEXT", Safety::Safe),
            ("TEXT", "BIGINT", Safety::Destructive),
        ];
        for (from, to, want) in cases {
            let change = SchemaChange::AlterColumn {
                table: "t".into(),
                from: column("c", from, true),
                to: column("c", to, true),
            };
            assert_eq!(change.safety(), want, "{from} -> {to}");
        }
    }

    #[test]
    fn not_null_on_a_nullable_column_is_destructive_and_the_reverse_safe() {
        let old = schema(vec![table(
            "t",
            vec![column("id", "BIGINT", false), column("c", "TEXT", true)],
        )]);
        let mut new = old.clone();
        new.tables[0].columns[1].nullable = false;
        let forward = diff(&old, &new);
        assert_eq!(names(&forward), ["alter column t.c: set not null"]);
        assert_eq!(forward.safety(), Safety::Destructive);
        let back = diff(&new, &old);
        assert_eq!(names(&back), ["alter column t.c: drop not null"]);
        assert_eq!(back.safety(), Safety::Safe);
    }

    #[test]
    fn a_rename_is_never_guessed_but_is_offered() {
        let old = schema(vec![table(
            "t",
            vec![column("id", "BIGINT", false), column("name", "TEXT", true)],
        )]);
        let mut new = old.clone();
        new.tables[0].columns[1].name = "full_name".into();
        let d = diff(&old, &new);
        assert_eq!(
            names(&d),
            ["add column t.full_name TEXT", "drop column t.name"]
        );
        assert_eq!(d.safety(), Safety::Destructive);
        assert_eq!(
            d.possible_renames,
            [PossibleRename {
                table: Some("t".into()),
                from: "name".into(),
                to: "full_name".into()
            }]
        );

        new.tables[0].columns[1].renamed_from = Some("name".into());
        let hinted = diff(&old, &new);
        assert_eq!(names(&hinted), ["rename column t.name to full_name"]);
        assert_eq!(hinted.safety(), Safety::Safe);
        assert!(hinted.possible_renames.is_empty());
    }

    #[test]
    fn a_table_rename_needs_its_hint() {
        let old = schema(vec![table("post", vec![column("id", "BIGINT", false)])]);
        let mut new = old.clone();
        new.tables[0].name = "article".into();
        let d = diff(&old, &new);
        assert_eq!(names(&d), ["create table article", "drop table post"]);
        assert_eq!(d.possible_renames.len(), 1);
        new.tables[0].renamed_from = Some("post".into());
        assert_eq!(names(&diff(&old, &new)), ["rename table post to article"]);
    }

    #[test]
    fn tables_are_created_after_those_they_reference_and_keys_added_last() {
        let mut post = table(
            "post",
            vec![
                column("id", "BIGINT", false),
                column("author_id", "BIGINT", false),
            ],
        );
        post.foreign_keys.push(ForeignKeySchema {
            name: "fk_post_author_id_author".into(),
            columns: vec!["author_id".into()],
            ref_table: "author".into(),
            ref_columns: vec!["id".into()],
            on_delete: ReferentialAction::Cascade,
        });
        let author = table("author", vec![column("id", "BIGINT", false)]);
        let new = schema(vec![post, author]);
        let d = diff(&Schema::default(), &new);
        assert_eq!(names(&d), ["create table author", "create table post"]);
        assert_eq!(d.safety(), Safety::Safe);
        let back = diff(&new, &Schema::default());
        assert_eq!(names(&back), ["drop table post", "drop table author"]);
    }

    #[test]
    fn a_dropped_table_lets_go_of_the_tables_that_stay_first() {
        let mut legacy = table(
            "legacy",
            vec![
                column("id", "BIGINT", false),
                column("email", "TEXT", false),
            ],
        );
        legacy.foreign_keys.push(ForeignKeySchema {
            name: "fk_legacy_email_user".into(),
            columns: vec!["email".into()],
            ref_table: "user".into(),
            ref_columns: vec!["email".into()],
            on_delete: ReferentialAction::NoAction,
        });
        let mut user = table(
            "user",
            vec![
                column("id", "BIGINT", false),
                column("email", "TEXT", false),
            ],
        );
        user.indexes.push(IndexSchema {
            name: "uq_user_email".into(),
            columns: vec!["email".into()],
            unique: true,
            constraint: true,
        });
        let old = schema(vec![legacy, user.clone()]);
        user.indexes.clear();
        let new = schema(vec![user]);
        assert_eq!(
            names(&diff(&old, &new)),
            [
                "drop foreign key fk_legacy_email_user on legacy",
                "drop unique constraint uq_user_email on user",
                "drop table legacy"
            ]
        );
    }

    #[test]
    fn enum_labels_appended_are_safe_and_removed_destructive() {
        let ty = |labels: &[&str]| EnumTypeSchema {
            name: "mood".into(),
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
        };
        let with = |t: EnumTypeSchema| Schema {
            tables: Vec::new(),
            enum_types: vec![t],
        };
        let d = diff(
            &with(ty(&["sad", "ok"])),
            &with(ty(&["sad", "ok", "happy"])),
        );
        assert_eq!(names(&d), ["add labels ('happy') to enum type mood"]);
        assert_eq!(d.safety(), Safety::Safe);
        let d = diff(&with(ty(&["sad", "ok"])), &with(ty(&["sad"])));
        assert_eq!(d.safety(), Safety::Destructive);
        let d = diff(&with(ty(&["sad", "ok"])), &with(ty(&["ok", "sad"])));
        assert_eq!(d.safety(), Safety::NeedsReview);
    }
}
