//! How many rows a relationship gives each row it is loaded for: exactly one (`One`: a
//! many-to-one over a `NOT NULL` foreign key), at most one (`Optional`: over a nullable one, or
//! a one-to-one), or any number (`Many`). Nested loading flattens what one level loaded into
//! one list, loads the next level for all of it at once, and rebuilds the same shape.

/// The shape of what a relationship loads per row.
pub trait Shape: Send + Sync + 'static {
    /// What each row gets: `T`, `Option<T>` or `Vec<T>`.
    type Of<T: Send>: Send;
    /// How to put a flattened list back into shape.
    #[doc(hidden)]
    type Layout: Send;
    /// Every loaded row in one list, and how to rebuild the shape.
    #[doc(hidden)]
    fn flatten<T: Send>(loaded: Vec<Self::Of<T>>) -> (Vec<T>, Self::Layout);
    /// The list back in shape.
    #[doc(hidden)]
    fn rebuild<T: Send>(items: Vec<T>, layout: Self::Layout) -> Vec<Self::Of<T>>;
}

/// Exactly one related row: `T`.
#[derive(Debug, Clone, Copy)]
pub enum One {}

/// At most one related row: `Option<T>`.
#[derive(Debug, Clone, Copy)]
pub enum Optional {}

/// Any number of related rows: `Vec<T>`.
#[derive(Debug, Clone, Copy)]
pub enum Many {}

impl Shape for One {
    type Of<T: Send> = T;
    type Layout = ();

    fn flatten<T: Send>(loaded: Vec<T>) -> (Vec<T>, ()) {
        (loaded, ())
    }

    fn rebuild<T: Send>(items: Vec<T>, (): ()) -> Vec<T> {
        items
    }
}

impl Shape for Optional {
    type Of<T: Send> = Option<T>;
    /// Whether each row had one.
    type Layout = Vec<bool>;

    fn flatten<T: Send>(loaded: Vec<Option<T>>) -> (Vec<T>, Vec<bool>) {
        let layout = loaded.iter().map(Option::is_some).collect();
        (loaded.into_iter().flatten().collect(), layout)
    }

    fn rebuild<T: Send>(items: Vec<T>, layout: Vec<bool>) -> Vec<Option<T>> {
        let mut items = items.into_iter();
        layout
            .into_iter()
            .map(|had| if had { items.next() } else { None })
            .collect()
    }
}

impl Shape for Many {
    type Of<T: Send> = Vec<T>;
    /// How many each row had.
    type Layout = Vec<usize>;

    fn flatten<T: Send>(loaded: Vec<Vec<T>>) -> (Vec<T>, Vec<usize>) {
        let layout = loaded.iter().map(Vec::len).collect();
        (loaded.into_iter().flatten().collect(), layout)
    }

    fn rebuild<T: Send>(items: Vec<T>, layout: Vec<usize>) -> Vec<Vec<T>> {
        let mut items = items.into_iter();
        layout
            .into_iter()
            .map(|n| items.by_ref().take(n).collect())
            .collect()
    }
}

/// The shape of a many-to-one relationship over a foreign key field of type `Self`: `One`
/// for a `NOT NULL` one, `Optional` for an `Option`.
pub trait ForeignKeyShape {
    /// `One` or `Optional`.
    type Shape: ToOne;
}

impl<T: crate::field::NotNullField> ForeignKeyShape for T {
    type Shape = One;
}

impl<T> ForeignKeyShape for Option<T> {
    type Shape = Optional;
}

/// A shape of at most one row.
pub trait ToOne: Shape {
    /// Whether every row has its related row (`One`).
    #[doc(hidden)]
    const REQUIRED: bool;
    /// The row found (or not) in shape; `None` when the shape needs a row and none was found.
    #[doc(hidden)]
    fn found<T: Send>(row: Option<T>) -> Option<Self::Of<T>>;
}

impl ToOne for One {
    const REQUIRED: bool = true;

    fn found<T: Send>(row: Option<T>) -> Option<T> {
        row
    }
}

impl ToOne for Optional {
    const REQUIRED: bool = false;

    fn found<T: Send>(row: Option<T>) -> Option<Option<T>> {
        Some(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_rebuild_what_they_flatten() {
        let many = vec![vec![1, 2], vec![], vec![3]];
        let (flat, layout) = Many::flatten(many.clone());
        assert_eq!(flat, [1, 2, 3]);
        assert_eq!(Many::rebuild(flat, layout), many);
        let optional = vec![Some(1), None, Some(2)];
        let (flat, layout) = Optional::flatten(optional.clone());
        assert_eq!(Optional::rebuild(flat, layout), optional);
    }
}
