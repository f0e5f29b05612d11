//! Hooks run around every commit of a `Database` (Flask-SQLAlchemy's
//! `before_models_committed` and `models_committed` signals): a session's, and the one each
//! write outside a session makes.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use crate::change::Change;

type BeforeHook = Arc<dyn Fn(&[Change]) -> Result<(), String> + Send + Sync>;
type AfterHook = Arc<dyn Fn(&[Change]) + Send + Sync>;

/// The registered hooks. Cloned out of the lock before running, so a hook may register more.
#[derive(Default)]
pub(crate) struct Signals {
    before: RwLock<Vec<BeforeHook>>,
    after: RwLock<Vec<AfterHook>>,
    /// Whether any hook of each kind is registered: read by every write, without a lock.
    any_before: AtomicBool,
    any_after: AtomicBool,
}

impl Signals {
    pub(crate) fn add_before(&self, hook: BeforeHook) {
        self.before
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(hook);
        self.any_before.store(true, Ordering::Release);
    }

    pub(crate) fn add_after(&self, hook: AfterHook) {
        self.after
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(hook);
        self.any_after.store(true, Ordering::Release);
    }

    /// Whether a `before_models_committed` hook may veto writes: then a write outside a
    /// session runs in a transaction of its own, so the hook sees it before it is committed.
    pub(crate) fn has_before(&self) -> bool {
        self.any_before.load(Ordering::Acquire)
    }

    /// Whether a `models_committed` hook listens.
    pub(crate) fn has_after(&self) -> bool {
        self.any_after.load(Ordering::Acquire)
    }

    /// Runs the before-commit hooks in order; the first `Err` vetoes the commit.
    pub(crate) fn before_commit(&self, changes: &[Change]) -> Result<(), String> {
        let hooks: Vec<BeforeHook> = self
            .before
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        hooks.iter().try_for_each(|hook| hook(changes))
    }

    /// Runs the after-commit hooks in order.
    pub(crate) fn committed(&self, changes: &[Change]) {
        let hooks: Vec<AfterHook> = self.after.read().unwrap_or_else(|e| e.into_inner()).clone();
        for hook in hooks {
            hook(changes);
        }
    }
}

impl fmt::Debug for Signals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let before = self.before.read().map(|h| h.len()).unwrap_or(0);
        let after = self.after.read().map(|h| h.len()).unwrap_or(0);
        write!(
            f,
            "Signals {{ before_models_committed: {before}, models_committed: {after} }}"
        )
    }
}
