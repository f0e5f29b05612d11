//! Shared helpers of the integration tests: a fresh, isolated database per test on every
//! backend, and a catalog inspector that reads what was really created.
//!
//! Server URLs come from `MODEL_TEST_POSTGRES_URL` and `MODEL_TEST_MYSQL_URL` (defaults: the
//! loopback servers of the development machines). An unreachable server skips the test with a
//! message, except under CI (`CI` set), where it fails.

pub mod capture;
pub mod catalog;
pub mod databases;

pub use capture::Capture;
pub use catalog::{Catalog, ColumnInfo, ForeignKeyInfo, IndexInfo, Param};
pub use databases::{Kind, TestDb};

/// `ident` quoted for `kind` (backquotes on MySQL, double quotes elsewhere), for setup SQL.
pub fn quoted(kind: Kind, ident: &str) -> String {
    if kind == Kind::MySql {
        format!("`{ident}`")
    } else {
        format!("\"{ident}\"")
    }
}

/// Generates one `#[tokio::test]` per backend for an `async fn(Kind)`, so results are counted
/// per backend: `name::sqlite_memory`, `name::sqlite_file`, `name::postgres`, `name::mysql`.
#[macro_export]
macro_rules! per_backend {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite_memory() {
                    super::$name($crate::Kind::SqliteMemory).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite_file() {
                    super::$name($crate::Kind::SqliteFile).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::Kind::Postgres).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn mysql() {
                    super::$name($crate::Kind::MySql).await
                }
            }
        )*
    };
}
