//! `SET` terms of a bulk update: `User::NAME.set("ann")`.

use std::fmt;
use std::marker::PhantomData;

use crate::field::FieldType;
use crate::model::{Column, Contains};
use crate::value::Value;

/// `column = value` in a bulk `UPDATE` of model `M`.
pub struct Assignment<M> {
    pub(crate) column: &'static str,
    pub(crate) value: Value,
    _model: PhantomData<fn() -> M>,
}

impl<G, T: FieldType> Column<G, T> {
    /// Sets this column to `value` in a bulk update (`Option` columns take `None` for NULL).
    pub fn set<M: Contains<G>>(self, value: impl Into<T>) -> Assignment<M> {
        Assignment {
            column: self.name(),
            value: value.into().into_value(),
            _model: PhantomData,
        }
    }
}

impl<M> Clone for Assignment<M> {
    fn clone(&self) -> Self {
        Assignment {
            column: self.column,
            value: self.value.clone(),
            _model: PhantomData,
        }
    }
}

impl<M> fmt::Debug for Assignment<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {:?}", self.column, self.value)
    }
}
