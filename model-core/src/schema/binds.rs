//! Which binds `create_all` / `drop_all` act on, as Flask-SQLAlchemy's `bind_key` argument.

/// A selection of binds.
///
/// ```
/// use model_core::Binds;
/// let _ = Binds::All;                          // every configured bind (the default call)
/// let _ = Binds::Default;                      // the default database only
/// let _ = Binds::named("users");               // one named bind
/// let _ = Binds::list([None, Some("users")]);  // several; None is the default database
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Binds {
    /// The default database and every named bind of the configuration.
    All,
    /// The default database only.
    Default,
    /// These binds; `None` is the default database.
    List(Vec<Option<String>>),
}

impl Binds {
    /// One named bind.
    pub fn named(key: impl Into<String>) -> Binds {
        Binds::List(vec![Some(key.into())])
    }

    /// Several binds; `None` is the default database.
    pub fn list<'a>(keys: impl IntoIterator<Item = Option<&'a str>>) -> Binds {
        Binds::List(keys.into_iter().map(|k| k.map(str::to_owned)).collect())
    }
}
