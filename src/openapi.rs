//! The OpenAPI document: information, tags and security schemes here; paths and schemas are collected from the
//! handlers by utoipa-actix-web when [`crate::api::routes`] is registered.

use actix_web::App;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as Document, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::error::{FieldError, PROBLEM_JSON, Problem};

/// Document-level information; see [`document`] for the whole spec.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "pengaduan",
        description = "Public-service complaint management for Indonesian regional governments (Pemda): complaints, \
                       dispositions to OPDs, follow-ups, Rencana Aksi and reports.\n\n\
                       Every error is an RFC 9457 `application/problem+json` document with a stable `code`. \
                       Lists use cursor pagination (`limit`, `cursor`, `next_cursor`, `Link: rel=\"next\"`). \
                       Mutable resources carry an `ETag`; send it back as `If-Match` (stale: 412).\n\n\
                       Also served, outside this description because they follow standards of their own: Open311 \
                       GeoReport v2 at `/open311/v2` (start from `/open311/v2/discovery.json`), and signed webhooks \
                       (Standard Webhooks) sent to the URLs subscribed under `/api/v1/webhooks`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    tags(
        (name = "health", description = "Liveness and readiness probes"),
        (name = "auth", description = "Sign in, token refresh, sign out"),
        (name = "me", description = "The signed-in user's own account"),
        (name = "units", description = "Organisation units: the Pemda, its OPDs and their sub-units"),
        (name = "users", description = "Staff accounts and roles"),
        (name = "reference", description = "Categories, regions, holidays and deadline policies of a Pemda"),
        (name = "public", description = "What citizens use without signing in: filing and tracking reports"),
        (name = "complaints", description = "Staff work on complaints: intake, verification, reads, reporter identity"),
        (name = "attachments", description = "Evidence files"),
        (name = "dispositions", description = "Complaints sent to OPDs, their follow-ups and approvals"),
        (name = "notifications", description = "What each user must hear about"),
        (name = "action plans", description = "Rencana Aksi: periods, forms, rows, submission, versions"),
        (name = "reports", description = "Figures for leaders, regulators, OPDs and external systems; never a reporter"),
        (name = "changes", description = "One ordered feed of what changed, for systems that keep a copy in sync"),
        (name = "api clients", description = "Machine clients of a Pemda and their OAuth 2.0 client credentials tokens"),
        (name = "webhooks", description = "Signed messages (Standard Webhooks) to systems of a Pemda when things change"),
    ),
    servers((url = "/", description = "The service that serves this document")),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerScheme),
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("Access token from POST /api/v1/auth/login, valid 15 minutes by default"))
                    .build(),
            ),
        );
        // Machine clients: each operation open to them lists, under `oauth2`, the scopes it accepts.
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(ClientCredentials::new(
                    "/api/v1/oauth/token",
                    Scopes::from_iter([
                        ("reports:read", "Read the reports of the client's Pemda"),
                        ("complaints:read", "Read complaints of the client's Pemda, never a reporter's identity"),
                        ("complaints:write", "File reports as the client's channel"),
                        ("webhooks:manage", "Manage the Pemda's webhook subscriptions"),
                    ]),
                ))],
                "API clients of a Pemda (managed at /api/v1/api-clients) get tokens by the client credentials grant",
            )),
        );
    }
}

/// The complete document, as served at `/api/v1/openapi.json` and printed by `pengaduan openapi`.
pub fn document() -> Document {
    let (_, mut spec) =
        App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(crate::api::routes).split_for_parts();
    add_idempotency(&mut spec);
    add_standard_errors(&mut spec);
    declare_public_operations(&mut spec);
    spec
}

/// An operation that names no security scheme is public: say so with `security: []`, so that generated clients and
/// linters do not guess.
fn declare_public_operations(spec: &mut Document) {
    for item in spec.paths.paths.values_mut() {
        for operation in
            [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten()
        {
            operation.security.get_or_insert_with(Vec::new);
        }
    }
}

/// Every POST takes an `Idempotency-Key` (see `api::idempotency`); complaint intake declares its own.
fn add_idempotency(spec: &mut Document) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, Required, Type};
    for (_, item) in spec.paths.paths.iter_mut().filter(|(path, _)| crate::api::idempotency::honoured_on(path)) {
        let Some(operation) = item.post.as_mut() else { continue };
        let parameters = operation.parameters.get_or_insert_with(Vec::new);
        let declared = |p: &utoipa::openapi::RefOr<utoipa::openapi::path::Parameter>| matches!(p, utoipa::openapi::RefOr::T(p) if p.name.eq_ignore_ascii_case("Idempotency-Key"));
        if parameters.iter().any(declared) {
            continue;
        }
        parameters.push(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Makes a retry safe: the same key with the same request answers the first (successful) answer \
                     again with `Idempotent-Replayed: true`; 1 to 200 visible ASCII characters, kept 24 hours",
                ))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(200))))
                .build()
                .into(),
        );
        add_problem(operation, "409", "A request with this Idempotency-Key is still running (`Retry-After`)");
        add_problem(operation, "422", "Invalid fields or parameters, or an Idempotency-Key used with another request");
    }
}

/// Adds the error responses every operation can give, so each operation lists them without repeating them in code:
/// 400/413/415/422 where there is a body or parameters, 401 where a token is needed, 500 and 503 everywhere.
fn add_standard_errors(spec: &mut Document) {
    for item in spec.paths.paths.values_mut() {
        let has_path_params = item.parameters.as_ref().is_some_and(|params| !params.is_empty());
        for operation in
            [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten()
        {
            let secured = operation.security.as_ref().is_some_and(|security| !security.is_empty());
            let has_body = operation.request_body.is_some();
            let has_params = has_path_params || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
            if has_body || has_params {
                add_problem(operation, "400", "Malformed request: broken JSON, a bad path or query parameter");
                add_problem(operation, "422", "Invalid fields or parameters; `errors` lists each one");
            }
            if has_body {
                add_problem(operation, "413", "The body is larger than the configured limit");
                add_problem(operation, "415", "The body is not application/json");
                add_problem(operation, "422", "Invalid fields; `errors` lists each one");
            }
            if secured {
                add_problem(operation, "401", "Missing, invalid or expired access token, or a deactivated account");
            }
            add_problem(operation, "500", "Unexpected error (logged on the server)");
            add_problem(operation, "503", "The database is unreachable; retry after `Retry-After` seconds");
        }
    }
}

fn add_problem(operation: &mut Operation, status: &str, description: &str) {
    operation.responses.responses.entry(status.to_owned()).or_insert_with(|| {
        ResponseBuilder::new()
            .description(description)
            .content(PROBLEM_JSON, Content::new(Some(Ref::from_schema_name("Problem"))))
            .build()
            .into()
    });
}
