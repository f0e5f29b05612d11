//! Which binds `create_all` / `drop_all` act on, as Flask-SQLAlchemy's `bind_key` argument.

/// A selection of binds.
///
/// ```
/// use model_core::BindSelection;
/// let _ = BindSelection::All;                          // every configured bind (the default call)
/// let _ = BindSelection::Default;                      // the default database only
/// let _ = BindSelection::named("users");               // one named bind
/// let _ = BindSelection::list([None, Some("users")]);  // several; None is the default database
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindSelection {
    /// The default database and every named bind of the configuration.
    All,
    /// The default database only.
    Default,
    /// These binds; `None` is the default database.
    List(Vec<Option<String>>),
}

impl BindSelection {
    /// One named bind.
    pub fn named(key: impl Into<String>) -> BindSelection {
        BindSelection::List(vec![Some(key.into())])
    }

    /// Several binds; `None` is the default database.
    pub fn list<'a>(keys: impl IntoIterator<Item = Option<&'a str>>) -> BindSelection {
        BindSelection::List(keys.into_iter().map(|k| k.map(str::to_owned)).collect())
    }
}
