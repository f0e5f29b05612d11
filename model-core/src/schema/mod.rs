//! `create_all` and `drop_all`: pick the binds, validate the registry against the
//! configuration (`validate`), order tables by foreign keys (`order`), render DDL through each
//! bind's dialect and run it through its driver.

mod bind_selection;
mod order;
mod validate;

pub use bind_selection::BindSelection;

use crate::bind::Bind;
use crate::database::Database;
use crate::driver::ScriptStage;
use crate::error::{Error, Result};
use crate::meta::Table;

/// The tables of one bind, in creation order.
pub(crate) struct BindPlan<'db> {
    pub bind: &'db Bind,
    pub tables: Vec<&'static Table>,
}

/// The work of [`Database::create_all_in`](crate::Database::create_all_in).
pub(crate) async fn create_all(db: &Database, binds: BindSelection) -> Result<()> {
    for plan in validate::plan(db, &binds)? {
        create_bind(&plan).await?;
    }
    Ok(())
}

/// The work of [`Database::drop_all_in`](crate::Database::drop_all_in).
pub(crate) async fn drop_all(db: &Database, binds: BindSelection) -> Result<()> {
    for plan in validate::plan(db, &binds)? {
        drop_bind(&plan).await?;
    }
    Ok(())
}

async fn create_bind(plan: &BindPlan<'_>) -> Result<()> {
    let dialect = plan.bind.engine.dialect();
    let transactional = dialect.transactional_ddl();
    let mut statements = Vec::new();
    // The table each statement belongs to; `None` for the lock.
    let mut owners: Vec<Option<&Table>> = Vec::new();
    if let Some(lock) = dialect.ddl_lock().filter(|_| transactional) {
        statements.push(lock.to_owned());
        owners.push(None);
    }
    for table in &plan.tables {
        for sql in dialect.create_table(table) {
            statements.push(sql);
            owners.push(Some(*table));
        }
    }
    if transactional {
        return plan
            .bind
            .engine
            .run_script(&statements, true)
            .await
            .map_err(|e| database_error(plan.bind, creating(&owners, e.stage), e.source));
    }

    // No transactional DDL: remember what existed, and on failure drop what this call created.
    let existing = list_tables(plan.bind).await?;
    let Err(failure) = plan.bind.engine.run_script(&statements, false).await else {
        return Ok(());
    };
    // MySQL may report names lowercased (lower_case_table_names), so compare without case.
    let ran = match failure.stage {
        ScriptStage::Connecting => 0,
        ScriptStage::Statement(i) => i,
        ScriptStage::Committing => owners.len(),
    };
    let created: Vec<&Table> = owners[..ran]
        .iter()
        .copied()
        .flatten()
        .filter(|t| {
            !existing
                .iter()
                .any(|name| name.eq_ignore_ascii_case(t.name()))
        })
        .collect();
    let mut undo: Vec<String> = created
        .iter()
        .rev()
        .map(|t| dialect.drop_table(t))
        .collect();
    undo.dedup();
    let mut action = creating(&owners, failure.stage);
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
    let transactional = dialect.transactional_ddl();
    let lock = dialect.ddl_lock().filter(|_| transactional);
    let tables: Vec<&Table> = plan.tables.iter().rev().copied().collect();
    let statements: Vec<String> = lock
        .map(str::to_owned)
        .into_iter()
        .chain(tables.iter().map(|t| dialect.drop_table(t)))
        .collect();
    let offset = usize::from(lock.is_some());
    plan.bind
        .engine
        .run_script(&statements, transactional)
        .await
        .map_err(|e| {
            let action = match e.stage {
                ScriptStage::Connecting => "connecting for drop_all".to_owned(),
                ScriptStage::Statement(i) => {
                    match i.checked_sub(offset).and_then(|i| tables.get(i)) {
                        Some(t) => format!("dropping {}", t.describe()),
                        None => "taking the lock that serializes drop_all".to_owned(),
                    }
                }
                ScriptStage::Committing => "committing drop_all".to_owned(),
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

/// What `create_all` was doing when it failed at `stage`; `owners` holds the table of each
/// statement (`None` for the lock).
fn creating(owners: &[Option<&Table>], stage: ScriptStage) -> String {
    match stage {
        ScriptStage::Connecting => "connecting for create_all".to_owned(),
        ScriptStage::Statement(i) => match owners.get(i).copied().flatten() {
            Some(t) => format!("creating {}", t.describe()),
            None => "taking the lock that serializes create_all".to_owned(),
        },
        ScriptStage::Committing => "committing create_all".to_owned(),
    }
}

fn database_error(bind: &Bind, action: String, source: sqlx::Error) -> Error {
    Error::Database {
        bind: bind.label(),
        action,
        source,
    }
}
