//! The models against the live databases: `check_schema` (every difference, per bind) and the
//! check `create_all_strict` makes before creating anything (an existing table that differs
//! from its model is refused, not silently kept).

use super::{BindPlan, BindSelection, reflect, validate};
use crate::catalog::diff::diff;
use crate::catalog::{BindReport, Schema, SchemaReport};
use crate::database::Database;
use crate::dialect::expected_schema;
use crate::error::{Error, Result};

/// The work of [`Database::check_schema_in`](crate::Database::check_schema_in).
pub(crate) async fn check_schema(db: &Database, binds: BindSelection) -> Result<SchemaReport> {
    let mut report = SchemaReport::default();
    for plan in validate::plan(db, &binds)? {
        let (expected, actual) = schemas(&plan).await?;
        report.binds.push(BindReport {
            bind: plan.bind.key().map(str::to_owned),
            diff: diff(&actual, &expected),
        });
    }
    Ok(report)
}

/// The work of [`Database::create_all_strict_in`](crate::Database::create_all_strict_in):
/// every existing table compared with its model first; on any difference nothing is created.
pub(crate) async fn create_all_strict(db: &Database, binds: BindSelection) -> Result<()> {
    let mut report = SchemaReport::default();
    for plan in validate::plan(db, &binds)? {
        let (mut expected, mut actual) = schemas(&plan).await?;
        // Only the tables on both sides: a missing table is what create_all is for, and a
        // table no model declares is none of its business.
        actual
            .tables
            .retain(|table| expected.table(&table.name).is_some());
        expected
            .tables
            .retain(|table| actual.table(&table.name).is_some());
        actual
            .enum_types
            .retain(|ty| expected.enum_type(&ty.name).is_some());
        expected
            .enum_types
            .retain(|ty| actual.enum_type(&ty.name).is_some());
        let found = diff(&actual, &expected);
        if !found.is_empty() {
            report.binds.push(BindReport {
                bind: plan.bind.key().map(str::to_owned),
                diff: found,
            });
        }
    }
    if !report.is_empty() {
        return Err(Error::SchemaDrift(Box::new(report)));
    }
    super::create_all(db, binds).await
}

/// What the models expect of `plan`'s bind, and what its database holds.
async fn schemas(plan: &BindPlan<'_>) -> Result<(Schema, Schema)> {
    let expected = expected_schema(plan.bind.engine.dialect(), &plan.tables);
    let actual = reflect::reflect_bind(plan.bind).await?;
    Ok((expected, actual))
}
