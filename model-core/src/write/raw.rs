//! The escape hatch: SQL written by hand, run on a bind with bound values, and read into a
//! model, a `#[derive(FromRow)]` struct, a tuple or a single value, on the pool or inside a
//! session. Placeholders are `?` on every backend (PostgreSQL's `$1`, `$2`... also work
//! there): the dialect numbers them where the backend wants numbers.

use crate::driver::{RowCount, sink};
use crate::error::{Error, Result};
use crate::executor::{On, Runner};
use crate::from_row::FromRow;
use crate::model::Model;
use crate::value::Value;

/// The work of [`Database::execute_raw`](crate::Database::execute_raw).
pub(crate) async fn execute_raw(
    run: &mut Runner<'_>,
    bind: Option<&str>,
    sql: &str,
    values: &[Value],
) -> Result<u64> {
    let on = On::Bind(bind);
    let sql = run.dialect(on)?.raw_sql(sql);
    run.execute(on, &sql, values.to_vec(), |bind, source| Error::Database {
        bind,
        action: "running raw SQL".to_owned(),
        source,
    })
    .await
}

/// The work of [`Database::fetch_raw`](crate::Database::fetch_raw).
pub(crate) async fn fetch_raw<M: Model>(
    run: &mut Runner<'_>,
    sql: &str,
    values: &[Value],
) -> Result<Vec<M>> {
    let on = On::Table(M::TABLE);
    let sql = run.dialect(on)?.raw_sql(sql);
    let mut rows = sink::models::<M>(RowCount::All);
    run.fetch_once(on, &sql, values, &mut rows, |bind, e| {
        Error::reading(M::TABLE, bind, e)
    })
    .await?;
    Ok(rows.rows)
}

/// The work of [`Database::fetch_as`](crate::Database::fetch_as).
pub(crate) async fn fetch_as<R: FromRow>(
    run: &mut Runner<'_>,
    bind: Option<&str>,
    sql: &str,
    values: &[Value],
) -> Result<Vec<R>> {
    fetch_rows(run, bind, sql, values, RowCount::All).await
}

/// The work of [`Database::fetch_scalar`](crate::Database::fetch_scalar).
pub(crate) async fn fetch_scalar<R: FromRow>(
    run: &mut Runner<'_>,
    bind: Option<&str>,
    sql: &str,
    values: &[Value],
) -> Result<R> {
    fetch_rows(run, bind, sql, values, RowCount::AtMostOne)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotFound {
            model: std::any::type_name::<R>().to_owned(),
            table: String::new(),
            detail: "the raw query returned no row".to_owned(),
        })
}

async fn fetch_rows<R: FromRow>(
    run: &mut Runner<'_>,
    bind: Option<&str>,
    sql: &str,
    values: &[Value],
    wanted: RowCount,
) -> Result<Vec<R>> {
    let on = On::Bind(bind);
    let sql = run.dialect(on)?.raw_sql(sql);
    let mut rows = sink::rows::<R>(wanted);
    run.fetch_once(on, &sql, values, &mut rows, Error::reading_rows::<R>)
        .await?;
    Ok(rows.rows)
}
