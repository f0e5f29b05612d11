//! `CREATE TABLE` as parts: the columns with their clauses, the key, the unique constraints,
//! the foreign keys and the indexes. `create_all` fills the parts from a model's [`Table`],
//! a migration from a [`TableSchema`] (the models' or one read back from a database), and both
//! are written by the one function here, so the two cannot drift apart.

use super::{AutoincrementSql, Dialect, keyed_columns};
use crate::catalog::{ColumnSchema, TableSchema};
use crate::meta::{ReferentialAction, Table};
use crate::naming;

/// One column of a `CREATE TABLE` (or an `ADD COLUMN`).
pub(crate) struct ColumnParts<'a> {
    pub name: &'a str,
    /// The type as the dialect writes it (with an enum's `CHECK`, MySQL's `ENUM(...)`).
    pub ty: String,
    pub autoincrement: bool,
    pub collation: Option<&'a str>,
    pub nullable: bool,
    /// The `DEFAULT` expression.
    pub default: Option<&'a str>,
}

/// A unique constraint or an index.
pub(crate) struct IndexParts<'a> {
    pub name: &'a str,
    pub columns: Vec<&'a str>,
    pub unique: bool,
    pub constraint: bool,
}

/// A foreign key.
pub(crate) struct ForeignKeyParts<'a> {
    pub name: String,
    pub columns: Vec<&'a str>,
    pub ref_table: &'a str,
    pub ref_columns: Vec<&'a str>,
    /// Written only when given.
    pub on_delete: Option<ReferentialAction>,
}

/// A whole table.
pub(crate) struct TableParts<'a> {
    pub name: &'a str,
    pub columns: Vec<ColumnParts<'a>>,
    pub primary_key: Vec<&'a str>,
    pub indexes: Vec<IndexParts<'a>>,
    pub foreign_keys: Vec<ForeignKeyParts<'a>>,
    /// The table's collation, where the dialect writes one (MySQL).
    pub collation: Option<&'a str>,
}

/// The parts of a model's table, as `create_all` writes it.
pub(crate) fn table_parts<'a, D: Dialect + ?Sized>(
    dialect: &D,
    table: &'a Table,
    indexes: &'a [crate::meta::ResolvedIndex],
) -> TableParts<'a> {
    let keyed = keyed_columns(table);
    TableParts {
        name: table.name(),
        columns: table
            .columns()
            .iter()
            .map(|column| ColumnParts {
                name: column.name(),
                ty: dialect.column_type(column, keyed.contains(column.name())),
                autoincrement: table.is_autoincrement(column),
                collation: dialect.column_collation(table, column),
                nullable: column.is_nullable(),
                default: column.server_default(),
            })
            .collect(),
        primary_key: table.primary_key().map(|c| c.name()).collect(),
        indexes: indexes
            .iter()
            .map(|index| IndexParts {
                name: &index.name,
                columns: index.columns.clone(),
                unique: index.unique,
                constraint: index.constraint,
            })
            .collect(),
        foreign_keys: table
            .foreign_keys()
            .map(|(column, fk)| ForeignKeyParts {
                name: naming::foreign_key_name(table.name(), column.name(), fk.table()),
                columns: vec![column.name()],
                ref_table: fk.table(),
                ref_columns: vec![fk.column()],
                on_delete: fk.on_delete(),
            })
            .collect(),
        collation: dialect.table_collation(table),
    }
}

/// The parts of a table described by its schema.
pub(crate) fn schema_parts<'a, D: Dialect + ?Sized>(
    dialect: &D,
    table: &'a TableSchema,
) -> TableParts<'a> {
    TableParts {
        name: &table.name,
        columns: table
            .columns
            .iter()
            .map(|column| schema_column(dialect, column))
            .collect(),
        primary_key: table.primary_key.iter().map(String::as_str).collect(),
        indexes: table
            .indexes
            .iter()
            .map(|index| IndexParts {
                name: &index.name,
                columns: index.columns.iter().map(String::as_str).collect(),
                unique: index.unique,
                constraint: index.constraint,
            })
            .collect(),
        foreign_keys: table
            .foreign_keys
            .iter()
            .map(|fk| foreign_key_parts(dialect, fk))
            .collect(),
        collation: table.collation.as_deref(),
    }
}

/// A foreign key of a schema, its `ON DELETE` written unless it is the backend's default.
pub(crate) fn foreign_key_parts<'a, D: Dialect + ?Sized>(
    dialect: &D,
    fk: &'a crate::catalog::ForeignKeySchema,
) -> ForeignKeyParts<'a> {
    ForeignKeyParts {
        name: fk.name.clone(),
        columns: fk.columns.iter().map(String::as_str).collect(),
        ref_table: &fk.ref_table,
        ref_columns: fk.ref_columns.iter().map(String::as_str).collect(),
        on_delete: Some(fk.on_delete).filter(|action| *action != dialect.default_on_delete()),
    }
}

/// A column of a schema.
pub(crate) fn schema_column<'a, D: Dialect + ?Sized>(
    dialect: &D,
    column: &'a ColumnSchema,
) -> ColumnParts<'a> {
    ColumnParts {
        name: &column.name,
        ty: dialect.schema_type(column),
        autoincrement: column.autoincrement,
        collation: column.collation.as_deref(),
        nullable: column.nullable,
        default: column.default.as_deref(),
    }
}

/// `name type ...`: one column's definition; and whether it declares the primary key itself
/// (SQLite's rowid alias).
pub(crate) fn column_definition<D: Dialect + ?Sized>(
    dialect: &D,
    column: &ColumnParts<'_>,
) -> (String, bool) {
    let mut item = String::new();
    let mut inline_pk = false;
    dialect.push_ident(&mut item, column.name);
    item.push(' ');
    if column.autoincrement {
        match dialect.autoincrement(column.ty.clone()) {
            AutoincrementSql::Suffix(ty, suffix) => {
                item.push_str(&ty);
                item.push_str(" NOT NULL ");
                item.push_str(suffix);
            }
            AutoincrementSql::Replace(ty) => {
                item.push_str(&ty);
                item.push_str(" NOT NULL");
            }
            AutoincrementSql::InlinePrimaryKey(ty) => {
                item.push_str(&ty);
                item.push_str(" NOT NULL PRIMARY KEY");
                inline_pk = true;
            }
        }
    } else {
        item.push_str(&column.ty);
        if let Some(collation) = column.collation {
            item.push_str(" COLLATE ");
            dialect.push_ident(&mut item, collation);
        }
        if !column.nullable {
            item.push_str(" NOT NULL");
        }
    }
    if let Some(sql) = column.default {
        item.push(' ');
        item.push_str(&dialect.server_default(&column.ty, sql));
    }
    (item, inline_pk)
}

/// `CONSTRAINT name FOREIGN KEY (...) REFERENCES table (...) [ON DELETE ...]`.
pub(crate) fn foreign_key_clause<D: Dialect + ?Sized>(
    dialect: &D,
    fk: &ForeignKeyParts<'_>,
) -> String {
    let mut item = String::from("CONSTRAINT ");
    dialect.push_ident(&mut item, &fk.name);
    item.push_str(" FOREIGN KEY ");
    dialect.push_ident_list(&mut item, &fk.columns);
    item.push_str(" REFERENCES ");
    dialect.push_ident(&mut item, fk.ref_table);
    item.push(' ');
    dialect.push_ident_list(&mut item, &fk.ref_columns);
    if let Some(action) = fk.on_delete {
        item.push_str(" ON DELETE ");
        item.push_str(action.sql());
    }
    item
}

/// `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (...)`.
pub(crate) fn create_index<D: Dialect + ?Sized>(
    dialect: &D,
    table: &str,
    index: &IndexParts<'_>,
    if_not_exists: bool,
) -> String {
    let mut sql = String::from(if index.unique {
        "CREATE UNIQUE INDEX "
    } else {
        "CREATE INDEX "
    });
    if if_not_exists {
        sql.push_str("IF NOT EXISTS ");
    }
    dialect.push_ident(&mut sql, index.name);
    sql.push_str(" ON ");
    dialect.push_ident(&mut sql, table);
    sql.push(' ');
    dialect.push_ident_list(&mut sql, &index.columns);
    sql
}

/// `CREATE TABLE` and its `CREATE INDEX` statements; `IF NOT EXISTS` for `create_all`, which
/// leaves existing tables alone, not for a migration, which must fail on a surprise.
/// `with_foreign_keys: false` leaves the foreign keys out, for a migration that adds them once
/// every table it creates exists.
pub(crate) fn create_table<D: Dialect + ?Sized>(
    dialect: &D,
    table: &TableParts<'_>,
    if_not_exists: bool,
    with_foreign_keys: bool,
) -> Vec<String> {
    let mut inline_pk = false;
    let mut items: Vec<String> = Vec::new();
    for column in &table.columns {
        let (item, inline) = column_definition(dialect, column);
        inline_pk |= inline;
        items.push(item);
    }
    if !table.primary_key.is_empty() && !inline_pk {
        let mut item = String::from("PRIMARY KEY ");
        dialect.push_ident_list(&mut item, &table.primary_key);
        items.push(item);
    }
    for index in table.indexes.iter().filter(|i| i.constraint) {
        let mut item = String::from("CONSTRAINT ");
        dialect.push_ident(&mut item, index.name);
        item.push_str(" UNIQUE ");
        dialect.push_ident_list(&mut item, &index.columns);
        items.push(item);
    }
    if with_foreign_keys {
        items.extend(
            table
                .foreign_keys
                .iter()
                .map(|fk| foreign_key_clause(dialect, fk)),
        );
    }
    if dialect.inline_indexes() {
        for index in table.indexes.iter().filter(|i| !i.constraint) {
            let mut item = String::from(if index.unique {
                "UNIQUE INDEX "
            } else {
                "INDEX "
            });
            dialect.push_ident(&mut item, index.name);
            item.push(' ');
            dialect.push_ident_list(&mut item, &index.columns);
            items.push(item);
        }
    }

    let mut create = String::from(if if_not_exists {
        "CREATE TABLE IF NOT EXISTS "
    } else {
        "CREATE TABLE "
    });
    dialect.push_ident(&mut create, table.name);
    create.push_str(" (\n    ");
    create.push_str(&items.join(",\n    "));
    create.push_str("\n)");
    create.push_str(&dialect.table_options(table.collation));

    let mut statements = vec![create];
    if !dialect.inline_indexes() {
        for index in table.indexes.iter().filter(|i| !i.constraint) {
            statements.push(create_index(dialect, table.name, index, if_not_exists));
        }
    }
    statements
}
