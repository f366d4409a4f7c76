//! Black-box tests of the `pengaduan` service: each test starts the real server on a random port with a database of
//! its own, and talks to it over HTTP (or runs the real binary, for the command line).

mod action_plans;
mod api_clients;
mod attachments;
mod auth;
mod changes;
mod cli;
mod complaints;
mod dispositions;
mod errors;
mod escalations;
mod exports;
mod health;
mod helpers;
mod idempotency;
mod mail;
mod metrics;
mod migrations;
mod open311;
mod openapi;
mod pemda;
mod rate_limits;
mod reference;
mod reports;
mod units;
mod users;
mod webhooks;
mod workbook_bombs;
