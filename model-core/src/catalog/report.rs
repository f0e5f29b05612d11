//! What `check_schema` found: per bind, the changes that would take the database to the
//! models. Empty when they agree.

use std::fmt;

use super::diff::{Safety, SchemaDiff};

/// The differences between the models and the live databases, one entry per bind checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchemaReport {
    /// Each bind checked, in the order checked.
    pub binds: Vec<BindReport>,
}

/// The differences of one bind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindReport {
    /// The bind key (`None`: the default database).
    pub bind: Option<String>,
    /// What would take the database to the models.
    pub diff: SchemaDiff,
}

impl SchemaReport {
    /// Whether every bind's database matches its models.
    pub fn is_empty(&self) -> bool {
        self.binds.iter().all(|b| b.diff.is_empty())
    }

    /// The report of `bind` (`None`: the default database).
    pub fn bind(&self, bind: Option<&str>) -> Option<&BindReport> {
        self.binds.iter().find(|b| b.bind.as_deref() == bind)
    }
}

/// One line per difference, under a heading per bind: `bind "users": add column user.bio TEXT
/// (safe)`.
impl fmt::Display for SchemaReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("the databases match the models");
        }
        let mut first = true;
        for bind in self.binds.iter().filter(|b| !b.diff.is_empty()) {
            if !first {
                writeln!(f)?;
            }
            first = false;
            write!(
                f,
                "bind {}:",
                crate::naming::bind_label(bind.bind.as_deref())
            )?;
            for change in &bind.diff.changes {
                write!(f, "\n  {change} ({})", change.safety())?;
            }
            for rename in &bind.diff.possible_renames {
                write!(f, "\n  note: {rename}")?;
            }
        }
        Ok(())
    }
}

impl BindReport {
    /// The riskiest change of the bind.
    pub fn safety(&self) -> Safety {
        self.diff.safety()
    }
}
