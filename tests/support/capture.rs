//! A `tracing` subscriber that keeps the fields of the events of one target, for tests of
//! what the crate reports through `tracing` (echo, the N+1 warning).

use std::sync::{Arc, Mutex};

/// Keeps the fields of every event of `target`, one line per event (`name=value ...`).
pub struct Capture {
    target: &'static str,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Capture {
    /// A subscriber for `target`, and the lines it keeps.
    pub fn new(target: &'static str) -> (Capture, Arc<Mutex<Vec<String>>>) {
        let lines: Arc<Mutex<Vec<String>>> = Arc::default();
        (
            Capture {
                target,
                lines: lines.clone(),
            },
            lines,
        )
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Fields(String);
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{}={:?} ", field.name(), value));
            }
        }
        if event.metadata().target() == self.target {
            let mut fields = Fields(String::new());
            event.record(&mut fields);
            self.lines.lock().unwrap().push(fields.0);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
