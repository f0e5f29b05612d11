//! Migrations on SQLite, whose `ALTER TABLE` can only rename, add a plain column and drop an
//! unconstrained one. Everything else (a column's type, nullability or default, a unique
//! constraint, a foreign key, the primary key) is done by the rebuild SQLite's documentation
//! gives: a new table of the wanted shape, the rows copied, the old table dropped and the new
//! one renamed in its place, its indexes made again, the foreign keys checked.
//!
//! The rebuild drops a table other tables may reference, so foreign keys are switched off
//! first; SQLite ignores that switch inside a transaction, so the statements open their own
//! transaction after it (and the migration file tells sqlx's migrator not to open one). A
//! violation found by the final check fails the statement that counts them, which rolls the
//! whole rebuild back.

use std::collections::BTreeSet;

use super::migration::{self, MigrationSql};
use super::{Dialect, ddl};
use crate::catalog::diff::SchemaChange;
use crate::catalog::{ColumnSchema, Schema, TableSchema};

/// The statements taking `from` to `to` by `changes` on SQLite.
pub(crate) fn render<D: Dialect + ?Sized>(
    dialect: &D,
    from: &Schema,
    to: &Schema,
    changes: &[SchemaChange],
) -> MigrationSql {
    let created: BTreeSet<&str> = changes
        .iter()
        .filter_map(|change| match change {
            SchemaChange::CreateTable(table) => Some(table.name.as_str()),
            _ => None,
        })
        .collect();
    let renamed_tables: Vec<(&str, &str)> = changes
        .iter()
        .filter_map(|change| match change {
            SchemaChange::RenameTable { from, to } => Some((from.as_str(), to.as_str())),
            _ => None,
        })
        .collect();
    // The table as it is before the migration, found by its new name.
    let before = |name: &str| {
        let old = renamed_tables
            .iter()
            .find(|(_, new)| *new == name)
            .map_or(name, |(old, _)| *old);
        from.table(old)
    };
    let dropped: BTreeSet<&str> = changes
        .iter()
        .filter_map(|change| match change {
            SchemaChange::DropTable(table) => Some(table.name.as_str()),
            _ => None,
        })
        .collect();
    let rebuilt: BTreeSet<&str> = changes
        .iter()
        .filter(|change| !created.contains(change.subject()) && !dropped.contains(change.subject()))
        .filter(|change| needs_rebuild(change, before(change.subject())))
        .map(SchemaChange::subject)
        .collect();

    let mut statements = Vec::new();
    for change in changes {
        let subject = change.subject();
        match change {
            // A table that goes takes its keys with it.
            SchemaChange::DropForeignKey { .. } if dropped.contains(subject) => {}
            SchemaChange::CreateTable(table) => {
                // SQLite cannot add a foreign key later, and does not mind one that refers to
                // a table created after: the table is created with its own.
                statements.extend(ddl::create_table(
                    dialect,
                    &ddl::schema_parts(dialect, table),
                    false,
                    true,
                ));
            }
            SchemaChange::RenameTable { .. } | SchemaChange::DropTable(_) => {
                statements.extend(
                    migration::standard(dialect, from, to, std::slice::from_ref(change)).statements,
                );
            }
            _ if rebuilt.contains(subject) => {}
            SchemaChange::AddColumn { table, column } => {
                statements.push(add_column(dialect, table, column));
            }
            _ => statements.extend(
                migration::standard(dialect, from, to, std::slice::from_ref(change)).statements,
            ),
        }
    }
    if rebuilt.is_empty() {
        return MigrationSql {
            statements,
            no_transaction: false,
        };
    }
    for name in &rebuilt {
        let (Some(old), Some(new)) = (before(name), to.table(name)) else {
            continue;
        };
        statements.extend(rebuild(dialect, old, new, changes));
    }
    // The rows of the rebuilt tables, and of the tables that reference them, against their
    // keys (not the whole database: an old violation elsewhere is not this migration's).
    let mut checked: BTreeSet<&str> = rebuilt.clone();
    for table in &to.tables {
        if table
            .foreign_keys
            .iter()
            .any(|fk| rebuilt.contains(fk.ref_table.as_str()))
        {
            checked.insert(&table.name);
        }
    }
    let violations: Vec<String> = checked
        .iter()
        .map(|table| {
            format!(
                "SELECT 1 FROM pragma_foreign_key_check({})",
                super::quoted_list(&[(*table).to_owned()])
            )
        })
        .collect();
    let mut wrapped = vec![
        "PRAGMA foreign_keys = OFF".to_owned(),
        "BEGIN IMMEDIATE".to_owned(),
    ];
    wrapped.extend(statements);
    wrapped.extend([
        "CREATE TEMP TABLE `_foreign_key_check` (rows_violating_foreign_keys INTEGER NOT NULL \
         CHECK (rows_violating_foreign_keys = 0))"
            .to_owned(),
        format!(
            "INSERT INTO `_foreign_key_check` SELECT COUNT(*) FROM ({})",
            violations.join(" UNION ALL ")
        ),
        "DROP TABLE `_foreign_key_check`".to_owned(),
        "COMMIT".to_owned(),
        "PRAGMA foreign_keys = ON".to_owned(),
    ]);
    MigrationSql {
        statements: wrapped,
        no_transaction: true,
    }
}

/// Whether `change` to a table that exists (as `before`) needs the table rebuilt.
fn needs_rebuild(change: &SchemaChange, before: Option<&TableSchema>) -> bool {
    match change {
        SchemaChange::AlterColumn { .. }
        | SchemaChange::AlterPrimaryKey { .. }
        | SchemaChange::AddForeignKey { .. }
        | SchemaChange::DropForeignKey { .. } => true,
        SchemaChange::AddIndex { index, .. } | SchemaChange::DropIndex { index, .. } => {
            index.constraint
        }
        SchemaChange::AddColumn { column, .. } => !can_add(column),
        SchemaChange::DropColumn { column, .. } => before.is_none_or(|table| {
            let name = &column.name;
            table.primary_key.contains(name)
                || table.indexes.iter().any(|i| i.columns.contains(name))
                || table
                    .foreign_keys
                    .iter()
                    .any(|fk| fk.columns.contains(name))
        }),
        _ => false,
    }
}

/// Whether `ALTER TABLE ... ADD COLUMN` can add `column`: not generated, and NULL or a
/// literal to fill the existing rows with (SQLite refuses an expression or the current time
/// there, and NOT NULL without a default).
fn can_add(column: &ColumnSchema) -> bool {
    if column.autoincrement {
        return false;
    }
    match &column.default {
        None => column.nullable,
        Some(default) => is_literal(default),
    }
}

fn is_literal(sql: &str) -> bool {
    let sql = sql.trim();
    (sql.starts_with('\'') && sql.ends_with('\'') && sql.len() >= 2)
        || sql.parse::<f64>().is_ok()
        || ["null", "true", "false"].contains(&sql.to_ascii_lowercase().as_str())
}

/// `ALTER TABLE t ADD COLUMN`, the default written bare (SQLite refuses one in parentheses
/// there).
fn add_column<D: Dialect + ?Sized>(dialect: &D, table: &str, column: &ColumnSchema) -> String {
    let mut parts = ddl::schema_column(dialect, column);
    parts.default = None;
    let mut sql = migration::alter_table(dialect, table);
    sql.push_str(" ADD COLUMN ");
    sql.push_str(&ddl::column_definition(dialect, &parts).0);
    if let Some(default) = &column.default {
        sql.push_str(" DEFAULT ");
        sql.push_str(default);
    }
    sql
}

/// The rebuild of `old` into `new`: the columns that stay (under their new names) are copied.
fn rebuild<D: Dialect + ?Sized>(
    dialect: &D,
    old: &TableSchema,
    new: &TableSchema,
    changes: &[SchemaChange],
) -> Vec<String> {
    let staging = format!("_new_{}", new.name);
    let mut target: Vec<&str> = Vec::new();
    let mut source: Vec<&str> = Vec::new();
    for column in &new.columns {
        let renamed = changes.iter().find_map(|change| match change {
            SchemaChange::RenameColumn { table, from, to }
                if *table == new.name && *to == column.name =>
            {
                Some(from.as_str())
            }
            _ => None,
        });
        let added = changes.iter().any(|change| {
            matches!(change, SchemaChange::AddColumn { table, column: added }
                if *table == new.name && added.name == column.name)
        });
        let origin = renamed.or((!added).then_some(column.name.as_str()));
        if let Some(origin) = origin.filter(|name| old.column(name).is_some()) {
            target.push(&column.name);
            source.push(origin);
        }
    }

    let mut staged = new.clone();
    staged.name = staging.clone();
    let mut parts = ddl::schema_parts(dialect, &staged);
    // The indexes are made once the table has its name: theirs name it.
    let index_statements: Vec<String> = new
        .indexes
        .iter()
        .filter(|index| !index.constraint)
        .map(|index| migration::add_index(dialect, &new.name, index))
        .collect();
    parts.indexes.retain(|index| index.constraint);
    let mut out = ddl::create_table(dialect, &parts, false, true);

    let mut copy = String::from("INSERT INTO ");
    dialect.push_ident(&mut copy, &staging);
    copy.push(' ');
    dialect.push_ident_list(&mut copy, &target);
    copy.push_str(" SELECT ");
    for (i, name) in source.iter().enumerate() {
        if i > 0 {
            copy.push_str(", ");
        }
        dialect.push_ident(&mut copy, name);
    }
    copy.push_str(" FROM ");
    dialect.push_ident(&mut copy, &old_name_now(old, new, changes));
    out.push(copy);
    out.push(migration::drop_table(
        dialect,
        &old_name_now(old, new, changes),
    ));
    let mut rename = migration::alter_table(dialect, &staging);
    rename.push_str(" RENAME TO ");
    dialect.push_ident(&mut rename, &new.name);
    out.push(rename);
    out.extend(index_statements);
    out
}

/// The name the old table has when the rebuild runs: its new name once a rename (which runs
/// first) has been applied.
fn old_name_now(old: &TableSchema, new: &TableSchema, changes: &[SchemaChange]) -> String {
    let renamed = changes.iter().any(|change| {
        matches!(change, SchemaChange::RenameTable { from, to } if *from == old.name && *to == new.name)
    });
    if renamed {
        new.name.clone()
    } else {
        old.name.clone()
    }
}
