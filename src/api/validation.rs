//! Collecting every invalid field of a request before answering, so a client fixes all of them in one round.

use validator::{Validate, ValidationError};

use crate::domain::{DomainError, text};
use crate::error::{ApiError, FieldError};

/// Gathers field errors while a request DTO is parsed into domain values.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Starts with the shape checks (`validator` bounds) of `dto`.
    pub fn check<T: Validate>(dto: &T) -> Self {
        match dto.validate() {
            Ok(()) => Self::default(),
            Err(errors) => match ApiError::from(errors) {
                ApiError::Validation(fields) => Self(fields),
                _ => Self::default(),
            },
        }
    }

    /// Keeps a parsed value, or records why it failed.
    pub fn take<T>(&mut self, parsed: Result<T, DomainError>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(DomainError::Invalid { field, code, message }) => {
                if !self.0.iter().any(|error| error.field == field) {
                    self.0.push(FieldError::new(field, code, message));
                }
                None
            }
            Err(DomainError::Conflict { code, message }) => {
                self.0.push(FieldError::new("body", code, message));
                None
            }
        }
    }

    /// Records a failed rule directly.
    pub fn add(&mut self, field: &str, code: &str, message: &str) {
        self.0.push(FieldError::new(field, code, message));
    }

    /// `Err(422)` listing every recorded field, or `Ok` when there is none.
    pub fn finish(mut self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            return Ok(());
        }
        self.0.sort_by(|a, b| a.field.cmp(&b.field));
        Err(ApiError::Validation(self.0))
    }
}

/// Deserialises a field that may be absent (leave alone), `null` (clear) or a value (set): `Option<Option<T>>`.
pub fn nullable<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}

/// Trims a text field and refuses it when nothing is left.
pub fn required_text(field: &'static str, raw: &str) -> Result<String, DomainError> {
    let text = raw.trim();
    if text.is_empty() {
        Err(DomainError::invalid(field, "blank", "this field cannot be blank"))
    } else {
        Ok(text.to_owned())
    }
}

/// A `validator` rule for values meant as one line (titles, names, e-mail addresses, codes): no tab, no line break,
/// no other control character. Control characters in multi-line text are refused for every field by
/// [`crate::api::extract::Json`].
pub fn single_line(value: &str) -> Result<(), ValidationError> {
    if value.chars().all(text::allowed_in_line) {
        Ok(())
    } else {
        Err(ValidationError::new("control_character")
            .with_message("a single line: no tab, line break or other control character".into()))
    }
}
