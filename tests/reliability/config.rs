//! Bad configuration: a malformed URL, an unknown scheme, an unreachable host, a wrong
//! password or user. Each gives an error that names the bind and never shows the password.

use std::time::Duration;

use model_core::{Config, Database, Error, PoolConfig};
use model_tests::databases::{mysql_url, postgres_url, servers_required};

use crate::servers;

const SECRET: &str = "s3cr3t-PaSS";

fn assert_clean(err: &Error, bind: &str) {
    let shown = err.to_string();
    let debug = format!("{err:?}");
    assert!(
        shown.starts_with(&format!("bind {bind}")),
        "the error names the bind: {shown}"
    );
    for text in [&shown, &debug] {
        assert!(!text.contains(SECRET), "the password leaked: {text}");
    }
}

#[tokio::test]
async fn malformed_urls_and_unknown_schemes_name_the_bind() {
    for (url, reason) in [
        (format!("postgres://app:{SECRET}@[::1/db"), "invalid"),
        (
            format!("oracle://app:{SECRET}@db.example/db"),
            "unsupported scheme",
        ),
        (format!("app:{SECRET}@db.example/db"), "scheme"),
        (format!("mysql://app:{SECRET}@db.example:99999/db"), "port"),
    ] {
        let err = Database::connect(Config::binds_only().bind("users", url.as_str()))
            .await
            .expect_err(&url);
        assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
        assert_clean(&err, "\"users\"");
        assert!(err.to_string().contains(reason), "{url}: {err}");
    }
    // The same through DATABASE_BINDS, whichever step notices.
    let from_env = Config::from_vars(|name| {
        (name == "DATABASE_BINDS").then(|| format!("users=oracle://app:{SECRET}@db/x"))
    });
    let err = match from_env {
        Ok(config) => Database::connect(config).await.unwrap_err(),
        Err(err) => err,
    };
    assert_clean(&err, "\"users\"");
}

/// Connecting is lazy; the first statement reports the failure, within the acquire timeout.
async fn first_use_fails(url: String, bind: &str) -> Error {
    let db = Database::connect(Config::binds_only().bind_with(
        bind,
        url.as_str(),
        PoolConfig::default().acquire_timeout(Duration::from_secs(3)),
    ))
    .await
    .unwrap();
    assert!(!format!("{db:?}").contains(SECRET), "{db:?}");
    let started = std::time::Instant::now();
    let err = db
        .execute_raw(Some(bind), "SELECT 1", &[])
        .await
        .expect_err("this bind cannot work");
    assert!(started.elapsed() < Duration::from_secs(10), "no hang");
    assert_clean(&err, &format!("\"{bind}\""));
    err
}

#[tokio::test]
async fn an_unreachable_host_names_the_bind() {
    for url in [
        format!("postgres://app:{SECRET}@127.0.0.1:1/db"),
        format!("mysql://app:{SECRET}@127.0.0.1:1/db"),
    ] {
        let err = first_use_fails(url, "reports").await;
        println!("unreachable: {err}");
    }
}

#[tokio::test]
async fn a_wrong_password_or_user_names_the_bind() {
    let _servers = servers::shared().await;
    // MariaDB checks root's (empty) password; PostgreSQL trusts loopback here, so an unknown
    // user stands in for bad credentials.
    let mysql = mysql_url().replacen("root@", &format!("root:{SECRET}@"), 1);
    let postgres = postgres_url().replacen("postgres@", &format!("nobody_here:{SECRET}@"), 1);
    for (url, server_says) in [(mysql, "Access denied"), (postgres, "nobody_here")] {
        let err = first_use_fails(url, "accounts").await;
        println!("bad credentials: {err}");
        if servers_required() || !err.to_string().contains("timed out") {
            assert!(err.to_string().contains(server_says), "{err}");
        }
    }
}
