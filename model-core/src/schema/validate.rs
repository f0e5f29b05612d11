//! Checks the registered models against the configuration before any DDL runs, and reports
//! every problem together: each names the model, its table and its bind. The rules are those a
//! database would otherwise enforce halfway through `create_all`, or worse, not at all.

use std::collections::{BTreeMap, HashSet};

use super::{BindPlan, BindSelection, order};
use crate::bind::Bind;
use crate::database::Database;
use crate::dialect::Dialect;
use crate::error::{Error, Result, SchemaErrors, SchemaProblem};
use crate::meta::{ColumnDef, ReferentialAction, Table};
use crate::naming::bind_label;
use crate::registry;
use crate::sql_type::EnumType;

/// The binds selected, each with its tables in creation order; or every problem found.
pub(crate) fn plan<'db>(db: &'db Database, binds: &BindSelection) -> Result<Vec<BindPlan<'db>>> {
    let all = registry::tables();
    if all.is_empty() {
        return Err(Error::NoModels);
    }
    let mut problems = Vec::new();
    let selected = select(db, binds, all, &mut problems)?;

    let mut plans = Vec::new();
    for bind in selected {
        let tables: Vec<&'static Table> = registry::tables_in(bind.key()).collect();
        check_bind(&tables, bind.engine.dialect(), &mut problems);
        match order::by_foreign_keys(&tables) {
            Ok(ordered) => plans.push(BindPlan {
                bind,
                tables: ordered,
            }),
            Err(cycle) => {
                let names: Vec<&str> = cycle.iter().map(|t| t.name()).collect();
                for table in &cycle {
                    problems.push(problem(
                        table,
                        format!(
                            "its foreign keys form a cycle among tables {}; break the cycle \
                             (e.g. keep one reference as a plain column without `foreign_key`)",
                            names.join(", ")
                        ),
                    ));
                }
            }
        }
    }

    if problems.is_empty() {
        Ok(plans)
    } else {
        problems.dedup();
        Err(Error::Schema(SchemaErrors::new(problems)))
    }
}

/// The configured binds a selection names. Every unknown key is reported at once.
fn select<'db>(
    db: &'db Database,
    binds: &BindSelection,
    all: &[&'static Table],
    problems: &mut Vec<SchemaProblem>,
) -> Result<Vec<&'db Bind>> {
    match binds {
        BindSelection::All => {
            // Every model must have somewhere to go.
            for table in all {
                if db.bind(table.bind()).is_err() {
                    problems.push(problem(
                        table,
                        format!(
                            "its bind is not configured; configured binds: {}. Add it to the \
                             configuration (Config::bind or {}) or change `#[model(bind = ...)]`",
                            db.configured_binds(),
                            crate::config::DATABASE_BINDS
                        ),
                    ));
                }
            }
            Ok(db.binds().collect())
        }
        BindSelection::Default => Ok(vec![db.bind(None)?]),
        BindSelection::List(keys) if keys.is_empty() => Err(Error::Config(
            "the list of binds is empty; use BindSelection::All for every bind".to_owned(),
        )),
        BindSelection::List(keys) => {
            let mut seen = HashSet::new();
            let mut found = Vec::new();
            let mut unknown = Vec::new();
            for key in keys.iter().filter(|k| seen.insert(*k)) {
                match db.bind(key.as_deref()) {
                    Ok(bind) => found.push(bind),
                    Err(_) => unknown.push(bind_label(key.as_deref())),
                }
            }
            if unknown.is_empty() {
                Ok(found)
            } else {
                Err(Error::UnknownBind {
                    bind: unknown.join(", "),
                    configured: db.configured_binds(),
                })
            }
        }
    }
}

/// The rules for the tables of one bind.
fn check_bind(tables: &[&'static Table], dialect: &dyn Dialect, problems: &mut Vec<SchemaProblem>) {
    let mut by_name: BTreeMap<&str, Vec<&Table>> = BTreeMap::new();
    for table in tables {
        by_name.entry(table.name()).or_default().push(table);
    }
    // Index and UNIQUE constraint names share one namespace per database (PostgreSQL: per
    // schema) on SQLite and PostgreSQL, where a repeated `CREATE INDEX IF NOT EXISTS` would
    // silently skip the second index.
    let mut index_owners: BTreeMap<String, Vec<&Table>> = BTreeMap::new();
    for table in tables {
        for index in table.indexes() {
            index_owners.entry(index.name).or_default().push(table);
        }
    }

    for table in tables {
        // Two models claiming one table would each expect their own columns in it.
        if let Some(same) = by_name.get(table.name()).filter(|same| same.len() > 1) {
            let others: Vec<String> = same
                .iter()
                .filter(|t| t.model() != table.model() || t.module_path() != table.module_path())
                .map(|t| format!("`{}::{}`", t.module_path(), t.model()))
                .collect();
            problems.push(problem(
                table,
                format!(
                    "table name \"{}\" is also used by {} in the same bind; give one of them \
                     `#[model(table = \"...\")]`",
                    table.name(),
                    others.join(", ")
                ),
            ));
        }
        check_columns(table, problems);
        check_foreign_keys(table, tables, problems);
        for (name, owners) in &index_owners {
            if owners.len() > 1 && owners.iter().any(|t| std::ptr::eq(*t, *table)) {
                problems.push(problem(
                    table,
                    format!(
                        "index or constraint name \"{name}\" is used {} times in this bind; give \
                         each `index(...)`/`unique(...)` its own `name`",
                        owners.len()
                    ),
                ));
            }
        }
        for message in dialect.check_table(table) {
            problems.push(problem(table, message));
        }
    }
    check_enum_types(tables, problems);
}

/// Native enum types are named once per database: two Rust enums under one name would share
/// one type (the second's labels never created), and on PostgreSQL a table's row type takes
/// its table's name, so an enum named like a table would be passed over for it.
fn check_enum_types(tables: &[&'static Table], problems: &mut Vec<SchemaProblem>) {
    let mut seen: BTreeMap<&str, &EnumType> = BTreeMap::new();
    for table in tables {
        for column in table.columns() {
            let Some(ty) = column.sql_type().native_enum() else {
                continue;
            };
            if let Some(first) = seen.get(ty.name()) {
                if first.rust_name() != ty.rust_name() || first.labels() != ty.labels() {
                    problems.push(problem(
                        table,
                        format!(
                            "column \"{}\" is the native enum type \"{}\" of `{}`, a name \
                             `{}` (with other labels) has too; give one \
                             `#[column_type(name = \"...\")]`",
                            column.name(),
                            ty.name(),
                            ty.rust_name(),
                            first.rust_name()
                        ),
                    ));
                }
            } else {
                seen.insert(ty.name(), ty);
            }
            if tables.iter().any(|t| t.name() == ty.name()) {
                problems.push(problem(
                    table,
                    format!(
                        "column \"{}\" is the native enum type \"{}\", which is also a table's \
                         name in this bind (PostgreSQL names each table's row type after it); \
                         give the enum `#[column_type(name = \"...\")]`",
                        column.name(),
                        ty.name()
                    ),
                ));
            }
        }
    }
}

/// Column rules the derive cannot check when columns come from flattened groups.
fn check_columns(table: &Table, problems: &mut Vec<SchemaProblem>) {
    // The derive holds `Auto` fields to what fills their columns from the struct's own key
    // fields; a key that a flattened group completes is only known here.
    for column in table.columns() {
        let generated = table.is_autoincrement(column);
        if generated && !column.is_auto() {
            problems.push(problem(
                table,
                format!(
                    "column \"{}\" is the generated key, and its field is not `Auto<...>`, so \
                     inserts could never leave it to the database; make the field `Auto<...>` \
                     or write `autoincrement = false`",
                    column.name()
                ),
            ));
        }
        let filled = generated || column.has_default() || column.server_default().is_some();
        if column.is_auto() && !filled && !column.is_version() {
            problems.push(problem(
                table,
                format!(
                    "column \"{}\" has an `Auto` field that nothing fills when it is unset (the \
                     key is not generated: the primary key has {} columns); give it a `default` \
                     or `server_default`, or make the field a plain type",
                    column.name(),
                    table.primary_key().count()
                ),
            ));
        }
    }
    let pk_len = table.primary_key().count();
    if pk_len == 0 {
        problems.push(problem(
            table,
            "it has no primary key; mark a field `#[column(primary_key)]`".into(),
        ));
    }
    // SQLite and MySQL compare column names without regard to case.
    let mut seen = HashSet::new();
    for column in table.columns() {
        if !seen.insert(column.name().to_lowercase()) {
            problems.push(problem(
                table,
                format!(
                    "column \"{}\" is declared twice (names are compared without case; a \
                     flattened group and the model, or two groups, may both have it); rename one \
                     with `#[column(name = \"...\")]`",
                    column.name()
                ),
            ));
        }
        // Only a single-column key can be generated: SQLite would turn the column into the
        // whole key, and MySQL refuses AUTO_INCREMENT on a later key column.
        if column.autoincrement_setting() == Some(true) && pk_len > 1 {
            problems.push(problem(
                table,
                format!(
                    "column \"{}\" has `autoincrement`, but the primary key has {pk_len} columns; \
                     only a single-column integer key can be generated",
                    column.name()
                ),
            ));
        }
        // PostgreSQL identity columns and MySQL AUTO_INCREMENT refuse a DEFAULT.
        if table.is_autoincrement(column) && column.server_default().is_some() {
            problems.push(problem(
                table,
                format!(
                    "column \"{}\" is generated by the database (autoincrement) and cannot also \
                     have a `server_default`; remove one of them",
                    column.name()
                ),
            ));
        }
    }
    // No backend indexes JSON with a plain index: PostgreSQL has no btree operator class for
    // jsonb, MySQL none at all.
    let keyed = crate::dialect::keyed_columns(table);
    for column in table
        .columns()
        .iter()
        .filter(|c| c.sql_type() == crate::sql_type::SqlType::Json)
    {
        if keyed.contains(column.name()) {
            problems.push(problem(
                table,
                format!(
                    "column \"{}\" is JSON and part of a key, index or foreign key, which \
                     PostgreSQL and MySQL cannot index; index a generated or separate column instead",
                    column.name()
                ),
            ));
        }
    }
    for index in table.indexes() {
        for column in &index.columns {
            if table.column(column).is_none() {
                problems.push(problem(
                    table,
                    format!(
                        "index \"{}\" names column \"{column}\", which the table does not have",
                        index.name
                    ),
                ));
            }
        }
    }
}

/// A foreign key must point at a unique column of the same type, of a table declared in the
/// same bind: databases cannot enforce references across servers, PostgreSQL and MySQL refuse
/// non-unique targets (SQLite accepts them, then fails every insert), and MySQL refuses
/// mismatched types.
fn check_foreign_keys(
    table: &Table,
    bind_tables: &[&'static Table],
    problems: &mut Vec<SchemaProblem>,
) {
    for (column, fk) in table.foreign_keys() {
        let reference = format!(
            "column \"{}\" references \"{}.{}\"",
            column.name(),
            fk.table(),
            fk.column()
        );
        let Some(target) = bind_tables.iter().find(|t| t.name() == fk.table()) else {
            problems.push(problem(table, missing_target(&reference, fk.table())));
            continue;
        };
        let Some(target_column) = target.column(fk.column()) else {
            let columns: Vec<&str> = target.columns().iter().map(|c| c.name()).collect();
            problems.push(problem(
                table,
                format!(
                    "{reference}, but table \"{}\" (model `{}`) has no column \"{}\"; its columns: {}",
                    fk.table(),
                    target.model(),
                    fk.column(),
                    columns.join(", ")
                ),
            ));
            continue;
        };
        if !is_unique_alone(target, target_column) {
            problems.push(problem(
                table,
                format!(
                    "{reference}, which is neither the whole primary key nor `unique`; a foreign \
                     key must point at a unique column"
                ),
            ));
        }
        if column.sql_type() != target_column.sql_type() {
            problems.push(problem(
                table,
                format!(
                    "{reference}, but their types differ ({:?} and {:?}); give both fields the same type",
                    column.sql_type(),
                    target_column.sql_type()
                ),
            ));
        }
        if fk.on_delete() == Some(ReferentialAction::SetNull) && !column.is_nullable() {
            problems.push(problem(
                table,
                format!(
                    "column \"{}\" has `on_delete = \"set_null\"` but is NOT NULL; make the field an \
                     `Option<...>` or choose another action",
                    column.name()
                ),
            ));
        }
    }
}

/// Whether `column` alone is unique in `table`: the whole primary key, or a one-column unique
/// constraint or index.
fn is_unique_alone(table: &Table, column: &ColumnDef) -> bool {
    let pk: Vec<&str> = table.primary_key().map(|c| c.name()).collect();
    pk == [column.name()]
        || table
            .indexes()
            .iter()
            .any(|i| i.unique && i.columns == [column.name()])
}

fn missing_target(reference: &str, target: &str) -> String {
    let elsewhere: Vec<&Table> = registry::tables()
        .iter()
        .copied()
        .filter(|t| t.name() == target)
        .collect();
    if elsewhere.is_empty() {
        return format!("{reference}, but no model declares table \"{target}\"");
    }
    let mut binds: Vec<String> = elsewhere.iter().map(|t| bind_label(t.bind())).collect();
    binds.dedup();
    let models: Vec<String> = elsewhere
        .iter()
        .map(|t| format!("`{}`", t.model()))
        .collect();
    format!(
        "{reference}, which is in bind {}; a foreign key (and a relationship over it) cannot \
         cross databases, so put this model and {} in one bind",
        binds.join(", "),
        models.join(" or ")
    )
}

fn problem(table: &Table, message: String) -> SchemaProblem {
    SchemaProblem {
        model: table.model().to_owned(),
        table: table.name().to_owned(),
        bind: bind_label(table.bind()),
        message,
    }
}
