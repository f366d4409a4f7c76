//! `pengaduan`: the backend Indonesian regional governments (Pemda) use to handle public-service complaints.
//!
//! The crate is layered; each layer only calls the ones below it:
//!
//! - [`api`]: HTTP only. Request/response types, thin handlers, routes, pagination, `ETag`/`If-Match`.
//! - [`services`]: workflows over several tables, one transaction each, each writing its audit event.
//! - [`db`]: the pool, embedded migrations, the private PostgreSQL, row models and query functions.
//! - [`domain`]: pure types and rules (roles, unit tree, values); no HTTP, no SQL, unit-tested exhaustively.
//!
//! Beside them: [`auth`] (passwords, tokens, the `AuthUser` extractor, permission guards), [`error`] (the
//! one error type and its problem+json rendering), [`jobs`] (background work), [`sealing`] (encryption at rest),
//! [`storage`] (uploaded files), [`clock`], [`config`], [`telemetry`], [`openapi`] and [`startup`], which assembles it
//! all for `main` and for the tests alike.

pub mod api;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod jobs;
pub mod monitoring;
pub mod openapi;
pub mod sealing;
pub mod services;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
