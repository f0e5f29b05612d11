//! `create_all` and `drop_all`: pick the binds, validate the registry against the
//! configuration (`validate`), order tables by foreign keys (`order`), render DDL through each
//! bind's dialect and run it through its driver.

mod binds;
mod order;
mod validate;

pub use binds::Binds;

use crate::database::{Bind, Database};
use crate::error::{Error, Result};
use crate::meta::Table;

/// The tables of one bind, in creation order.
pub(crate) struct BindPlan<'db> {
    pub bind: &'db Bind,
    pub tables: Vec<&'static Table>,
}

pub(crate) async fn create_all(db: &Database, binds: &Binds) -> Result<()> {
    for plan in validate::plan(db, binds)? {
        create_bind(&plan).await?;
    }
    Ok(())
}

pub(crate) async fn drop_all(db: &Database, binds: &Binds) -> Result<()> {
    for plan in validate::plan(db, binds)? {
        drop_bind(&plan).await?;
    }
    Ok(())
}

async fn create_bind(plan: &BindPlan<'_>) -> Result<()> {
    let dialect = plan.bind.engine.dialect();
    let mut statements = Vec::new();
    let mut owners = Vec::new();
    for table in &plan.tables {
        for sql in dialect.create_table(table) {
            statements.push(sql);
            owners.push(*table);
        }
    }
    if dialect.transactional_ddl() {
        return plan
            .bind
            .engine
            .run_script(&statements, true)
            .await
            .map_err(|e| {
                database_error(
                    plan.bind,
                    creating(owners.get(e.statement).copied()),
                    e.source,
                )
            });
    }

    // No transactional DDL: remember what existed, and on failure drop what this call created.
    let existing = list_tables(plan.bind).await?;
    let Err(failure) = plan.bind.engine.run_script(&statements, false).await else {
        return Ok(());
    };
    let created: Vec<&Table> = owners[..failure.statement]
        .iter()
        .copied()
        .filter(|t| !existing.iter().any(|name| name == t.name()))
        .collect();
    let mut undo: Vec<String> = created
        .iter()
        .rev()
        .map(|t| dialect.drop_table(t))
        .collect();
    undo.dedup();
    let mut action = creating(owners.get(failure.statement).copied());
    if let Err(e) = plan.bind.engine.run_script(&undo, false).await {
        action.push_str(&format!(
            " (and dropping the {} table(s) created before the failure also failed: {})",
            undo.len(),
            e.source
        ));
    }
    Err(database_error(plan.bind, action, failure.source))
}

async fn drop_bind(plan: &BindPlan<'_>) -> Result<()> {
    let dialect = plan.bind.engine.dialect();
    let tables: Vec<&Table> = plan.tables.iter().rev().copied().collect();
    let statements: Vec<String> = tables.iter().map(|t| dialect.drop_table(t)).collect();
    plan.bind
        .engine
        .run_script(&statements, dialect.transactional_ddl())
        .await
        .map_err(|e| {
            let action = match tables.get(e.statement) {
                Some(t) => format!("dropping {}", t.describe()),
                None => "committing drop_all".to_owned(),
            };
            database_error(plan.bind, action, e.source)
        })
}

/// The tables that exist in the bind's current database or schema.
pub(crate) async fn list_tables(bind: &Bind) -> Result<Vec<String>> {
    let sql = bind.engine.dialect().list_tables_sql();
    bind.engine
        .fetch_strings(sql)
        .await
        .map_err(|e| database_error(bind, "listing existing tables".to_owned(), e))
}

fn creating(table: Option<&Table>) -> String {
    match table {
        Some(t) => format!("creating {}", t.describe()),
        None => "committing create_all".to_owned(),
    }
}

fn database_error(bind: &Bind, action: String, source: sqlx::Error) -> Error {
    Error::Database {
        bind: bind.label(),
        action,
        source,
    }
}
