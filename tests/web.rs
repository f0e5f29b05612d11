//! The `axum` feature: `NotFound` is a 404, anything else a 500 without details.

/// The models every binary of these tests shares, and the rows each test starts from.
#[path = "shared_models.rs"]
#[allow(dead_code)]
mod models;

use axum_core::response::IntoResponse;
use http::StatusCode;
use model_core::Error;
use model_tests::{Kind, per_backend};

use crate::models::{Person, seeded};

per_backend!(get_or_404_answers_not_found);

async fn get_or_404_answers_not_found(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "web").await else {
        return;
    };
    let err = Person::query().get_or_404(&db, 999).await.unwrap_err();
    assert_eq!(err.into_response().status(), StatusCode::NOT_FOUND);
    assert!(Person::query().get_or_404(&db, 1).await.is_ok());
}

#[tokio::test]
async fn other_errors_are_500_without_details() {
    use http_body_util::BodyExt;
    let response = Error::Unsupported("secret table name".into()).into_response();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"Internal Server Error");
    let not_found = Error::NotFound {
        model: "User".into(),
        table: "user".into(),
        detail: "x".into(),
    };
    let body = not_found
        .into_response()
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(
        &body[..],
        b"Not Found",
        "no model or table names in the body"
    );
}
