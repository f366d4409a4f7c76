//! The test harness: a real server on a random port per test, each with its own database cloned from a template that
//! is migrated once per run.
//!
//! With `DATABASE_URL` set, databases are created on that server; without it, a private PostgreSQL is started under a
//! temporary directory (exactly as the service starts its own) and stopped when the test binary exits.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use actix_web::web;
use pengaduan::config::{Secret, Settings};
use pengaduan::db::local::LocalPostgres;
use pengaduan::db::{self, migrations};
use pengaduan::domain::ids::UnitId;
use pengaduan::domain::role::Role;
use pengaduan::domain::user::{Email, NewPassword, NewUser};
use pengaduan::services;
use pengaduan::startup::Application;
use pengaduan::state::AppState;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// The password every test account gets.
pub const PASSWORD: &str = "kata sandi rahasia 123";

struct DatabaseServer {
    /// URL of the maintenance database `postgres`.
    admin_url: String,
    /// The migrated database every test database is cloned from.
    template: String,
}

static SERVER: OnceLock<DatabaseServer> = OnceLock::new();
static PRIVATE_SERVER: Mutex<Option<(LocalPostgres, PathBuf)>> = Mutex::new(None);
static EXTERNAL_TEMPLATE: Mutex<Option<(String, String)>> = Mutex::new(None);

fn database_server() -> &'static DatabaseServer {
    SERVER.get_or_init(|| {
        // Set up on a thread of its own with its own runtime: each test has its own runtime, and the first test to
        // arrive must not leave connections bound to it.
        std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(prepare_database_server())
        })
        .join()
        .expect("the test database server could not be prepared")
    })
}

async fn prepare_database_server() -> DatabaseServer {
    if std::env::var_os("TEST_LOG").is_some() {
        pengaduan::telemetry::init(pengaduan::config::LogFormat::Pretty);
    }
    let admin_url = match std::env::var("DATABASE_URL").ok().filter(|url| !url.trim().is_empty()) {
        Some(url) => db::url_with_database(&url, "postgres"),
        None => {
            let dir = std::env::temp_dir().join(format!("pengaduan-test-{}", std::process::id()));
            let start_dir = dir.clone();
            let server = tokio::task::spawn_blocking(move || LocalPostgres::start(&start_dir))
                .await
                .expect("join")
                .expect("the private PostgreSQL for the tests did not start");
            let url = server.url("postgres");
            *PRIVATE_SERVER.lock().unwrap() = Some((server, dir));
            url
        }
    };
    let template = format!("pengaduan_template_{}", Uuid::now_v7().simple());
    db::ensure_database(&admin_url, &template, None).await.expect("create the template database");
    migrations::run_pending(&db::url_with_database(&admin_url, &template))
        .await
        .expect("migrate the template database");
    *EXTERNAL_TEMPLATE.lock().unwrap() = Some((admin_url.clone(), template.clone()));
    // SAFETY: registering a plain `extern "C"` function with atexit has no preconditions.
    unsafe { libc::atexit(clean_up_at_exit) };
    DatabaseServer { admin_url, template }
}

/// Runs when the test binary exits: drops the template, and stops and removes a private server.
extern "C" fn clean_up_at_exit() {
    let private = PRIVATE_SERVER.lock().ok().and_then(|mut server| server.take());
    match private {
        Some((server, dir)) => {
            let _ = server.stop();
            let _ = std::fs::remove_dir_all(dir);
        }
        None => {
            if let Some((admin_url, template)) = EXTERNAL_TEMPLATE.lock().ok().and_then(|mut t| t.take())
                && let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build()
            {
                let _ = runtime.block_on(db::drop_database(&admin_url, &template));
            }
        }
    }
}

/// A fresh empty database (not even migrated), dropped with the returned guard.
pub async fn empty_database() -> TestDatabase {
    let server = database_server();
    let name = format!("pengaduan_test_{}", Uuid::now_v7().simple());
    db::ensure_database(&server.admin_url, &name, None).await.expect("create an empty database");
    TestDatabase { url: db::url_with_database(&server.admin_url, &name), admin_url: server.admin_url.clone(), name }
}

/// A database of one test; dropped when the value is.
pub struct TestDatabase {
    /// Its connection URL.
    pub url: String,
    admin_url: String,
    name: String,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(db::drop_database(&admin_url, &name))
        })
        .join();
    }
}

/// A running service with its own database.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The service's shared state (pool, token keys).
    pub state: web::Data<AppState>,
    /// Its database.
    pub database: TestDatabase,
    /// `http://127.0.0.1:<port>` of the metrics listener, when the settings asked for one.
    pub metrics_address: Option<String>,
    client: reqwest::Client,
    data_dir: PathBuf,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Settings for a test service: random port, one worker, a fixed signing key, a private data dir.
pub fn test_settings() -> Settings {
    let mut settings = Settings::from_lookup(|_| None).expect("default settings");
    settings.bind = "127.0.0.1:0".into();
    settings.workers = 1;
    settings.db_pool_size = 4;
    settings.migrate_on_start = false;
    settings.jwt_secret = Some(Secret::new("test-signing-key-".repeat(4)));
    settings.data_dir = std::env::temp_dir().join(format!("pengaduan-test-data-{}", Uuid::now_v7().simple()));
    settings
}

/// Starts a service on a fresh copy of the migrated template.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a service after `configure` adjusted its settings.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let server = database_server();
    let name = format!("pengaduan_test_{}", Uuid::now_v7().simple());
    db::ensure_database(&server.admin_url, &name, Some(&server.template)).await.expect("clone the template database");
    let database = TestDatabase {
        url: db::url_with_database(&server.admin_url, &name),
        admin_url: server.admin_url.clone(),
        name,
    };
    let mut settings = test_settings();
    configure(&mut settings);
    start(settings, database).await
}

/// Starts a service on `database` with `settings`.
pub async fn start(settings: Settings, database: TestDatabase) -> TestApp {
    let data_dir = settings.data_dir.clone();
    let app = Application::build(settings, &Secret::new(database.url.clone())).await.expect("build the application");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = app.metrics_port().map(|port| format!("http://127.0.0.1:{port}"));
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    let client = http_client_with(reqwest::Client::builder().timeout(Duration::from_secs(30)));
    TestApp { address, state, database, metrics_address, client, data_dir }
}

/// Starts a service whose database holds the seed (Kabupaten Sekadau and its units).
pub async fn spawn_seeded_app() -> TestApp {
    let app = spawn_app().await;
    let mut conn = app.conn().await;
    services::seed::seed(&mut conn).await.expect("seed");
    app
}

/// A signed-in staff member.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: Uuid,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl TestApp {
    /// A direct database connection, for arranging data and checking what the API did.
    pub async fn conn(&self) -> diesel_async::AsyncPgConnection {
        use diesel_async::AsyncConnection;
        diesel_async::AsyncPgConnection::establish(&self.database.url).await.expect("connect to the test database")
    }

    /// A request to `path` (relative to the server).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.address))
    }

    /// A request carrying `user`'s access token.
    pub fn authed(&self, method: Method, path: &str, user: &TestUser) -> RequestBuilder {
        self.request(method, path).bearer_auth(&user.access_token)
    }

    /// The id of the seeded unit with `code`.
    pub async fn unit_id(&self, code: &str) -> Uuid {
        let mut conn = self.conn().await;
        db::units::find_by_code(&mut conn, code).await.expect("query").unwrap_or_else(|| panic!("no unit {code}")).id
    }

    /// Creates an account with `role` in the unit `unit_code` and signs it in.
    pub async fn user(&self, role: Role, unit_code: &str) -> TestUser {
        let email = format!("{}.{}@sekadaukab.go.id", role.as_str().replace('_', "-"), Uuid::now_v7().simple());
        let unit = self.unit_id(unit_code).await;
        let mut conn = self.conn().await;
        let row = services::users::create_user(
            &mut conn,
            None,
            NewUser {
                email: Email::parse(&email).unwrap(),
                name: format!("Test {}", role.as_str()),
                nip: None,
                phone: None,
                unit_id: UnitId(unit),
                role,
                password: NewPassword::parse(PASSWORD, "password").unwrap(),
                active: true,
            },
        )
        .await
        .expect("create user");
        let tokens = self.login(&email, PASSWORD).await;
        assert_eq!(tokens.status(), StatusCode::OK, "login of a fresh user");
        let body: Value = tokens.json().await.unwrap();
        TestUser {
            id: row.id,
            email,
            access_token: body["access_token"].as_str().unwrap().to_owned(),
            refresh_token: body["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// `POST /api/v1/auth/login`.
    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.request(Method::POST, "/api/v1/auth/login")
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap()
    }
}

/// Reads a problem response and checks its status, content type and code.
pub async fn assert_problem(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status, "status for expected problem {code}");
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/problem+json"), "content type of {code}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "problem body: {body}");
    assert_eq!(body["status"], status.as_u16());
    assert!(body["type"].as_str().unwrap().ends_with(code));
    assert!(body["title"].is_string() && body["detail"].is_string());
    body
}

/// The field names listed in a validation problem.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// Polls `check` for up to five seconds.
pub async fn eventually<F: std::future::Future<Output = bool>>(check: impl Fn() -> F, what: &str) {
    for _ in 0..250 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("not within five seconds: {what}");
}

/// Starts `pengaduan serve` as `command` configures it (on port 0), and returns the process with the port it listens
/// on; the rest of its log is drained in the background.
pub fn serve_binary(mut command: std::process::Command) -> (std::process::Child, u16) {
    use std::io::{BufRead, BufReader};
    let mut server = command
        .arg("serve")
        .env("PENGADUAN_BIND", "127.0.0.1:0")
        .env("PENGADUAN_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start pengaduan serve");
    let mut lines = BufReader::new(server.stderr.take().expect("piped stderr")).lines();
    let port = lines
        .by_ref()
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str::<Value>(&line).ok())
        .find_map(|line| (line["message"] == "listening").then(|| line["port"].as_u64()).flatten())
        .expect("the server says where it listens");
    std::thread::spawn(move || lines.for_each(drop));
    (server, u16::try_from(port).expect("a port"))
}

/// An HTTP client for the tests. The service and the tests share one reqwest build, which needs the process's TLS
/// crypto provider before any client is made.
pub fn http_client() -> reqwest::Client {
    http_client_with(reqwest::Client::builder())
}

/// A client from `builder`, the crypto provider installed first.
pub fn http_client_with(builder: reqwest::ClientBuilder) -> reqwest::Client {
    pengaduan::services::webhooks::target::install_crypto_provider();
    builder.build().expect("http client")
}
