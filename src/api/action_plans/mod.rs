//! Rencana Aksi over HTTP: periods (the matrix), forms (one per period and unit) and their rows, reviews and the
//! sending letter, quarterly realisation, and Excel in and out. Each part is a module; the handlers are re-exported
//! here for the router and the OpenAPI document.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::complaints::{AttachmentView, with_etag};
use super::etag::IfMatch;
use super::validation::{FieldErrors, nullable, required_text};
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db;
use crate::db::action_plans::{LineRow, PeriodChanges, PeriodRow, PlanRow};
use crate::db::attachments::AttachmentRow;
use crate::domain::action_plan::{Matrix, PlanStatus};
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::action_plans::NewPeriod;
use crate::state::AppState;

mod forms;
mod periods;
mod realisations;
mod reviews;
mod workbooks;

pub use forms::*;
pub use periods::*;
pub use realisations::*;
pub use reviews::*;
pub use workbooks::*;
