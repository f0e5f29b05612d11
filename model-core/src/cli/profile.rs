//! Where the command line finds the databases: the environment's section of a TOML file, as
//! Flask's `DevelopmentConfig` and `ProductionConfig`, read with figment, under the
//! `DATABASE_URL` and `DATABASE_BINDS` variables, which win.
//!
//! ```toml
//! [default]                # every environment
//! migrations = "migrations"
//!
//! [development]
//! database_url = "sqlite://dev.db"
//! binds = { analytics = "sqlite://analytics.db" }
//!
//! [production]
//! database_url = "postgres://app@db.internal/app"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Toml};
use serde::Deserialize;

use crate::config::{Config, DATABASE_BINDS, DATABASE_URL};
use crate::error::{Error, Result};

/// The environment variable naming the environment.
pub const ENV_VAR: &str = "MODEL_CORE_ENV";
/// The environment used when none is named.
pub const DEFAULT_ENV: &str = "development";
/// The configuration file read when none is named (and it exists).
pub const DEFAULT_FILE: &str = "model-core.toml";

/// One environment's settings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// The default database.
    database_url: Option<String>,
    /// The named binds.
    #[serde(default)]
    binds: BTreeMap<String, String>,
    /// The migrations folder.
    migrations: Option<PathBuf>,
}

/// What the command line runs against.
#[derive(Debug)]
pub(crate) struct Profile {
    /// The environment's name.
    pub env: String,
    /// The databases.
    pub config: Config,
    /// The migrations folder.
    pub migrations: PathBuf,
}

/// The profile of environment `env` (or the one `MODEL_CORE_ENV` names, or `development`),
/// from `file` (or `model-core.toml` if it exists) under the environment variables.
pub(crate) fn load(
    env: Option<&str>,
    file: Option<&Path>,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Profile> {
    let env = env
        .map(str::to_owned)
        .or_else(|| var(ENV_VAR))
        .unwrap_or_else(|| DEFAULT_ENV.to_owned());
    let settings = match file {
        Some(path) if !path.is_file() => {
            return Err(Error::Config(format!(
                "the configuration file {} does not exist",
                path.display()
            )));
        }
        Some(path) => read(path, &env)?,
        None if Path::new(DEFAULT_FILE).is_file() => read(Path::new(DEFAULT_FILE), &env)?,
        None => Settings::default(),
    };
    let binds: Vec<String> = settings
        .binds
        .iter()
        .map(|(key, url)| format!("{key}={url}"))
        .collect();
    let config = Config::from_vars(|name| {
        var(name).or_else(|| match name {
            DATABASE_URL => settings.database_url.clone(),
            DATABASE_BINDS if !binds.is_empty() => Some(binds.join(" ")),
            _ => None,
        })
    })
    .map_err(|error| match error {
        Error::Config(message) => Error::Config(format!(
            "{message} (or give the environment `{env}` a `database_url` in {})",
            file.map_or(DEFAULT_FILE.into(), |p| p.display().to_string())
        )),
        other => other,
    })?;
    Ok(Profile {
        env,
        config,
        migrations: settings
            .migrations
            .unwrap_or_else(|| PathBuf::from("migrations")),
    })
}

/// The settings of `env` in `path`: its section over `[default]`, under `[global]`.
fn read(path: &Path, env: &str) -> Result<Settings> {
    Figment::from(Toml::file_exact(path).nested())
        .select(env)
        .extract()
        .map_err(|error| {
            Error::Config(format!(
                "reading environment `{env}` of {}: {error}",
                path.display()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> tempfile_path::TempFile {
        tempfile_path::TempFile::new(text)
    }

    /// A file removed when dropped (std only).
    mod tempfile_path {
        use std::path::PathBuf;
        use std::sync::atomic::{AtomicUsize, Ordering};

        pub struct TempFile(pub PathBuf);

        impl TempFile {
            pub fn new(text: &str) -> TempFile {
                static N: AtomicUsize = AtomicUsize::new(0);
                let path = std::env::temp_dir().join(format!(
                    "model_core_profile_{}_{}.toml",
                    std::process::id(),
                    N.fetch_add(1, Ordering::Relaxed)
                ));
                std::fs::write(&path, text).unwrap();
                TempFile(path)
            }
        }

        impl Drop for TempFile {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
    }

    const FILE: &str = r#"
        [default]
        migrations = "db/migrations"

        [development]
        database_url = "sqlite://dev.db"
        binds = { analytics = "sqlite://analytics.db" }

        [production]
        database_url = "postgres://app:secret@db/app"
    "#;

    #[test]
    fn the_environment_picks_its_section() {
        let f = file(FILE);
        let dev = load(None, Some(&f.0), |_| None).unwrap();
        assert_eq!(dev.env, "development");
        assert_eq!(dev.migrations, PathBuf::from("db/migrations"));
        assert_eq!(dev.config.bind_keys(), ["analytics"]);
        let prod = load(Some("production"), Some(&f.0), |_| None).unwrap();
        assert!(prod.config.bind_keys().is_empty());
        assert_eq!(
            prod.config.default_bind().unwrap().url.redacted(),
            "postgres://app:***@db/app"
        );
        let by_var = load(None, Some(&f.0), |name| {
            (name == ENV_VAR).then(|| "production".to_owned())
        })
        .unwrap();
        assert_eq!(by_var.env, "production");
    }

    #[test]
    fn the_variables_win_over_the_file() {
        let f = file(FILE);
        let profile = load(None, Some(&f.0), |name| {
            (name == DATABASE_URL).then(|| "sqlite://other.db".to_owned())
        })
        .unwrap();
        assert_eq!(
            profile.config.default_bind().unwrap().url.redacted(),
            "sqlite://other.db"
        );
    }

    #[test]
    fn mistakes_are_named() {
        let f = file("[development]\ndatabase_uri = \"sqlite://x.db\"\n");
        let error = load(None, Some(&f.0), |_| None).unwrap_err().to_string();
        assert!(error.contains("database_uri"), "{error}");
        let error = load(Some("staging"), Some(&file(FILE).0), |_| None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("staging"), "{error}");
        let missing = load(
            None,
            Some(Path::new("/nonexistent/model-core.toml")),
            |_| None,
        );
        assert!(missing.is_err());
    }
}
