//! `ORDER BY` terms: `User::NAME.asc()`, `User::CREATED_AT.desc()`.

use std::fmt;
use std::marker::PhantomData;

use crate::model::{Column, Contains};

/// One `ORDER BY` term on a column of model `M`.
pub struct Order<M> {
    pub(crate) column: &'static str,
    pub(crate) descending: bool,
    _model: PhantomData<fn() -> M>,
}

impl<G, T> Column<G, T> {
    /// Ascending order on this column.
    pub fn asc<M: Contains<G>>(self) -> Order<M> {
        Order {
            column: self.name(),
            descending: false,
            _model: PhantomData,
        }
    }

    /// Descending order on this column.
    pub fn desc<M: Contains<G>>(self) -> Order<M> {
        Order {
            column: self.name(),
            descending: true,
            _model: PhantomData,
        }
    }
}

impl<M> Clone for Order<M> {
    fn clone(&self) -> Self {
        Order {
            column: self.column,
            descending: self.descending,
            _model: PhantomData,
        }
    }
}

impl<M> fmt::Debug for Order<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.column,
            if self.descending { "DESC" } else { "ASC" }
        )
    }
}
