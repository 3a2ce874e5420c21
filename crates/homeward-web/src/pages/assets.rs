//! Style sheet, script and fonts, built into the binary (no CDN, no remote font).
//! The fonts are Noto Sans (Latin, Cyrillic) and Noto Naskh Arabic, under the SIL Open Font
//! License 1.1 (`assets/fonts/LICENSE-OFL.txt`, also served).

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/app.js"),
    ),
    (
        "NotoSans-Regular.ttf",
        "font/ttf",
        include_bytes!("../../assets/fonts/NotoSans-Regular.ttf"),
    ),
    (
        "NotoNaskhArabic-Regular.ttf",
        "font/ttf",
        include_bytes!("../../assets/fonts/NotoNaskhArabic-Regular.ttf"),
    ),
    (
        "NotoNaskhArabic-Bold.ttf",
        "font/ttf",
        include_bytes!("../../assets/fonts/NotoNaskhArabic-Bold.ttf"),
    ),
    (
        "LICENSE-OFL.txt",
        "text/plain; charset=utf-8",
        include_bytes!("../../assets/fonts/LICENSE-OFL.txt"),
    ),
];

pub async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, kind, bytes)) => {
            let mut r = bytes.into_response();
            let h = r.headers_mut();
            h.insert(CONTENT_TYPE, HeaderValue::from_static(kind));
            h.insert(
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            );
            h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            r
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
