//! A schema change written as SQL: the statements of one direction of a migration. The
//! statements the backends share are written here; what differs goes through the dialect's
//! hooks (`alter_column_sql`, `drop_index_sql`, `drop_foreign_key_sql`, `alter_primary_key_sql`,
//! `enum_change_sql`). SQLite, which cannot alter most of a table, has its own writer
//! (`sqlite_migration.rs`).

use super::Dialect;
use super::ddl;
use crate::catalog::diff::SchemaChange;
use crate::catalog::{ColumnSchema, IndexSchema, Schema, TableSchema};

/// The SQL of one direction of a migration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MigrationSql {
    /// The statements, in order.
    pub statements: Vec<String>,
    /// Whether the statements manage their own transaction (SQLite's table rebuild, which
    /// must switch foreign keys off outside any transaction): the file then starts with
    /// `-- no-transaction`, which tells sqlx's migrator not to open one.
    pub no_transaction: bool,
}

/// The statements of `changes` (from `from` to `to`) on a backend that can alter tables in
/// place.
pub(crate) fn standard<D: Dialect + ?Sized>(
    dialect: &D,
    from: &Schema,
    to: &Schema,
    changes: &[SchemaChange],
) -> MigrationSql {
    let mut out = Vec::new();
    let context = Context { from, to, changes };
    // The foreign keys of the tables created, added once all of them exist.
    let mut created_keys: Vec<String> = Vec::new();
    for change in changes {
        if let SchemaChange::CreateTable(table) = change {
            for fk in &table.foreign_keys {
                created_keys.push(add_foreign_key(dialect, &table.name, fk));
            }
        } else {
            out.append(&mut created_keys);
        }
        out.extend(change_sql(dialect, &context, change));
    }
    out.append(&mut created_keys);
    MigrationSql {
        statements: out,
        no_transaction: false,
    }
}

/// What a change is written in: the schemas on both sides and the migration's other changes.
pub(crate) struct Context<'a> {
    pub from: &'a Schema,
    pub to: &'a Schema,
    pub changes: &'a [SchemaChange],
}

impl Context<'_> {
    /// The table named `name` after the migration's renames, as it is before them.
    pub(crate) fn before(&self, name: &str) -> Option<&TableSchema> {
        let old = self
            .changes
            .iter()
            .find_map(|change| match change {
                SchemaChange::RenameTable { from, to } if to == name => Some(from.as_str()),
                _ => None,
            })
            .unwrap_or(name);
        self.from.table(old)
    }
}

fn change_sql<D: Dialect + ?Sized>(
    dialect: &D,
    context: &Context<'_>,
    change: &SchemaChange,
) -> Vec<String> {
    let (from, to) = (context.from, context.to);
    match change {
        SchemaChange::CreateEnumType(_)
        | SchemaChange::AddEnumLabels { .. }
        | SchemaChange::AlterEnumType { .. }
        | SchemaChange::DropEnumType(_) => dialect.enum_change_sql(change, from, to),
        SchemaChange::CreateTable(table) => {
            ddl::create_table(dialect, &ddl::schema_parts(dialect, table), false, false)
        }
        SchemaChange::RenameTable { from, to } => {
            let mut sql = alter_table(dialect, from);
            sql.push_str(" RENAME TO ");
            dialect.push_ident(&mut sql, to);
            vec![sql]
        }
        SchemaChange::DropTable(table) => vec![drop_table(dialect, &table.name)],
        SchemaChange::AddColumn { table, column } => vec![add_column(dialect, table, column)],
        SchemaChange::RenameColumn { table, from, to } => {
            let mut sql = alter_table(dialect, table);
            sql.push_str(" RENAME COLUMN ");
            dialect.push_ident(&mut sql, from);
            sql.push_str(" TO ");
            dialect.push_ident(&mut sql, to);
            vec![sql]
        }
        SchemaChange::AlterColumn {
            table,
            from: old,
            to: new,
        } => dialect.alter_column_sql(table, old, new),
        SchemaChange::DropColumn { table, column } => {
            let mut sql = alter_table(dialect, table);
            sql.push_str(" DROP COLUMN ");
            dialect.push_ident(&mut sql, &column.name);
            vec![sql]
        }
        SchemaChange::AlterPrimaryKey {
            table,
            from: old,
            to: new,
        } => dialect.alter_primary_key_sql(table, old, new),
        SchemaChange::AddIndex { table, index } => vec![add_index(dialect, table, index)],
        SchemaChange::DropIndex { table, index } => vec![dialect.drop_index_sql(table, index)],
        SchemaChange::AddForeignKey { table, foreign_key } => {
            vec![add_foreign_key(dialect, table, foreign_key)]
        }
        SchemaChange::DropForeignKey { table, foreign_key } => {
            // The table as it was (its indexes tell MySQL whether the key had one of its own),
            // under the name it has now.
            let mut old = context.before(table).cloned().unwrap_or_default();
            old.name = table.clone();
            dialect.drop_foreign_key_sql(&old, foreign_key)
        }
    }
}

/// `ALTER TABLE t ADD CONSTRAINT ... FOREIGN KEY ...`.
fn add_foreign_key<D: Dialect + ?Sized>(
    dialect: &D,
    table: &str,
    fk: &crate::catalog::ForeignKeySchema,
) -> String {
    let mut sql = alter_table(dialect, table);
    sql.push_str(" ADD ");
    sql.push_str(&ddl::foreign_key_clause(
        dialect,
        &ddl::foreign_key_parts(dialect, fk),
    ));
    sql
}

/// `ALTER TABLE "name"`.
pub(crate) fn alter_table<D: Dialect + ?Sized>(dialect: &D, table: &str) -> String {
    let mut sql = String::from("ALTER TABLE ");
    dialect.push_ident(&mut sql, table);
    sql
}

/// `DROP TABLE "name"`.
pub(crate) fn drop_table<D: Dialect + ?Sized>(dialect: &D, table: &str) -> String {
    let mut sql = String::from("DROP TABLE ");
    dialect.push_ident(&mut sql, table);
    sql
}

/// `ALTER TABLE t ADD COLUMN <definition>`.
pub(crate) fn add_column<D: Dialect + ?Sized>(
    dialect: &D,
    table: &str,
    column: &ColumnSchema,
) -> String {
    let mut sql = alter_table(dialect, table);
    sql.push_str(" ADD COLUMN ");
    sql.push_str(&ddl::column_definition(dialect, &ddl::schema_column(dialect, column)).0);
    sql
}

/// A unique constraint (`ALTER TABLE ... ADD CONSTRAINT ... UNIQUE`) or an index.
pub(crate) fn add_index<D: Dialect + ?Sized>(
    dialect: &D,
    table: &str,
    index: &IndexSchema,
) -> String {
    let columns: Vec<&str> = index.columns.iter().map(String::as_str).collect();
    if index.constraint {
        let mut sql = alter_table(dialect, table);
        sql.push_str(" ADD CONSTRAINT ");
        dialect.push_ident(&mut sql, &index.name);
        sql.push_str(" UNIQUE ");
        dialect.push_ident_list(&mut sql, &columns);
        return sql;
    }
    ddl::create_index(
        dialect,
        table,
        &ddl::IndexParts {
            name: &index.name,
            columns,
            unique: index.unique,
            constraint: false,
        },
        false,
    )
}

/// The standard forms of the hooks, which PostgreSQL uses as they are.
pub(crate) mod hooks {
    use super::{Dialect, alter_table};
    use crate::catalog::{ColumnSchema, ForeignKeySchema, IndexSchema, TableSchema};

    /// `ALTER COLUMN` clauses, one statement each: type (with collation), nullability,
    /// default, identity.
    pub(crate) fn alter_column<D: Dialect + ?Sized>(
        dialect: &D,
        table: &str,
        from: &ColumnSchema,
        to: &ColumnSchema,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let column = |clause: &str| {
            let mut sql = alter_table(dialect, table);
            sql.push_str(" ALTER COLUMN ");
            dialect.push_ident(&mut sql, &to.name);
            sql.push(' ');
            sql.push_str(clause);
            sql
        };
        let retyped = from.data_type != to.data_type || from.collation != to.collation;
        // Within a type (a longer VARCHAR, more digits) the server's own assignment cast
        // refuses what does not fit; an explicit cast would cut text to the new length.
        let same_base = from.base_type() == to.base_type();
        // A default of the old type may not cast to the new one: it goes first, and comes
        // back after.
        if retyped && from.default.is_some() {
            out.push(column("DROP DEFAULT"));
        }
        if retyped {
            let ty = dialect.schema_type(to);
            let mut clause = format!("TYPE {ty}");
            if let Some(collation) = &to.collation {
                clause.push_str(" COLLATE ");
                dialect.push_ident(&mut clause, collation);
            }
            if !same_base {
                clause.push_str(" USING ");
                dialect.push_ident(&mut clause, &to.name);
                // An enum converts from and to its text; other types by their own casts
                // (through text a NUMERIC would not become an INTEGER, nor a TIMESTAMPTZ a
                // TIMESTAMP in the session's time zone).
                let old = dialect.schema_type(from);
                if old.starts_with('"') || ty.starts_with('"') {
                    clause.push_str("::text");
                }
                clause.push_str("::");
                clause.push_str(&ty);
            }
            out.push(column(&clause));
        }
        if from.nullable != to.nullable {
            out.push(column(if to.nullable {
                "DROP NOT NULL"
            } else {
                "SET NOT NULL"
            }));
        }
        if from.default_normalized() != to.default_normalized() || (retyped && to.default.is_some())
        {
            match &to.default {
                Some(default) => out.push(column(&format!("SET DEFAULT {default}"))),
                None if !retyped => out.push(column("DROP DEFAULT")),
                None => {}
            }
        }
        if from.autoincrement != to.autoincrement {
            out.push(column(if to.autoincrement {
                "ADD GENERATED BY DEFAULT AS IDENTITY"
            } else {
                "DROP IDENTITY IF EXISTS"
            }));
            if to.autoincrement {
                // The identity starts at 1: moved past the rows' values, or the next insert
                // would collide with them.
                let mut sql = String::from("SELECT setval(pg_get_serial_sequence(");
                let mut quoted = String::new();
                dialect.push_ident(&mut quoted, table);
                sql.push_str(&crate::dialect::quoted_list(&[quoted]));
                sql.push_str(", ");
                sql.push_str(&crate::dialect::quoted_list(std::slice::from_ref(&to.name)));
                sql.push_str("), COALESCE(MAX(");
                dialect.push_ident(&mut sql, &to.name);
                sql.push_str("), 0) + 1, false) FROM ");
                dialect.push_ident(&mut sql, table);
                out.push(sql);
            }
        }
        out
    }

    /// `ALTER TABLE t DROP CONSTRAINT n` for a unique constraint, `DROP INDEX n` otherwise.
    pub(crate) fn drop_index<D: Dialect + ?Sized>(
        dialect: &D,
        table: &str,
        index: &IndexSchema,
    ) -> String {
        if index.constraint {
            let mut sql = alter_table(dialect, table);
            sql.push_str(" DROP CONSTRAINT ");
            dialect.push_ident(&mut sql, &index.name);
            sql
        } else {
            let mut sql = String::from("DROP INDEX ");
            dialect.push_ident(&mut sql, &index.name);
            sql
        }
    }

    /// `ALTER TABLE t DROP CONSTRAINT n`.
    pub(crate) fn drop_foreign_key<D: Dialect + ?Sized>(
        dialect: &D,
        table: &TableSchema,
        fk: &ForeignKeySchema,
    ) -> Vec<String> {
        let mut sql = alter_table(dialect, &table.name);
        sql.push_str(" DROP CONSTRAINT ");
        dialect.push_ident(&mut sql, &fk.name);
        vec![sql]
    }

    /// The key dropped by the name the catalog gives it (PostgreSQL names an unnamed key
    /// `<table>_pkey` when it is made, and keeps that name when the table is renamed, so the
    /// name is looked up), and added over the new columns.
    pub(crate) fn alter_primary_key<D: Dialect + ?Sized>(
        dialect: &D,
        table: &str,
        from: &[String],
        to: &[String],
    ) -> Vec<String> {
        let mut out = Vec::new();
        if !from.is_empty() {
            let name = crate::dialect::quoted_list(&[table.to_owned()]);
            out.push(format!(
                "DO $mc$ BEGIN EXECUTE (SELECT format('ALTER TABLE %I DROP CONSTRAINT %I', \
                 c.relname, k.conname) FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
                 WHERE c.relname = {name} AND c.relnamespace = current_schema()::regnamespace \
                 AND k.contype = 'p'); END $mc$"
            ));
        }
        if !to.is_empty() {
            let mut sql = alter_table(dialect, table);
            sql.push_str(" ADD PRIMARY KEY ");
            let columns: Vec<&str> = to.iter().map(String::as_str).collect();
            dialect.push_ident_list(&mut sql, &columns);
            out.push(sql);
        }
        out
    }
}
