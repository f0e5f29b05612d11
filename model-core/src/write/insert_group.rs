//! A session's consecutive inserts into one table, sent as multi-row statements, as
//! SQLAlchemy's unit of work does ("insertmanyvalues"): `add` a thousand rows and `commit`, and
//! the server sees one statement rather than a thousand round trips.
//!
//! A session must still learn each row's primary key, for [`crate::Session::changes`] and the
//! commit signals, so rows go together only where every key can be known:
//! - the rows give their keys: on every backend;
//! - the database generates the keys, inserts the rows in order and returns the keys
//!   ([`Dialect::keys_in_row_order`]: PostgreSQL, and MariaDB through a `mariadb:` URL): the keys
//!   ascend in row order, so sorted they match the rows.
//!
//! Elsewhere (MySQL, SQLite) a multi-row insert reports one generated id, and the others are
//! consecutive only under some settings, so inserts with generated keys stay one statement
//! per row there.

use super::generated_key;
use super::statement::{
    InsertKey, insert_key, insert_rows_returning_key_sql, insert_rows_sql, rows_per_statement,
};
use crate::bind::Bind;
use crate::dialect::Dialect;
use crate::driver::{DriverError, RowCount, RowSink, Target};
use crate::error::{Error, Result};
use crate::meta::{ColumnDef, Table};
use crate::row::{DecodeError, RowReader};
use crate::sql_type::SqlType;
use crate::value::Value;

/// Rows of one table writing the same columns, gathered for one multi-row insert.
pub(crate) struct InsertGroup {
    table: &'static Table,
    columns: Vec<&'static str>,
    /// Every row's values, one row after the other.
    values: Vec<Value>,
    rows: usize,
    /// The most rows the statement may carry.
    most: usize,
    /// About how many bytes the values take (see [`MAX_BYTES`]).
    bytes: usize,
    key: BatchKey,
}

/// About the most bytes of values one batched statement carries. A session used to send each
/// row alone; gathering 1,000 rows of large text or blobs must not outgrow what the server
/// accepts in one packet (MariaDB's `max_allowed_packet` is 16 MiB by default, MySQL's 64 MiB).
const MAX_BYTES: usize = 4 << 20;

/// How the batch learns the key of each row.
enum BatchKey {
    /// The rows give it: the positions of the key columns among the written columns.
    Given(Vec<usize>),
    /// The database generates this column and returns it in row order.
    Generated(&'static ColumnDef),
}

impl InsertGroup {
    /// A batch holding the row whose `values` write `columns`; the columns and values back when
    /// rows of this shape cannot be batched on `dialect`.
    pub(crate) fn start(
        dialect: &dyn Dialect,
        table: &'static Table,
        columns: Vec<&'static str>,
        values: Vec<Value>,
    ) -> std::result::Result<InsertGroup, (Vec<&'static str>, Vec<Value>)> {
        let Some(key) = batch_key(dialect, table, &columns) else {
            return Err((columns, values));
        };
        Ok(InsertGroup {
            table,
            most: rows_per_statement(dialect, columns.len()),
            bytes: size_of_values(&values),
            columns,
            values,
            rows: 1,
            key,
        })
    }

    /// Whether a row of `table` whose `values` write `columns` can join: same table, same
    /// columns, and room for it in rows and bytes.
    pub(crate) fn accepts(
        &self,
        table: &Table,
        columns: &[&'static str],
        values: &[Value],
    ) -> bool {
        self.rows < self.most
            && std::ptr::eq(self.table, table)
            && self.columns == columns
            && self.bytes + size_of_values(values) <= MAX_BYTES
    }

    /// Adds a row [`accepts`](Self::accepts) said yes to.
    pub(crate) fn push(&mut self, mut values: Vec<Value>) {
        self.bytes += size_of_values(&values);
        self.values.append(&mut values);
        self.rows += 1;
    }

    /// How many rows it holds.
    pub(crate) fn len(&self) -> usize {
        self.rows
    }

    /// The columns and values of a batch of one row, to send as a one-row insert.
    pub(crate) fn into_row(self) -> (Vec<&'static str>, Vec<Value>) {
        (self.columns, self.values)
    }

    /// Sends the insert through `conn`; returns each row's key, in row order.
    pub(crate) async fn run(self, conn: &mut Target<'_>, bind: &Bind) -> Result<Vec<Vec<Value>>> {
        let InsertGroup {
            table,
            columns,
            values,
            rows,
            key,
            ..
        } = self;
        let dialect = bind.engine.dialect();
        let failed = |e| Error::writing(table, bind.label(), "inserting into", e);
        match key {
            BatchKey::Given(positions) => {
                let keys = values
                    .chunks(columns.len())
                    .map(|row| positions.iter().map(|&i| row[i].clone()).collect())
                    .collect();
                let (sql, args) = insert_rows_sql(dialect, table, &columns, rows, values);
                conn.execute(&sql, args).await.map_err(failed)?;
                Ok(keys)
            }
            BatchKey::Generated(column) => {
                let (sql, args) =
                    insert_rows_returning_key_sql(dialect, table, &columns, column, rows, values)
                        .ok_or_else(|| {
                        Error::written_row_unreadable(table, bind.label(), "inserted")
                    })?;
                let mut sink = Keys::new(column.sql_type(), rows);
                conn.fetch_into(&sql, &args, &mut sink)
                    .await
                    .map_err(|e| match e {
                        DriverError::Sql(source) => failed(source),
                        DriverError::Decode(decode) => Error::Decode {
                            bind: bind.label(),
                            model: table.model().to_owned(),
                            table: table.name().to_owned(),
                            column: column.name().to_owned(),
                            source: decode.into_source(),
                        },
                    })?;
                sink.in_row_order(table, column, bind, rows)
            }
        }
    }
}

/// How rows of `table` writing `columns` learn their keys in a batch on `dialect`, if they can.
fn batch_key(dialect: &dyn Dialect, table: &Table, columns: &[&'static str]) -> Option<BatchKey> {
    match insert_key(table, columns) {
        InsertKey::Given(positions) if !positions.is_empty() => Some(BatchKey::Given(positions)),
        InsertKey::Generated(key) if !columns.is_empty() && dialect.keys_in_row_order() => {
            Some(BatchKey::Generated(key))
        }
        _ => None,
    }
}

/// Receives the generated keys a batch returns.
struct Keys {
    ty: SqlType,
    keys: Vec<Value>,
}

impl Keys {
    fn new(ty: SqlType, rows: usize) -> Self {
        Keys {
            ty,
            keys: Vec::with_capacity(rows),
        }
    }

    /// The keys matched to the rows: the database handed them out ascending in row order.
    fn in_row_order(
        self,
        table: &Table,
        column: &ColumnDef,
        bind: &Bind,
        rows: usize,
    ) -> Result<Vec<Vec<Value>>> {
        let ids = ascending(self.keys).map_err(|key| Error::InvalidKey {
            model: table.model().to_owned(),
            table: table.name().to_owned(),
            message: format!(
                "the generated key {key:?} of column \"{}\" is not an integer",
                column.name()
            ),
        })?;
        if ids.len() != rows {
            return Err(Error::written_row_unreadable(
                table,
                bind.label(),
                "inserted",
            ));
        }
        ids.into_iter()
            .map(|id| generated_key(table, column, id).map(|key| vec![key]))
            .collect()
    }
}

impl RowSink for Keys {
    fn wanted(&self) -> RowCount {
        RowCount::All
    }

    fn accept(&mut self, row: &dyn RowReader) -> std::result::Result<(), DecodeError> {
        self.keys.push(row.value(0, self.ty, false)?);
        Ok(())
    }

    fn clear(&mut self) {
        self.keys.clear();
    }
}

/// Integer keys as they were handed out, lowest first, whatever order they came back in; the
/// first key that is not an integer otherwise.
fn ascending(keys: Vec<Value>) -> std::result::Result<Vec<i64>, Value> {
    let mut ids = keys
        .into_iter()
        .map(|key| integer(&key).ok_or(key))
        .collect::<std::result::Result<Vec<i64>, Value>>()?;
    ids.sort_unstable();
    Ok(ids)
}

/// About how many bytes `values` take in a statement: their text and bytes, and 8 for any
/// other value.
fn size_of_values(values: &[Value]) -> usize {
    values
        .iter()
        .map(|value| match value {
            Value::Text(text) => text.len(),
            Value::Blob(bytes) => bytes.len(),
            #[cfg(feature = "json")]
            Value::Json(json) => json.to_string().len(),
            _ => 8,
        })
        .sum()
}

/// An integer key's value.
fn integer(value: &Value) -> Option<i64> {
    match *value {
        Value::SmallInt(v) => Some(v.into()),
        Value::Int(v) => Some(v.into()),
        Value::BigInt(v) => Some(v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql_cache::SqlCache;

    #[test]
    fn generated_keys_are_matched_to_rows_lowest_first_whatever_order_they_come_back_in() {
        let keys = vec![Value::BigInt(7), Value::BigInt(5), Value::BigInt(6)];
        assert_eq!(ascending(keys), Ok(vec![5, 6, 7]));
        let keys = vec![Value::Int(3), Value::SmallInt(1), Value::Int(2)];
        assert_eq!(ascending(keys), Ok(vec![1, 2, 3]));
        let odd = Value::Text("x".to_owned());
        assert_eq!(ascending(vec![Value::BigInt(1), odd.clone()]), Err(odd));
    }

    static COLUMNS: [ColumnDef; 2] = [
        ColumnDef::new("id", "id", SqlType::BigInt, false).with_primary_key(),
        ColumnDef::new("body", "body", SqlType::Text, false),
    ];
    static SQL: SqlCache = SqlCache::new();
    static TABLE: Table = Table::new("page", None, "Page", "tests", &COLUMNS, &[], &SQL);

    #[test]
    fn a_batch_takes_rows_of_its_table_and_columns_up_to_a_few_megabytes() {
        let row = |id: i64, bytes: usize| vec![Value::BigInt(id), Value::Text("x".repeat(bytes))];
        let columns = vec!["id", "body"];
        let dialect = &crate::dialect::MariaDbDialect;
        let Ok(mut batch) = InsertGroup::start(dialect, &TABLE, columns.clone(), row(1, 10)) else {
            panic!("rows that give their keys batch");
        };
        assert!(!batch.accepts(&TABLE, &["body"], &row(2, 10)[1..]));
        let mut id = 2;
        while batch.accepts(&TABLE, &columns, &row(id, 1 << 16)) {
            batch.push(row(id, 1 << 16));
            id += 1;
        }
        assert_eq!(batch.len(), 64, "4 MiB of 64 KiB rows");
        assert!(
            batch.accepts(&TABLE, &columns, &row(id, 10)),
            "a small row still fits"
        );
    }
}
