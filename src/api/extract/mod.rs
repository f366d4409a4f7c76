//! The request extractors every handler uses: JSON bodies and query strings (in place of actix's own) and the signed-in
//! caller ([`crate::auth::AuthUser`]).
//!
//! They add what actix's leave to chance: a JSON document nested deeper than any request needs is malformed (400); an
//! array never stands where an object is expected (serde's derive would accept `["a@b.id", "pw"]` as a login); and no
//! text, in a body or a query string, carries a control character (NUL made PostgreSQL fail the request with a 500).
//! Refusals are 422 problems naming each offending field as the client wrote it (`reporter.name`, `rows[2].cells.x`).

mod auth;
mod json_text;
mod strict;

pub use auth::{Caller, ReportReader, bearer_token};

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, mime, web};
use serde::de::DeserializeOwned;

use crate::domain::text;
use crate::error::{self, ApiError, FieldError};

/// Deepest nesting of objects and arrays a request body may have.
pub const MAX_JSON_DEPTH: usize = 32;

/// A JSON request body, read into `T` (see the module docs for what is refused).
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = matches!(
            req.mime_type(),
            Ok(Some(media)) if media.subtype() == mime::JSON || media.suffix() == Some(mime::JSON)
        );
        // The body is read within the configured `PayloadConfig` limit (413 beyond it).
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType("this endpoint reads application/json bodies".into()).into());
            }
            parse(&body.await?).map(Json).map_err(actix_web::Error::from)
        })
    }
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let scan = json_text::scan(bytes, MAX_JSON_DEPTH);
    if scan.too_deep {
        return Err(ApiError::BadRequest {
            code: "malformed_json",
            detail: format!("the body is nested deeper than {MAX_JSON_DEPTH} levels"),
        });
    }
    if scan.has_control_character {
        // Rare: find where, on a generic reading of the document, so that the client learns which fields to fix.
        let document: serde_json::Value = serde_json::from_slice(bytes).map_err(|err| error::json_error(&err))?;
        let fields = json_text::fields_with(&document, |c| !text::allowed_in_text(c));
        if !fields.is_empty() {
            return Err(ApiError::Validation(fields.into_iter().map(control_character).collect()));
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(strict::Strict(&mut deserializer)).map_err(|err| {
        // The path's own text is `.` at the top and `a.b[2]` below; the problem names fields without the dot.
        let path = err.path().to_string();
        error::json_error_at(err.inner(), path.trim_start_matches('.'))
    })?;
    deserializer.end().map_err(|err| error::json_error(&err))?;
    Ok(value)
}

/// Whether a raw query string holds a C0 control character or DEL, as a byte or percent-encoded.
fn holds_control_character(query: &str) -> bool {
    let bytes = query.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    bytes.iter().enumerate().any(|(i, &b)| match b {
        b'%' => match (bytes.get(i + 1).and_then(|&h| hex(h)), bytes.get(i + 2).and_then(|&l| hex(l))) {
            (Some(high), Some(low)) => {
                let decoded = high * 16 + low;
                decoded < 0x20 || decoded == 0x7f
            }
            _ => false,
        },
        _ => b < 0x20 || b == 0x7f,
    })
}

fn control_character(field: String) -> FieldError {
    FieldError::new(
        field,
        "control_character",
        "text may not contain control characters such as NUL (U+0000); only tab and line breaks are allowed",
    )
}

/// A query string, read into `T`; no parameter may carry a control character (422 naming it).
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    /// The parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query).map_err(actix_web::Error::from))
    }
}

fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    // Every list request passes here: only a query that holds a control character is decoded a second time, to name
    // the parameters that hold one.
    if holds_control_character(query) {
        let mut fields: Vec<FieldError> = form_urlencoded::parse(query.as_bytes())
            .filter(|(name, value)| !name.chars().chain(value.chars()).all(text::allowed_in_line))
            .map(|(name, _)| control_character(name.into_owned()))
            .collect();
        fields.dedup_by(|a, b| a.field == b.field);
        if !fields.is_empty() {
            return Err(ApiError::Validation(fields));
        }
    }
    let parameters = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(parameters).map_err(|err| {
        let name = err.path().to_string();
        ApiError::BadRequest {
            code: "invalid_query",
            detail: format!("the query parameter {} is malformed: {}", name.trim_start_matches('.'), err.inner()),
        }
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Login {
        email: String,
        password: String,
        reporter: Option<Reporter>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Reporter {
        name: Option<String>,
    }

    fn fields(err: ApiError) -> Vec<(String, String)> {
        match err {
            ApiError::Validation(fields) => fields.into_iter().map(|f| (f.field, f.code)).collect(),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn a_plain_document_is_read() {
        let login: Login = parse(br#"{"email":"a@b.id","password":"x\ty","reporter":{"name":"Budi"}}"#).unwrap();
        assert_eq!(login.password, "x\ty");
        assert_eq!(login.reporter, Some(Reporter { name: Some("Budi".into()) }));
    }

    #[test]
    fn nul_and_other_control_characters_are_named_by_field() {
        let err = parse::<Login>(br#"{"email":"a\u0000@b.id","password":"x","reporter":{"name":"B\u001bt"}}"#);
        assert_eq!(
            fields(err.unwrap_err()),
            [
                ("email".to_owned(), "control_character".to_owned()),
                ("reporter.name".to_owned(), "control_character".to_owned())
            ]
        );
        let escaped_backslash: Login = parse(br#"{"email":"a\\u0000@b.id","password":"x"}"#).unwrap();
        assert_eq!(escaped_backslash.email, "a\\u0000@b.id", "an escaped backslash is not an escape");
    }

    #[test]
    fn an_array_is_not_an_object() {
        let top = parse::<Login>(br#"["a@b.id", "x", null]"#).unwrap_err();
        assert!(matches!(top, ApiError::Validation(ref f) if f[0].field == "body"), "{top:?}");
        let nested = parse::<Login>(br#"{"email":"a@b.id","password":"x","reporter":["Budi"]}"#).unwrap_err();
        assert!(matches!(nested, ApiError::Validation(_)), "{nested:?}");
    }

    #[test]
    fn deep_nesting_is_malformed() {
        let deep = format!("{{\"email\":{}{}}}", "[".repeat(40), "]".repeat(40));
        let err = parse::<Login>(deep.as_bytes()).unwrap_err();
        assert!(matches!(err, ApiError::BadRequest { code: "malformed_json", .. }), "{err:?}");
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Channel {
        Web,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Intake {
        channel: Channel,
        reporter: Option<Reporter>,
    }

    #[test]
    fn a_wrong_value_is_named_by_its_path() {
        let err = parse::<Intake>(br#"{"channel":"merpati"}"#).unwrap_err();
        assert_eq!(fields(err), [("channel".to_owned(), "invalid_value".to_owned())]);
        let err = parse::<Intake>(br#"{"channel":"web","reporter":{"name":7}}"#).unwrap_err();
        assert_eq!(fields(err), [("reporter.name".to_owned(), "invalid_value".to_owned())]);
    }

    #[test]
    fn trailing_garbage_is_malformed() {
        let err = parse::<Login>(br#"{"email":"a@b.id","password":"x"} {"#).unwrap_err();
        assert!(matches!(err, ApiError::BadRequest { code: "malformed_json", .. }), "{err:?}");
    }

    #[derive(Debug, Deserialize)]
    struct Search {
        q: Option<String>,
        limit: Option<u8>,
    }

    #[test]
    fn query_parameters_with_control_characters_are_named() {
        let err = parse_query::<Search>("q=jalan%00rusak&limit=5").unwrap_err();
        assert_eq!(fields(err), [("q".to_owned(), "control_character".to_owned())]);
        assert!(!holds_control_character("q=jalan+rusak%20%C3%A9&limit=5"));
        assert!(
            holds_control_character("q=a%0a") && holds_control_character("q=%7F") && holds_control_character("q=\u{1}")
        );
        let fine: Search = parse_query("q=jalan+rusak&limit=5").unwrap();
        assert_eq!((fine.q.as_deref(), fine.limit), (Some("jalan rusak"), Some(5)));
        let Err(ApiError::BadRequest { code: "invalid_query", detail }) = parse_query::<Search>("limit=x") else {
            panic!("a malformed limit is a 400");
        };
        assert!(detail.contains("parameter limit"), "{detail}");
    }
}
