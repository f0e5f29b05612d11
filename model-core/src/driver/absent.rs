//! What stands in for a backend whose cargo feature is off: connecting to it is refused with the
//! feature to enable.

use crate::url::Backend;

/// Why a URL whose backend this build of model-core leaves out cannot be used.
pub(super) fn not_compiled(backend: Backend) -> String {
    let feature = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
        Backend::MySql => "mysql",
    };
    format!(
        "this build of model-core has no {backend} support: enable its `{feature}` feature \
         in Cargo.toml (model-core = {{ version = \"…\", features = [\"{feature}\"] }})"
    )
}

#[cfg(all(test, not(feature = "postgres")))]
mod tests {
    use crate::{Database, Error};

    #[tokio::test]
    async fn a_url_of_a_left_out_backend_names_the_feature() {
        let error = Database::connect("postgres://app:s3cret@127.0.0.1/app")
            .await
            .unwrap_err();
        let Error::InvalidUrl { bind, url, reason } = &error else {
            panic!("expected InvalidUrl, got {error:?}");
        };
        assert_eq!(bind, "default");
        assert_eq!(url, "postgres://app:***@127.0.0.1/app");
        assert!(
            reason.contains("no PostgreSQL support") && reason.contains("`postgres` feature"),
            "{reason}"
        );
        assert!(!error.to_string().contains("s3cret"), "{error}");
    }
}
