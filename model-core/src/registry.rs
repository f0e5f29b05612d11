//! The global model registry: every `#[derive(Model)]` in every crate linked into the binary
//! submits its table through `inventory`, so `create_all` finds them with no list kept by hand.
//!
//! `inventory` gives no order, so the registry is sorted (bind, then table name, then model)
//! once, on first use: DDL and error messages come out the same on every run.

use std::sync::OnceLock;

use crate::meta::Table;

/// Not public API. Used by generated code.
#[doc(hidden)]
pub struct Registration {
    table: &'static Table,
}

impl Registration {
    pub(crate) const fn new(table: &'static Table) -> Self {
        Registration { table }
    }
}

inventory::collect!(Registration);

/// Every registered table, sorted by bind (default first), table name and model name.
pub fn tables() -> &'static [&'static Table] {
    static SORTED: OnceLock<Vec<&'static Table>> = OnceLock::new();
    SORTED.get_or_init(|| {
        let mut all: Vec<&'static Table> = inventory::iter::<Registration>
            .into_iter()
            .map(|r| r.table)
            .collect();
        all.sort_by_key(|t| (t.bind(), t.name(), t.model()));
        all
    })
}

/// The registered tables of one bind (`None`: the default database), sorted by name.
pub fn tables_in(bind: Option<&str>) -> impl Iterator<Item = &'static Table> + '_ {
    tables().iter().copied().filter(move |t| t.bind() == bind)
}

/// The bind keys the registered models use, default (`None`) first, each once.
pub fn binds() -> Vec<Option<&'static str>> {
    let mut binds: Vec<Option<&'static str>> = tables().iter().map(|t| t.bind()).collect();
    binds.dedup();
    binds
}

/// The registered table of `model` (the struct name), if exactly one model has that name.
pub fn find_model(model: &str) -> Option<&'static Table> {
    let mut found = tables().iter().filter(|t| t.model() == model);
    match (found.next(), found.next()) {
        (Some(table), None) => Some(table),
        _ => None,
    }
}
