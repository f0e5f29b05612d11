//! `create_all` and `drop_all`, and the models compared with the live databases (`check`,
//! `reflect`): pick the binds, validate the registry against the
//! configuration (`validate`), order tables by foreign keys (`order`), render DDL through each
//! bind's dialect and run it through its driver.

mod bind_selection;
mod check;
mod order;
mod reflect;
mod validate;

pub(crate) use check::{check_schema, create_all_strict};
#[cfg(feature = "migrate")]
pub(crate) use reflect::reflect_bind;
#[cfg(any(feature = "migrate", feature = "cli"))]
pub(crate) use validate::plan;

pub use bind_selection::BindSelection;

use crate::bind::Bind;
use crate::database::Database;
use crate::driver::ScriptStage;
use crate::error::{Error, Result};
use crate::meta::Table;
use crate::sql_type::EnumType;

/// The schema of the database of `bind` (`None`: the default database).
pub(crate) async fn reflect(db: &Database, bind: Option<&str>) -> Result<crate::catalog::Schema> {
    reflect::reflect_bind(db.bind(bind)?).await
}

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

/// What one DDL statement of `create_all` is for, to say what failed.
#[derive(Clone, Copy)]
enum Owner {
    /// The lock that serializes `create_all` across processes.
    Lock,
    /// A native enum type.
    Type(&'static EnumType),
    /// A table (or one of its indexes).
    Table(&'static Table),
}

/// The native enum types the tables' columns use, each once, in the order first used.
fn enum_types(tables: &[&'static Table]) -> Vec<&'static EnumType> {
    let mut types: Vec<&'static EnumType> = Vec::new();
    for column in tables.iter().flat_map(|t| t.columns()) {
        if let Some(ty) = column.sql_type().native_enum()
            && !types.iter().any(|known| known.name() == ty.name())
        {
            types.push(ty);
        }
    }
    types
}

/// The DDL of `create_all` for `tables` (in creation order) on `dialect`, each statement with
/// what it is for: the native enum types first (the columns refer to them), then each table
/// with its indexes.
fn creation_statements(
    dialect: &dyn crate::dialect::Dialect,
    tables: &[&'static Table],
) -> (Vec<String>, Vec<Owner>) {
    let mut statements = Vec::new();
    let mut owners: Vec<Owner> = Vec::new();
    for ty in enum_types(tables) {
        if let Some(sql) = dialect.create_enum_type(ty) {
            statements.push(sql);
            owners.push(Owner::Type(ty));
        }
    }
    for table in tables {
        for sql in dialect.create_table(table) {
            statements.push(sql);
            owners.push(Owner::Table(table));
        }
    }
    (statements, owners)
}

/// The statements `create_all` would run for `bind`'s models on `dialect` (the bind's own
/// when `None`), the models checked first as `create_all` checks them.
#[cfg(feature = "cli")]
pub(crate) fn create_all_sql(
    db: &Database,
    bind: Option<&str>,
    dialect: Option<&'static dyn crate::dialect::Dialect>,
) -> Result<Vec<String>> {
    let plans = validate::plan(db, &BindSelection::list([bind]))?;
    Ok(plans
        .into_iter()
        .flat_map(|plan| {
            let dialect = dialect.unwrap_or_else(|| plan.bind.engine.dialect());
            creation_statements(dialect, &plan.tables).0
        })
        .collect())
}

async fn create_bind(plan: &BindPlan<'_>) -> Result<()> {
    let dialect = plan.bind.engine.dialect();
    let transactional = dialect.transactional_ddl();
    let mut statements = Vec::new();
    let mut owners: Vec<Owner> = Vec::new();
    if let Some(lock) = dialect.ddl_lock().filter(|_| transactional) {
        statements.push(lock.to_owned());
        owners.push(Owner::Lock);
    }
    let (created, created_owners) = creation_statements(dialect, &plan.tables);
    statements.extend(created);
    owners.extend(created_owners);
    if transactional {
        plan.bind
            .engine
            .run_script(&statements, true)
            .await
            .map_err(|e| database_error(plan.bind, creating(&owners, e.stage), e.source))?;
        retire_if_types_changed(plan, &owners);
        return Ok(());
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
        .filter_map(|owner| match owner {
            Owner::Table(table) => Some(*table),
            Owner::Lock | Owner::Type(_) => None,
        })
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
    // Types last: no table uses them any more.
    let types: Vec<(&EnumType, String)> = enum_types(&plan.tables)
        .into_iter()
        .filter_map(|ty| dialect.drop_enum_type(ty).map(|sql| (ty, sql)))
        .collect();
    let statements: Vec<String> = lock
        .map(str::to_owned)
        .into_iter()
        .chain(tables.iter().map(|t| dialect.drop_table(t)))
        .chain(types.iter().map(|(_, sql)| sql.clone()))
        .collect();
    let offset = usize::from(lock.is_some());
    let dropped = plan
        .bind
        .engine
        .run_script(&statements, transactional)
        .await;
    if !types.is_empty() {
        // A type made again under the same name gets a new id, which connections that
        // looked up the old one would still bind.
        plan.bind.engine.retire_connections();
    }
    dropped.map_err(|e| {
        let action = match e.stage {
            ScriptStage::Connecting => "connecting for drop_all".to_owned(),
            ScriptStage::Statement(i) => match i.checked_sub(offset) {
                None => "taking the lock that serializes drop_all".to_owned(),
                Some(i) => match tables.get(i) {
                    Some(t) => format!("dropping {}", t.describe()),
                    None => match types.get(i - tables.len()) {
                        Some((ty, _)) => format!("dropping enum type \"{}\"", ty.name()),
                        None => "running drop_all".to_owned(),
                    },
                },
            },
            ScriptStage::Committing => "committing drop_all".to_owned(),
        };
        database_error(plan.bind, action, e.source)
    })
}

/// After DDL that made enum types: the pool's connections may have looked up a type of the
/// same name that was dropped before (its id is cached per connection), so they are retired.
fn retire_if_types_changed(plan: &BindPlan<'_>, owners: &[Owner]) {
    if owners.iter().any(|owner| matches!(owner, Owner::Type(_))) {
        plan.bind.engine.retire_connections();
    }
}

/// The tables that exist in the bind's current database or schema.
pub(crate) async fn list_tables(bind: &Bind) -> Result<Vec<String>> {
    let sql = bind.engine.dialect().list_tables_sql();
    bind.engine
        .fetch_strings(sql)
        .await
        .map_err(|e| database_error(bind, "listing existing tables".to_owned(), e))
}

/// What `create_all` was doing when it failed at `stage`; `owners` says what each statement
/// was for.
fn creating(owners: &[Owner], stage: ScriptStage) -> String {
    match stage {
        ScriptStage::Connecting => "connecting for create_all".to_owned(),
        ScriptStage::Statement(i) => match owners.get(i) {
            Some(Owner::Table(t)) => format!("creating {}", t.describe()),
            Some(Owner::Type(ty)) => format!("creating enum type \"{}\"", ty.name()),
            Some(Owner::Lock) | None => "taking the lock that serializes create_all".to_owned(),
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
