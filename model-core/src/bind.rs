//! One configured database: its key, its backend, its (redacted) URL and the engine that runs
//! its statements. `Database` holds one per bind.

use std::fmt;
use std::sync::Arc;

use crate::config::BindConfig;
use crate::driver::Engine;
use crate::error::{Error, Result};
use crate::naming::bind_label;
use crate::record::Instrument;
use crate::url::{Backend, DatabaseUrl};

/// One configured database: its key, backend and (redacted) URL, and its pool.
pub struct Bind {
    key: Option<String>,
    url: DatabaseUrl,
    backend: Backend,
    pub(crate) engine: Engine,
}

impl Bind {
    pub(crate) fn open(
        key: Option<&str>,
        config: &BindConfig,
        instrument: &Arc<Instrument>,
    ) -> Result<Bind> {
        let invalid = |reason: String| Error::InvalidUrl {
            bind: bind_label(key),
            url: config.url.redacted(),
            reason,
        };
        let backend = config.url.backend().map_err(invalid)?;
        crate::driver::compiled(backend).map_err(invalid)?;
        let engine = Engine::connect_lazy(
            backend,
            &config.url,
            &config.pool,
            &bind_label(key),
            instrument.clone(),
        )
        .map_err(|e| invalid(e.to_string()))?;
        Ok(Bind {
            key: key.map(str::to_owned),
            url: config.url.clone(),
            backend,
            engine,
        })
    }

    /// The bind key; `None` for the default database.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// The backend its URL selected.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Its URL, password redacted.
    pub fn url(&self) -> String {
        self.url.redacted()
    }

    /// The URL itself (password included), for opening a connection of its own.
    #[cfg(feature = "migrate")]
    pub(crate) fn database_url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// `default` or the quoted key, as used in messages.
    pub fn label(&self) -> String {
        bind_label(self.key())
    }
}

impl fmt::Debug for Bind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bind")
            .field("key", &self.key)
            .field("backend", &self.backend)
            .field("url", &self.url)
            .field("pool", &self.engine)
            .finish()
    }
}
