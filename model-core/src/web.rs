//! With the `axum` feature, an [`Error`] is a response: `first_or_404` and `get_or_404` end a
//! handler with a 404, as `abort(404)` does in Flask. Other errors answer 500 and are logged
//! (target `model_core::web`); their details (SQL, tables, binds) never reach the client.

use axum_core::response::{IntoResponse, Response};
use http::StatusCode;

use crate::error::Error;

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            Error::NotFound { .. } => (StatusCode::NOT_FOUND, "Not Found").into_response(),
            other => {
                tracing::error!(target: "model_core::web", error = %other, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
            }
        }
    }
}
