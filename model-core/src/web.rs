//! With the `axum` feature, an [`Error`] is a response: `first_or_404` and `get_or_404` end a
//! handler with a 404, as `abort(404)` does in Flask; a unique violation (a name already
//! taken) answers 409 Conflict. Other errors answer 500 and are logged (target
//! `model_core::web`); their details (SQL, tables, binds) never reach the client.

use axum_core::response::{IntoResponse, Response};
use http::StatusCode;

use crate::error::Error;

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            Error::NotFound { .. } => (StatusCode::NOT_FOUND, "Not Found").into_response(),
            conflict @ Error::StaleRow { .. } => {
                tracing::info!(target: "model_core::web", error = %conflict, "conflict");
                (StatusCode::CONFLICT, "Conflict").into_response()
            }
            conflict if conflict.is_unique_violation() => {
                tracing::info!(target: "model_core::web", error = %conflict, "conflict");
                (StatusCode::CONFLICT, "Conflict").into_response()
            }
            other => {
                tracing::error!(target: "model_core::web", error = %other, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
            }
        }
    }
}
