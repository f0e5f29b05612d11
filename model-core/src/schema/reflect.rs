//! A live database read into a [`Schema`]: every table of the bind's database (or schema, on
//! PostgreSQL), one catalog query each, read by the bind's dialect; and its enum types. What the
//! catalog says is the dialect's business (`dialect/catalog.rs`); running its queries is this
//! module's.

use crate::bind::Bind;
use crate::catalog::{EnumTypeSchema, Schema};
use crate::dialect::{CatalogRow, assemble_reflected};
use crate::driver::{DriverError, RowCount, sink};
use crate::error::{Error, Result};
use crate::value::Value;

/// Tables kept by migration tools for their own bookkeeping, which no model declares and no
/// comparison with the models reports.
pub(crate) const BOOKKEEPING_TABLES: &[&str] = &["_sqlx_migrations"];

/// The schema of `bind`'s database.
pub(crate) async fn reflect_bind(bind: &Bind) -> Result<Schema> {
    let dialect = bind.engine.dialect();
    let mut names = super::list_tables(bind).await?;
    names.retain(|name| !BOOKKEEPING_TABLES.contains(&name.as_str()));
    names.sort();
    let (sql, times) = dialect.reflect_table_sql();
    let sql = dialect.raw_sql(sql);
    let mut tables = Vec::with_capacity(names.len());
    for name in names {
        let args = vec![Value::from(name.as_str()); times];
        let mut rows = sink::rows::<CatalogRow>(RowCount::All);
        bind.engine
            .read_into(&sql, &args, &mut rows)
            .await
            .map_err(|e| catalog_error(bind, &format!("table \"{name}\""), e))?;
        let mut table = assemble_reflected(dialect, &name, &rows.rows);
        dialect.finish_reflected(&mut table, &rows.rows);
        tables.push(table);
    }
    let mut enum_types: Vec<EnumTypeSchema> = Vec::new();
    if let Some(sql) = dialect.reflect_enum_types_sql() {
        let mut rows = sink::rows::<(String, String)>(RowCount::All);
        bind.engine
            .read_into(sql, &[], &mut rows)
            .await
            .map_err(|e| catalog_error(bind, "enum types", e))?;
        for (name, label) in rows.rows {
            match enum_types.last_mut() {
                Some(ty) if ty.name == name => ty.labels.push(label),
                _ => enum_types.push(EnumTypeSchema {
                    name,
                    labels: vec![label],
                }),
            }
        }
    }
    Ok(Schema { tables, enum_types }.sorted())
}

fn catalog_error(bind: &Bind, what: &str, error: DriverError) -> Error {
    let action = format!("reading the catalog: {what}");
    match error {
        DriverError::Sql(source) => Error::Database {
            bind: bind.label(),
            action,
            source,
        },
        DriverError::Decode(decode) => Error::Database {
            bind: bind.label(),
            action,
            source: sqlx::Error::Decode(decode.into_source()),
        },
    }
}
