//! Several binds at once: on different backends, selected one, several or all at a time, and
//! binds whose server cannot be reached.

use std::time::Duration;

use model_core::{BindSelection, Config, Database, Error, PoolConfig, registry};
use model_tests::{Kind, TestDb};

use crate::models::{AppMeta, Setting, UserAccount};

/// Default database on SQLite, `users` on PostgreSQL, `appmeta` on MariaDB; each bind is
/// created and dropped on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_binds_on_three_backends() {
    let Some(main) = TestDb::new(Kind::SqliteFile, "main").await else {
        return;
    };
    let Some(users) = TestDb::new(Kind::Postgres, "users").await else {
        return;
    };
    let Some(appmeta) = TestDb::new(Kind::MySql, "appmeta").await else {
        return;
    };
    let config = Config::new(main.url.clone())
        .bind("users", users.url.clone())
        .bind("appmeta", appmeta.url.clone());
    let db = Database::connect(config).await.unwrap();

    db.create_all_in(BindSelection::named("users"))
        .await
        .unwrap();
    assert_eq!(users.catalog.tables().await, ["user_account"]);
    assert!(main.catalog.tables().await.is_empty());
    assert!(appmeta.catalog.tables().await.is_empty());

    db.create_all_in(BindSelection::list([None, Some("appmeta")]))
        .await
        .unwrap();
    assert_eq!(main.catalog.tables().await, ["setting"]);
    assert_eq!(appmeta.catalog.tables().await, ["app_meta"]);

    // Each model reads from its own bind.
    assert!(Setting::query().all(&db).await.unwrap().is_empty());
    assert!(UserAccount::query().all(&db).await.unwrap().is_empty());
    assert!(AppMeta::query().all(&db).await.unwrap().is_empty());

    db.drop_all_in(BindSelection::Default).await.unwrap();
    assert!(main.catalog.tables().await.is_empty());
    assert_eq!(users.catalog.tables().await, ["user_account"]);
    assert_eq!(appmeta.catalog.tables().await, ["app_meta"]);

    db.drop_all_in(BindSelection::list([Some("users"), Some("appmeta")]))
        .await
        .unwrap();
    assert!(users.catalog.tables().await.is_empty());
    assert!(appmeta.catalog.tables().await.is_empty());
    db.close().await;
}

/// `create_all()` with no argument covers every bind the models use, as `db.create_all()`
/// does in Flask-SQLAlchemy; the binds are found by walking the registry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_all_and_drop_all_cover_every_bind() {
    let mut dbs = Vec::new();
    let mut config = Config::binds_only();
    for bind in registry::binds() {
        let t = TestDb::new(Kind::SqliteMemory, bind.unwrap_or("default"))
            .await
            .unwrap();
        config = match bind {
            None => config.default_url(t.url.clone()),
            Some(key) => config.bind(key, t.url.clone()),
        };
        dbs.push((bind, t));
    }
    let db = Database::connect(config).await.unwrap();

    db.create_all().await.unwrap();
    for (bind, t) in &dbs {
        let mut expected: Vec<&str> = registry::tables_in(*bind).map(|t| t.name()).collect();
        expected.sort();
        assert_eq!(t.catalog.tables().await, expected, "bind {bind:?}");
    }

    db.drop_all().await.unwrap();
    for (bind, t) in &dbs {
        assert!(t.catalog.tables().await.is_empty(), "bind {bind:?}");
    }
}

/// A server that does not answer gives an error naming the bind, within the acquire timeout,
/// and never shows the password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_servers_are_reported_by_bind() {
    let pool = PoolConfig::default().acquire_timeout(Duration::from_secs(2));
    let config = Config::binds_only()
        .bind_with(
            "users",
            "postgres://app:hunter2@127.0.0.1:1/users",
            pool.clone(),
        )
        .bind_with("appmeta", "mysql://app:hunter2@127.0.0.1:1/appmeta", pool);
    let db = Database::connect(config).await.unwrap();

    for bind in ["users", "appmeta"] {
        let started = std::time::Instant::now();
        let err = db
            .create_all_in(BindSelection::named(bind))
            .await
            .unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "bounded by the acquire timeout"
        );
        assert!(matches!(err, Error::Database { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.starts_with(&format!("bind \"{bind}\"")), "{text}");
        assert!(
            !text.contains("hunter2") && !format!("{err:?}").contains("hunter2"),
            "{text}"
        );
    }
}

/// With the default 30 s acquire timeout, a server that refuses connections fails the call at
/// once with the cause ("Connection refused"), and `create_all` says what it was doing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_fails_at_once_with_its_cause() {
    let config = Config::binds_only()
        .bind("users", "postgres://app:hunter2@127.0.0.1:1/users")
        .bind("appmeta", "mysql://app:hunter2@127.0.0.1:1/appmeta");
    let db = Database::connect(config).await.unwrap();
    for bind in ["users", "appmeta"] {
        let started = std::time::Instant::now();
        let err = db
            .create_all_in(BindSelection::named(bind))
            .await
            .unwrap_err();
        let waited = started.elapsed();
        let text = err.to_string();
        assert!(waited < Duration::from_secs(5), "waited {waited:?}: {text}");
        assert!(text.contains("refused"), "{text}");
        // The first step that needs a connection names itself: beginning the DDL transaction
        // on PostgreSQL, listing the tables that exist on MySQL (whose DDL is not transactional).
        assert!(
            text.contains("connecting for create_all") || text.contains("listing existing tables"),
            "{text}"
        );
        assert!(!text.contains("committing"), "{text}");
    }
}

/// Deployment mistakes in the host part (an empty host, a space, a variable never expanded)
/// still never show the password: not in the configuration's or the database's `Debug`, not in
/// `Bind::url`, not in any error, whether the URL is refused at once or only when used.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_hosts_never_show_the_password() {
    let urls = [
        "postgres://u:s3cretpw@/x",
        "postgres://u:s3cretpw@host name/x",
        "postgres://u:s3cretpw@$DB_HOST/x",
        "postgres://u:s3cretpw@{host}:5432/x",
        "mysql://root:s3cretpw@${MYSQL_HOST}:3306/test",
        "mysql://root:s3cretpw@/test",
    ];
    let pool = PoolConfig::default().acquire_timeout(Duration::from_secs(3));
    for url in urls {
        let config = Config::binds_only().bind_with("app", url, pool.clone());
        let mut shown = vec![format!("{config:?}")];
        match Database::connect(config).await {
            Err(err) => shown.extend([err.to_string(), format!("{err:?}")]),
            Ok(db) => {
                shown.push(format!("{db:?}"));
                let bind = db.bind(Some("app")).unwrap();
                shown.extend([bind.url(), format!("{bind:?}")]);
                if let Err(err) = db.create_all_in(BindSelection::named("app")).await {
                    shown.extend([err.to_string(), format!("{err:?}")]);
                }
            }
        }
        for text in shown {
            assert!(!text.contains("s3cretpw"), "{url}: {text}");
        }
    }
}
