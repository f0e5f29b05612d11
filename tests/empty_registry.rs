//! A binary that links no model: `create_all` must say so instead of doing nothing.

use model_core::{Config, Database, Error, registry};

#[tokio::test]
async fn create_all_without_models_is_an_error() {
    assert!(registry::tables().is_empty());
    let db = Database::connect(Config::new("sqlite::memory:"))
        .await
        .unwrap();
    let err = db.create_all().await.unwrap_err();
    assert!(matches!(err, Error::NoModels), "{err:?}");
    assert!(
        err.to_string().contains("no models are registered"),
        "{err}"
    );
    assert!(matches!(db.drop_all().await.unwrap_err(), Error::NoModels));
}
