//! Assembling the service: database, migrations, keys, pool, routes and middleware. `main` and the test suite both
//! start the service through [`Application::build`], so the tests exercise exactly what runs in production.

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::body::EitherBody;
use actix_web::dev::{Server, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::{Condition, ErrorHandlerResponse, ErrorHandlers, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::fallback::{self, RouteTable};
use crate::auth::tokens::AccessTokens;
use crate::auth::{keys, session_cache};
use crate::clock::Clock;
use crate::config::{Secret, Settings};
use crate::db::local::{self, LocalPostgres};
use crate::db::{self, migrations};
use crate::error::{self, ApiError, PROBLEM_JSON};
use crate::monitoring;
use crate::sealing::Sealer;
use crate::state::AppState;
use crate::storage::LocalDisk;
use crate::telemetry::{self, RequestSpan};
use crate::{api, jobs, openapi};

/// The database the process uses, and the private server behind it when there is one.
pub struct Database {
    /// Connection URL (may hold a password: never log it, use [`db::redacted_url`]).
    pub url: Secret,
    /// The private server this process runs, if `DATABASE_URL` was not set.
    pub local: Option<LocalPostgres>,
}

impl Database {
    /// `DATABASE_URL` when set; otherwise the private PostgreSQL under the data dir, started (and created) as needed.
    pub async fn open(settings: &Settings) -> anyhow::Result<Self> {
        let database = match &settings.database_url {
            Some(url) => Self { url: url.clone(), local: None },
            None => {
                let data_dir = settings.data_dir.clone();
                let server = tokio::task::spawn_blocking(move || LocalPostgres::start(&data_dir)).await??;
                db::ensure_database(&server.url("postgres"), local::DATABASE_NAME, None).await?;
                Self { url: Secret::new(server.url(local::DATABASE_NAME)), local: Some(server) }
            }
        };
        tracing::info!(database = %db::redacted_url(database.url.expose()), private = database.local.is_some(), "using database");
        Ok(database)
    }

    /// Stops the private server if this process started it.
    pub async fn close(self) -> anyhow::Result<()> {
        match self.local {
            Some(server) => tokio::task::spawn_blocking(move || server.stop()).await?,
            None => Ok(()),
        }
    }
}

/// A built, listening, not yet running HTTP service.
pub struct Application {
    port: u16,
    server: Server,
    /// The metrics listener's port and server, when `PENGADUAN_METRICS_BIND` asks for one.
    metrics: Option<(u16, Server)>,
    state: web::Data<AppState>,
}

impl Application {
    /// Migrates (unless disabled), prepares keys and the pool, and binds the listener.
    pub async fn build(settings: Settings, database_url: &Secret) -> anyhow::Result<Self> {
        if settings.migrate_on_start {
            let applied = migrations::run_pending(database_url.expose()).await?;
            tracing::info!(count = applied.len(), "migrations applied");
        }
        let jwt_secret = keys::configured_or_generated(
            settings.jwt_secret.as_ref(),
            &settings.data_dir,
            "jwt-secret",
            "PENGADUAN_JWT_SECRET",
        )?;
        let reporter_key = keys::configured_or_generated(
            settings.reporter_key.as_ref(),
            &settings.data_dir,
            "reporter-key",
            "PENGADUAN_REPORTER_KEY",
        )?;
        crate::services::webhooks::target::install_crypto_provider();
        let state = web::Data::new(AppState {
            pool: db::build_pool(database_url, settings.db_pool_size)?,
            access_tokens: AccessTokens::new(&jwt_secret, settings.access_token_ttl),
            sealer: Sealer::new(&reporter_key),
            blobs: Arc::new(LocalDisk::new(settings.data_dir.join("attachments"))),
            clock: Clock::default(),
            sessions: Arc::default(),
            statistics: Arc::default(),
            exports_queued: Arc::default(),
            settings: Arc::new(settings),
        });
        tokio::spawn(session_cache::listen(state.sessions.clone(), database_url.clone()));
        warn_about_short_calendars(&state).await;
        if state.settings.run_jobs {
            jobs::spawn(state.clone(), state.settings.job_interval);
        }

        let spec = openapi::document();
        let routes = web::Data::new(RouteTable::new(
            &spec,
            &[("/api/v1/openapi.json", Method::GET), ("/docs", Method::GET), ("/docs/{_:.*}", Method::GET)],
        ));
        monitoring::handle();
        monitoring::watch_pool(&state.pool);
        let metrics = match &state.settings.metrics_bind {
            Some(bind) => Some(metrics_server(bind, state.clone())?),
            None => None,
        };
        let listener = TcpListener::bind(&state.settings.bind)?;
        let port = listener.local_addr()?.port();
        let workers = state.settings.workers;
        let worker_pool_size = state.settings.db_pool_size.div_ceil(workers.max(1));
        let server_state = state.clone();
        let server_database_url = database_url.clone();
        let server = HttpServer::new(move || {
            // Each worker draws from a pool of its own. A connection's driver task runs on the thread that opened it,
            // so with one shared pool about every other query hopped between threads (a wake-up and a context switch
            // on each side); the background jobs and the tests keep the shared pool.
            let worker_pool = db::build_pool(&server_database_url, worker_pool_size)
                .expect("the shared pool was built with the same settings");
            monitoring::watch_pool(&worker_pool);
            let worker_state = web::Data::new(server_state.with_pool(worker_pool));
            let settings = &server_state.settings;
            App::new()
                // Registered before the `/api/v1` scope, which would otherwise swallow `/api/v1/openapi.json`.
                .service(SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", spec.clone()))
                .route("/docs", web::get().to(api::index::redirect_to_docs))
                .into_utoipa_app()
                .configure(api::routes)
                .into_app()
                .configure(api::open311::routes)
                .default_service(web::to(fallback::unmatched))
                .app_data(worker_state)
                .app_data(routes.clone())
                .app_data(
                    web::JsonConfig::default().limit(settings.body_limit).error_handler(error::json_error_handler),
                )
                .app_data(web::PayloadConfig::new(settings.body_limit))
                .app_data(web::PathConfig::default().error_handler(error::path_error_handler))
                .app_data(web::QueryConfig::default().error_handler(error::query_error_handler))
                .wrap(from_fn(api::idempotency::idempotent))
                .wrap(Condition::new(!settings.cors_origins.is_empty(), cors(&settings.cors_origins)))
                // Outside CORS, so that its refusals (unknown origin, method, header) leave as problems too.
                .wrap(ErrorHandlers::new().default_handler(problem_for_plain_errors))
                .wrap(TracingLogger::<RequestSpan>::new())
                .wrap(from_fn(telemetry::request_id))
                .wrap(from_fn(api::index::head_as_get))
                .wrap(from_fn(monitoring::record_requests))
        })
        .workers(workers)
        .listen(listener)?
        .run();
        tracing::info!(address = %state.settings.bind, port, "listening");
        Ok(Self { port, server, metrics, state })
    }

    /// The port of the metrics listener, if there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// The port the listener got (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state, for tests that need to reach behind the API.
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until SIGINT or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        match self.metrics {
            Some((_, metrics)) => {
                let (served, _) = tokio::join!(self.server, metrics);
                served
            }
            None => self.server.await,
        }
    }
}

/// Says in the log which Pemdas' holiday calendars end within a year (readiness is not affected: deadlines still
/// count, only without holidays beyond the calendar's end).
async fn warn_about_short_calendars(state: &AppState) {
    let today = state.clock.now().with_timezone(&state.settings.timezone).date_naive();
    let checked = match state.pool.get().await {
        Ok(mut conn) => crate::services::pemda::warn_about_short_calendars(&mut conn, today).await.map(drop),
        Err(error) => Err(error.into()),
    };
    if let Err(error) = checked {
        tracing::warn!(%error, "could not check the holiday calendars");
    }
}

fn cors(origins: &[String]) -> Cors {
    let cors = origins.iter().fold(Cors::default(), |cors, origin| cors.allowed_origin(origin));
    cors.allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-reporter-secret"),
            telemetry::REQUEST_ID_HEADER,
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::RETRY_AFTER,
            telemetry::REQUEST_ID_HEADER,
            api::idempotency::REPLAYED_HEADER,
            api::rate_limit::POLICY_HEADER,
            api::rate_limit::LIMIT_HEADER,
        ])
        .max_age(3600)
}

/// Errors produced outside our handlers (middleware such as CORS, the docs service) still leave as problem documents,
/// except a response marked [`error::StandardErrorBody`] (its body follows another standard on purpose).
fn problem_for_plain_errors<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    let keeps_its_body = res.response().extensions().contains::<error::StandardErrorBody>();
    if is_problem || keeps_its_body {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let error = match status.as_u16() {
        404 => ApiError::not_found(format!("the path {}", res.request().path())),
        413 => ApiError::body_too_large(),
        415 => ApiError::UnsupportedMediaType("this media type is not accepted here".into()),
        400..=499 => ApiError::BadRequest { code: "bad_request", detail: "the request was refused".into() },
        _ => ApiError::Internal(anyhow::anyhow!("plain {status} response from a middleware")),
    };
    // Keep the original status (a CORS refusal is 400 whatever the mapping above chose) and its headers.
    let mut problem = error.problem();
    problem.status = status.as_u16();
    problem.title = status.canonical_reason().unwrap_or("Error").to_owned();
    let mut response = HttpResponse::build(status).content_type(PROBLEM_JSON).json(problem);
    let (request, original) = res.into_parts();
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(request, response).map_body(|_, body| EitherBody::right(body)),
    ))
}

/// Asks the service listening at `bind` (an address as in `PENGADUAN_BIND`; a wildcard host means this machine)
/// whether it is ready, with a plain HTTP/1.1 request: the container health check, with no HTTP client in the image.
pub fn probe_readiness(bind: &str, timeout: std::time::Duration) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpStream, ToSocketAddrs};

    let mut address: SocketAddr =
        bind.to_socket_addrs()?.next().ok_or_else(|| anyhow::anyhow!("{bind} names no address"))?;
    if address.ip().is_unspecified() {
        address.set_ip(if address.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let mut stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(b"GET /ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut head = [0u8; 64];
    let read = stream.read(&mut head)?;
    let status_line = String::from_utf8_lossy(&head[..read]);
    if status_line.starts_with("HTTP/1.1 200") {
        Ok(())
    } else {
        anyhow::bail!("{} answered {}", address, status_line.lines().next().unwrap_or("nothing"))
    }
}

/// The metrics listener: `GET /metrics` only, one worker, no API. Binding it is the operator's explicit choice, so it
/// is never exposed by accident alongside the public API.
fn metrics_server(bind: &str, state: web::Data<AppState>) -> anyhow::Result<(u16, Server)> {
    let listener = TcpListener::bind(bind)?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        App::new().app_data(state.clone()).route(
            "/metrics",
            web::get().to(|state: web::Data<AppState>| async move {
                HttpResponse::Ok()
                    .content_type("text/plain; version=0.0.4; charset=utf-8")
                    .body(monitoring::render(&state).await)
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    tracing::info!(address = %bind, port, "metrics listening");
    Ok((port, server))
}
