//! Reading a sqlx row by position as the [`SqlType`](crate::SqlType) of a column: the one
//! [`RowReader`](crate::RowReader) body, written once for the three backends' row types.

/// `RowReader` for a sqlx row type: the column at `index` decoded by sqlx as the Rust type of
/// its [`SqlType`](crate::SqlType), as an `Option` when nullable, so each backend applies its
/// own type rules and NULL checks.
macro_rules! row_reader {
    ($row:ty) => {
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
        }
    };
}
pub(crate) use row_reader;
