//! Reading a sqlx row by position as the [`SqlType`](crate::SqlType) of a column: the one
//! [`RowReader`](crate::RowReader) body, written once for the three backends' row types.

/// `RowReader` for a sqlx row type: the column at `index` decoded by sqlx as the Rust type of
/// its [`SqlType`](crate::SqlType), as an `Option` when nullable, so each backend applies its
/// own type rules and NULL checks.
macro_rules! row_reader {
    ($row:ty, decimal: $decimal:path) => {
        impl crate::row::RowReader for $row {
            fn value(
                &self,
                index: usize,
                ty: crate::sql_type::SqlType,
                nullable: bool,
            ) -> Result<crate::value::Value, crate::row::DecodeError> {
                use crate::sql_type::SqlType;
                use crate::value::Value;

                fn get<T>(
                    row: &$row,
                    index: usize,
                    ty: SqlType,
                    nullable: bool,
                    wrap: fn(T) -> Value,
                ) -> Result<Value, crate::row::DecodeError>
                where
                    T: for<'r> sqlx::Decode<'r, <$row as sqlx::Row>::Database>
                        + sqlx::Type<<$row as sqlx::Row>::Database>,
                {
                    let value = if nullable {
                        sqlx::Row::try_get::<Option<T>, usize>(row, index)
                            .map(|v| v.map_or(Value::Null(ty), wrap))
                    } else {
                        sqlx::Row::try_get::<T, usize>(row, index).map(wrap)
                    };
                    value.map_err(|e| crate::row::DecodeError::new(index, e))
                }

                match ty {
                    SqlType::SmallInt => get(self, index, ty, nullable, Value::SmallInt),
                    SqlType::Integer => get(self, index, ty, nullable, Value::Int),
                    SqlType::BigInt => get(self, index, ty, nullable, Value::BigInt),
                    SqlType::Real => get(self, index, ty, nullable, Value::Real),
                    SqlType::Double => get(self, index, ty, nullable, Value::Double),
                    SqlType::Boolean => get(self, index, ty, nullable, Value::Bool),
                    SqlType::Text => get(self, index, ty, nullable, Value::Text),
                    SqlType::Blob => get(self, index, ty, nullable, Value::Blob),
                    #[cfg(feature = "chrono")]
                    SqlType::Timestamp => get(self, index, ty, nullable, Value::Timestamp),
                    #[cfg(feature = "chrono")]
                    SqlType::TimestampTz => get(self, index, ty, nullable, Value::TimestampTz),
                    #[cfg(feature = "chrono")]
                    SqlType::Date => get(self, index, ty, nullable, Value::Date),
                    #[cfg(feature = "chrono")]
                    SqlType::Time => get(self, index, ty, nullable, Value::Time),
                    #[cfg(feature = "decimal")]
                    SqlType::Decimal => $decimal(self, index, nullable),
                    // A label, read as its text whatever the column's type: a PostgreSQL enum
                    // (whose wire form is the label), a MySQL `ENUM`, SQLite text. The type
                    // check is skipped, as sqlx knows no user-defined enum type.
                    SqlType::Enum(_) => {
                        let label: Option<String> = sqlx::Row::try_get_unchecked(self, index)
                            .map_err(|e| crate::row::DecodeError::new(index, e))?;
                        match label {
                            Some(label) => Ok(Value::Text(label)),
                            None if nullable => Ok(Value::Null(ty)),
                            None => Err(crate::row::DecodeError::new(
                                index,
                                "unexpected NULL in a NOT NULL column",
                            )),
                        }
                    }
                    #[cfg(feature = "uuid")]
                    SqlType::Uuid => get(self, index, ty, nullable, Value::Uuid),
                    #[cfg(feature = "json")]
                    SqlType::Json => get(self, index, ty, nullable, Value::Json),
                    // No field type maps to a column type whose feature is off.
                    #[allow(unreachable_patterns)]
                    other => Err(crate::row::DecodeError::new(
                        index,
                        format!("{other:?} columns need model-core's matching cargo feature"),
                    )),
                }
            }

            fn column_count(&self) -> usize {
                sqlx::Row::len(self)
            }

            fn column_name(&self, index: usize) -> Option<&str> {
                sqlx::Row::columns(self).get(index).map(sqlx::Column::name)
            }
        }
    };
}
pub(crate) use row_reader;

/// A decimal column read as sqlx's `Decimal` (PostgreSQL `NUMERIC`, MySQL `DECIMAL`).
#[cfg(all(feature = "decimal", any(feature = "postgres", feature = "mysql")))]
pub(crate) fn decimal_by_type<R>(
    row: &R,
    index: usize,
    nullable: bool,
) -> Result<crate::value::Value, crate::row::DecodeError>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    rust_decimal::Decimal: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    use crate::value::Value;
    let value = if nullable {
        sqlx::Row::try_get::<Option<rust_decimal::Decimal>, usize>(row, index).map(|v| {
            v.map_or(
                Value::Null(crate::sql_type::SqlType::Decimal),
                Value::Decimal,
            )
        })
    } else {
        sqlx::Row::try_get::<rust_decimal::Decimal, usize>(row, index).map(Value::Decimal)
    };
    value.map_err(|e| crate::row::DecodeError::new(index, e))
}
