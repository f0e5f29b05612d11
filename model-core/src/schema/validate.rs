//! Checks the registered models against the configuration before any DDL runs, and reports
//! every problem together: each names the model, its table and its bind.

use std::collections::{BTreeMap, HashSet};

use super::{BindPlan, Binds, order};
use crate::database::{Bind, Database};
use crate::error::{Error, Result, SchemaErrors, SchemaProblem};
use crate::meta::Table;
use crate::naming::bind_label;
use crate::registry;

/// The binds selected, each with its tables in creation order; or every problem found.
pub(crate) fn plan<'db>(db: &'db Database, binds: &Binds) -> Result<Vec<BindPlan<'db>>> {
    let all = registry::tables();
    if all.is_empty() {
        return Err(Error::NoModels);
    }
    let mut problems = Vec::new();

    let selected: Vec<&Bind> = match binds {
        Binds::All => {
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
            db.binds().collect()
        }
        Binds::Default => vec![db.bind(None)?],
        Binds::List(keys) => {
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for key in keys {
                if seen.insert(key) {
                    out.push(db.bind(key.as_deref())?);
                }
            }
            out
        }
    };

    let mut plans = Vec::new();
    for bind in selected {
        let tables: Vec<&'static Table> = registry::tables_in(bind.key()).collect();
        check_bind(&tables, &mut problems);
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
                             (e.g. make one reference nullable and set it after insert, without a \
                             declared foreign key)",
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

/// The rules for the tables of one bind.
fn check_bind(tables: &[&'static Table], problems: &mut Vec<SchemaProblem>) {
    let mut by_name: BTreeMap<&str, Vec<&Table>> = BTreeMap::new();
    for table in tables {
        by_name.entry(table.name()).or_default().push(table);
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
    }
}

/// Column rules the derive cannot check when columns come from flattened groups.
fn check_columns(table: &Table, problems: &mut Vec<SchemaProblem>) {
    if table.primary_key().next().is_none() {
        problems.push(problem(
            table,
            "it has no primary key; mark a field `#[column(primary_key)]`".into(),
        ));
    }
    let mut seen = HashSet::new();
    for column in table.columns() {
        if !seen.insert(column.name()) {
            problems.push(problem(
                table,
                format!(
                    "column \"{}\" is declared twice (a flattened group and the model, or two \
                     groups, both have it); rename one with `#[column(name = \"...\")]`",
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

/// A foreign key must point at a column of a table declared in the same bind: databases cannot
/// enforce references across servers.
fn check_foreign_keys(
    table: &Table,
    bind_tables: &[&'static Table],
    problems: &mut Vec<SchemaProblem>,
) {
    for (column, fk) in table.foreign_keys() {
        let target = bind_tables.iter().find(|t| t.name() == fk.table());
        let message = match target {
            Some(target) => match target.column(fk.column()) {
                Some(_) => continue,
                None => format!(
                    "column \"{}\" references \"{}.{}\", but table \"{}\" (model `{}`) has no column \"{}\"; its columns: {}",
                    column.name(),
                    fk.table(),
                    fk.column(),
                    fk.table(),
                    target.model(),
                    fk.column(),
                    target
                        .columns()
                        .iter()
                        .map(|c| c.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            None => {
                let elsewhere: Vec<&Table> = registry::tables()
                    .iter()
                    .copied()
                    .filter(|t| t.name() == fk.table())
                    .collect();
                if elsewhere.is_empty() {
                    format!(
                        "column \"{}\" references \"{}.{}\", but no model declares table \"{}\"",
                        column.name(),
                        fk.table(),
                        fk.column(),
                        fk.table()
                    )
                } else {
                    let mut binds: Vec<String> =
                        elsewhere.iter().map(|t| bind_label(t.bind())).collect();
                    binds.dedup();
                    format!(
                        "column \"{}\" references \"{}.{}\", which is in bind {}; a foreign key \
                         cannot cross databases, so put both models in one bind",
                        column.name(),
                        fk.table(),
                        fk.column(),
                        binds.join(", ")
                    )
                }
            }
        };
        problems.push(problem(table, message));
    }
}

fn problem(table: &Table, message: String) -> SchemaProblem {
    SchemaProblem {
        model: table.model().to_owned(),
        table: table.name().to_owned(),
        bind: bind_label(table.bind()),
        message,
    }
}
