//! A JSON body extractor that speaks our error envelope: 400 naming the field for bad input,
//! 413 for oversized bodies, 415 for a body declared as something other than JSON, and an
//! empty body read as `{}` (clients send POSTs without one, with any content type or none).
use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::StatusCode,
};
use serde::de::DeserializeOwned;

use crate::server::error::ApiError;

pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let declared = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .map(|v| v.to_str().map(is_json).unwrap_or(false));
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", "the request body is too large")
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", "the request body could not be read")
            }
        })?;
        // No content type is read as JSON (the SPEC's lenient clients); a declared other
        // one is refused rather than guessed at, unless there is no body to misread.
        if declared == Some(false) && !bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "send the body as JSON, with content-type: application/json",
            ));
        }
        parse(&bytes).map(JsonBody)
    }
}

/// `application/json`, `application/json; charset=utf-8`, or a `+json` type.
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let text = if bytes.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        bytes
    };
    // serde would also read a struct from an array; the API only takes objects.
    if text.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(if serde_json::from_slice::<serde_json::Value>(text).is_ok() {
            ApiError::validation("body", "must be a JSON object")
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", "the request body is not valid JSON")
        });
    }
    let mut de = serde_json::Deserializer::from_slice(text);
    serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", "the request body is not valid JSON")
        } else {
            ApiError::validation(&path, describe(&inner))
        }
    })
}

/// serde's message without its " at line 1 column 12" tail, which only helps a parser.
fn describe(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, Default)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Input {
        name: Option<String>,
        link_to_api_key: Option<bool>,
    }

    #[test]
    fn empty_bodies_read_as_an_empty_object() {
        let input: Input = parse(b"").unwrap();
        assert!(input.name.is_none());
        let _: Input = parse(b"  \n").unwrap();
    }

    #[test]
    fn wrong_types_name_the_field() {
        let err = parse::<Input>(br#"{"linkToApiKey": "yes"}"#).unwrap_err();
        assert_eq!(err.code, "VALIDATION_ERROR");
        assert!(err.message.starts_with("linkToApiKey: invalid type"), "{}", err.message);
        assert!(!err.message.contains("line 1"), "{}", err.message);
    }

    #[test]
    fn broken_json_and_non_objects_are_400() {
        assert_eq!(parse::<Input>(b"{").unwrap_err().message, "the request body is not valid JSON");
        assert!(parse::<Input>(b"[1]").unwrap_err().message.starts_with("body:"));
    }

    #[test]
    fn json_content_types() {
        for ok in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/merge-patch+json",
        ] {
            assert!(is_json(ok), "{ok}");
        }
        for bad in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "",
            "json",
        ] {
            assert!(!is_json(bad), "{bad}");
        }
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let input: Input = parse(br#"{"name": "a", "whatever": 1}"#).unwrap();
        assert_eq!(input.name.as_deref(), Some("a"));
    }
}
