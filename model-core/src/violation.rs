//! Constraint violations as a type a caller can branch on: a duplicate key answers 409 rather
//! than 500, a missing parent is told apart from a bad value. Each backend reports them
//! differently (PostgreSQL in fields, MySQL/MariaDB and SQLite in their messages); the driver
//! reads what its backend says, and the registry fills in what it leaves out: the table and
//! columns of a constraint the models declared, found by its name.

use crate::driver::{Reported, reported_violation};
use crate::naming;
use crate::registry;

/// Which kind of constraint a statement broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConstraintKind {
    /// A unique constraint, unique index or primary key: the value is taken.
    Unique,
    /// A foreign key: the referenced row does not exist, or a row still refers to the one
    /// being deleted.
    ForeignKey,
    /// A `NOT NULL` column was given no value.
    NotNull,
    /// A `CHECK` constraint.
    Check,
}

/// A constraint a statement broke, with what the backend and the models say about it. Any
/// part the backend does not report and no model declares is `None` (or empty).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConstraintViolation {
    /// The kind of constraint.
    pub kind: ConstraintKind,
    /// The constraint's name (`uq_account_username`, `fk_post_author_id_user`).
    pub constraint: Option<String>,
    /// The table the constraint belongs to.
    pub table: Option<String>,
    /// The constrained columns, in order.
    pub columns: Vec<String>,
}

/// The violation `error` reports, if it reports one.
pub(crate) fn of(error: &sqlx::Error) -> Option<ConstraintViolation> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    let kind = match db.kind() {
        sqlx::error::ErrorKind::UniqueViolation => ConstraintKind::Unique,
        sqlx::error::ErrorKind::ForeignKeyViolation => ConstraintKind::ForeignKey,
        sqlx::error::ErrorKind::NotNullViolation => ConstraintKind::NotNull,
        sqlx::error::ErrorKind::CheckViolation => ConstraintKind::Check,
        _ => return None,
    };
    let Reported {
        constraint,
        table,
        columns,
    } = reported_violation(db.as_ref());
    let mut violation = ConstraintViolation {
        kind,
        constraint,
        table,
        columns,
    };
    match violation.constraint.clone() {
        Some(name) => fill_from_models(&mut violation, &name),
        None => name_from_models(&mut violation),
    }
    Some(violation)
}

/// Names the unique constraint on the reported table and columns where the backend gave no
/// name (SQLite reports `table.column` only).
fn name_from_models(violation: &mut ConstraintViolation) {
    let (ConstraintKind::Unique, Some(table)) = (violation.kind, violation.table.as_deref()) else {
        return;
    };
    let Some(table) = registry::tables().iter().find(|t| t.name() == table) else {
        return;
    };
    violation.constraint = table
        .indexes()
        .into_iter()
        .find(|index| index.unique && index.columns == violation.columns)
        .map(|index| index.name);
}

/// Fills the table and columns of constraint `name` from the model that declares it, where
/// the backend left them out (MySQL and MariaDB name only the key of a duplicate).
fn fill_from_models(violation: &mut ConstraintViolation, name: &str) {
    if violation.table.is_some() && !violation.columns.is_empty() {
        return;
    }
    for table in registry::tables() {
        if violation
            .table
            .as_deref()
            .is_some_and(|t| t != table.name())
        {
            continue;
        }
        let declared: Option<Vec<&str>> = match violation.kind {
            ConstraintKind::Unique => table
                .indexes()
                .into_iter()
                .find(|index| index.unique && index.name == name)
                .map(|index| index.columns),
            ConstraintKind::ForeignKey => table
                .foreign_keys()
                .find(|(column, fk)| {
                    naming::foreign_key_name(table.name(), column.name(), fk.table()) == name
                })
                .map(|(column, _)| vec![column.name()]),
            _ => None,
        };
        if let Some(columns) = declared {
            violation
                .table
                .get_or_insert_with(|| table.name().to_owned());
            if violation.columns.is_empty() {
                violation.columns = columns.into_iter().map(str::to_owned).collect();
            }
            return;
        }
    }
}
