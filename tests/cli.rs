//! The `db` command line as an application mounts it (`model_core::cli::run_from`), on each
//! backend: the exit codes CI relies on (`check` non-zero while the models and the database
//! differ), the migration workflow, `drop-all` refusing without a terminal to ask on, and
//! mistakes answered with a clear error. The database comes from a profile file written per
//! test (DATABASE_URL, if set, would win over it).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use model_core::{Auto, Model};
use model_tests::{Kind, TestDb, per_backend};

per_backend!(
    check_fails_until_the_migrations_are_applied,
    drop_all_asks_first,
    profiles_pick_the_database
);

/// The application's only model, in the default database.
#[derive(Model, Debug)]
pub struct Gadget {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(length = 40, unique)]
    pub name: String,
}

static N: AtomicUsize = AtomicUsize::new(0);

/// A folder for one test's profile file and migrations, removed at the end.
struct Workspace(PathBuf);

impl Workspace {
    fn new(label: &str, url: &str) -> Workspace {
        let dir = std::env::temp_dir().join(format!(
            "mc_cli_{label}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("model-core.toml"),
            format!(
                "[default]\nmigrations = {:?}\n\n[development]\ndatabase_url = {url:?}\n\n\
                 [staging]\ndatabase_url = \"sqlite::memory:\"\n",
                dir.join("migrations").display().to_string()
            ),
        )
        .unwrap();
        Workspace(dir)
    }

    async fn run(&self, args: &[&str]) -> u8 {
        let config = self.0.join("model-core.toml");
        let mut all = vec!["db", "--config", config.to_str().unwrap()];
        all.extend_from_slice(args);
        model_core::cli::run_from(all).await
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn check_fails_until_the_migrations_are_applied(kind: Kind) {
    let Some(t) = TestDb::new(kind, "cli_check").await else {
        return;
    };
    let w = Workspace::new("check", &t.url);
    // No table yet: the database differs from the models.
    assert_eq!(w.run(&["check"]).await, 1);
    assert_eq!(w.run(&["migrate", "-m", "create gadgets"]).await, 0);
    let files: Vec<_> = std::fs::read_dir(w.0.join("migrations/default"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files.iter().any(|f| f.ends_with("_create_gadgets.up.sql")),
        "{files:?}"
    );
    // Generated, not applied: still differs, and says so.
    assert_eq!(w.run(&["check"]).await, 1);
    assert_eq!(w.run(&["upgrade"]).await, 0);
    assert_eq!(w.run(&["check"]).await, 0);
    assert_eq!(w.run(&["current"]).await, 0);
    assert_eq!(w.run(&["history"]).await, 0);
    // Nothing more to generate.
    assert_eq!(w.run(&["migrate", "-m", "again"]).await, 0);
    assert_eq!(
        std::fs::read_dir(w.0.join("migrations/default"))
            .unwrap()
            .count(),
        2
    );
    assert_eq!(w.run(&["downgrade"]).await, 0);
    assert_eq!(w.run(&["check"]).await, 1);
    assert_eq!(t.catalog.tables().await, ["_sqlx_migrations"]);
}

async fn drop_all_asks_first(kind: Kind) {
    let Some(t) = TestDb::new(kind, "cli_drop").await else {
        return;
    };
    let w = Workspace::new("drop", &t.url);
    assert_eq!(w.run(&["create-all"]).await, 0);
    assert_eq!(t.catalog.tables().await, ["gadget"]);
    // Not allowed to ask (as without a terminal): nothing is dropped.
    assert_eq!(w.run(&["--no-input", "drop-all"]).await, 1);
    assert_eq!(t.catalog.tables().await, ["gadget"]);
    assert_eq!(w.run(&["drop-all", "--yes"]).await, 0);
    assert!(t.catalog.tables().await.is_empty());
    assert_eq!(w.run(&["create-all", "--strict"]).await, 0);
    assert_eq!(w.run(&["sql"]).await, 0);
    assert_eq!(w.run(&["sql", "--backend", "mariadb"]).await, 0);
    assert_eq!(w.run(&["diagram", "--format", "dot"]).await, 0);
}

async fn profiles_pick_the_database(kind: Kind) {
    let Some(t) = TestDb::new(kind, "cli_profiles").await else {
        return;
    };
    let w = Workspace::new("profiles", &t.url);
    // `staging` is a private in-memory database: created there, not in the test's.
    assert_eq!(w.run(&["--env", "staging", "create-all"]).await, 0);
    assert!(t.catalog.tables().await.is_empty());
    // An environment the file does not have, a wrong command, a missing file.
    assert_eq!(w.run(&["--env", "nowhere", "check"]).await, 1);
    assert_eq!(w.run(&["frobnicate"]).await, 2);
    assert_eq!(
        model_core::cli::run_from(["db", "--config", "/nonexistent/model-core.toml", "check"])
            .await,
        1
    );
}
