//! Foreign-key order: a table is created after the tables it references and dropped before
//! them. Ties are broken by name so the order is the same on every run.

use std::collections::{BTreeMap, BTreeSet};

use crate::meta::Table;

/// `tables` sorted so referenced tables come first; `Err` with the tables on a cycle.
pub(crate) fn by_foreign_keys(
    tables: &[&'static Table],
) -> Result<Vec<&'static Table>, Vec<&'static Table>> {
    let by_name: BTreeMap<&str, &'static Table> = tables.iter().map(|t| (t.name(), *t)).collect();
    // For every table, the other tables of this set it references.
    let mut pending: BTreeMap<&str, BTreeSet<&str>> = by_name
        .iter()
        .map(|(name, table)| {
            let deps = table
                .foreign_keys()
                .map(|(_, fk)| fk.table())
                .filter(|target| target != name && by_name.contains_key(target))
                .collect();
            (*name, deps)
        })
        .collect();

    let mut ordered = Vec::with_capacity(tables.len());
    while !pending.is_empty() {
        let ready: Vec<&str> = pending
            .iter()
            .filter(|(_, deps)| deps.is_empty())
            .map(|(n, _)| *n)
            .collect();
        if ready.is_empty() {
            return Err(pending.keys().map(|n| by_name[n]).collect());
        }
        for name in ready {
            pending.remove(name);
            for deps in pending.values_mut() {
                deps.remove(name);
            }
            ordered.push(by_name[name]);
        }
    }
    Ok(ordered)
}
