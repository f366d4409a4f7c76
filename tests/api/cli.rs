//! The `pengaduan` binary itself: help, the OpenAPI printout, seeding, account management and the private PostgreSQL.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{serve_binary, spawn_app, spawn_seeded_app};

fn pengaduan() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pengaduan"));
    command.env_remove("DATABASE_URL").env_remove("PENGADUAN_PASSWORD").env("RUST_LOG", "warn");
    command
}

#[test]
fn help_lists_every_command() {
    let output = pengaduan().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for command in ["serve", "migrate", "openapi", "seed", "user"] {
        assert!(help.contains(command), "{command} in {help}");
    }
    let output = pengaduan().args(["user", "create", "--help"]).output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.contains("PENGADUAN_PASSWORD") && help.contains("--unit") && help.contains("--role"), "{help}");
}

#[test]
fn openapi_prints_the_committed_document() {
    let output = pengaduan().arg("openapi").output().unwrap();
    assert!(output.status.success());
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(printed, committed);
}

#[tokio::test]
async fn seed_creates_the_reference_data_once() {
    let app = spawn_app().await;
    let first = pengaduan().arg("seed").env("DATABASE_URL", &app.database.url).output().unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stderr).contains("16 unit(s) created"));
    let second = pengaduan().arg("seed").env("DATABASE_URL", &app.database.url).output().unwrap();
    assert!(String::from_utf8_lossy(&second.stderr).contains("0 unit(s) created"));
    for code in pengaduan::services::seed::unit_codes() {
        app.unit_id(code).await;
    }
}

#[tokio::test]
async fn a_user_created_on_the_command_line_signs_in_and_reads_me() {
    let app = spawn_seeded_app().await;
    let output = pengaduan()
        .args([
            "user",
            "create",
            "--email",
            "Admin@SekadauKab.go.id",
            "--name",
            "Admin Utama",
            "--role",
            "admin",
            "--unit",
            "skd-diskominfo",
        ])
        .env("DATABASE_URL", &app.database.url)
        .env("PENGADUAN_PASSWORD", "sandi admin utama")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let login: Value = app.login("admin@sekadaukab.go.id", "sandi admin utama").await.json().await.unwrap();
    let token = login["access_token"].as_str().unwrap();
    let me: Value =
        app.request(Method::GET, "/api/v1/me").bearer_auth(token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["user"]["role"], "admin");
    assert_eq!(me["unit"]["code"], "SKD-DISKOMINFO");
}

#[tokio::test]
async fn passwords_come_from_standard_input_when_the_variable_is_unset() {
    let app = spawn_seeded_app().await;
    let mut child = pengaduan()
        .args([
            "user",
            "create",
            "--email",
            "leader@sekadaukab.go.id",
            "--name",
            "Bupati",
            "--role",
            "leader",
            "--unit",
            "SKD",
        ])
        .env("DATABASE_URL", &app.database.url)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"sandi dari stdin\n").unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
    assert_eq!(app.login("leader@sekadaukab.go.id", "sandi dari stdin").await.status(), StatusCode::OK);

    let reset = pengaduan()
        .args(["user", "set-password", "--email", "LEADER@sekadaukab.go.id"])
        .env("DATABASE_URL", &app.database.url)
        .env("PENGADUAN_PASSWORD", "sandi yang baru sekali")
        .output()
        .unwrap();
    assert!(reset.status.success(), "{}", String::from_utf8_lossy(&reset.stderr));
    assert_eq!(app.login("leader@sekadaukab.go.id", "sandi dari stdin").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login("leader@sekadaukab.go.id", "sandi yang baru sekali").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn command_line_mistakes_are_explained() {
    let app = spawn_seeded_app().await;
    let weak = pengaduan()
        .args(["user", "create", "--email", "x@sekadaukab.go.id", "--name", "X", "--role", "admin", "--unit", "SKD"])
        .env("DATABASE_URL", &app.database.url)
        .env("PENGADUAN_PASSWORD", "short")
        .output()
        .unwrap();
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 10 characters"));
    let no_unit = pengaduan()
        .args(["user", "create", "--email", "x@sekadaukab.go.id", "--name", "X", "--role", "admin", "--unit", "NOPE"])
        .env("DATABASE_URL", &app.database.url)
        .env("PENGADUAN_PASSWORD", "long enough password")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&no_unit.stderr).contains("no unit has the code NOPE"));
    let bad_role = pengaduan()
        .args(["user", "create", "--email", "x@y.id", "--name", "X", "--role", "god", "--unit", "SKD"])
        .output()
        .unwrap();
    assert!(!bad_role.status.success());
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("unknown role"));
}

/// Without DATABASE_URL the service runs its own PostgreSQL under the data dir, keeps the data across restarts, and
/// stops the server when it receives SIGTERM.
#[tokio::test]
async fn without_database_url_the_service_runs_and_stops_its_own_postgresql() {
    let data_dir = std::env::temp_dir().join(format!("pengaduan-cli-{}", uuid::Uuid::now_v7().simple()));
    let seeded = pengaduan().arg("seed").env("PENGADUAN_DATA_DIR", &data_dir).output().unwrap();
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let pid_file = data_dir.join("postgres/cluster/postmaster.pid");
    assert!(!pid_file.exists(), "the private server stops when the command ends");

    let mut command = pengaduan();
    command.env("PENGADUAN_DATA_DIR", &data_dir);
    let (mut server, port) = serve_binary(command);
    let base = format!("http://127.0.0.1:{port}");
    let client = crate::helpers::http_client();
    let ready = client.get(format!("{base}/ready")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert!(pid_file.exists());

    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    let status = tokio::task::spawn_blocking(move || server.wait()).await.unwrap().unwrap();
    assert!(status.success(), "a clean shutdown: {status}");
    assert!(!pid_file.exists(), "the private server stopped with the service");

    let again = pengaduan().arg("seed").env("PENGADUAN_DATA_DIR", &data_dir).output().unwrap();
    assert!(String::from_utf8_lossy(&again.stderr).contains("0 unit(s) created"), "the data survived the restarts");
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test]
async fn healthcheck_says_whether_the_service_is_ready() {
    let app = spawn_app().await;
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    let ready = tokio::task::spawn_blocking(move || {
        pengaduan().arg("healthcheck").env("PENGADUAN_BIND", format!("0.0.0.0:{port}")).output().unwrap()
    })
    .await
    .unwrap();
    assert!(ready.status.success(), "{}", String::from_utf8_lossy(&ready.stderr));

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let down = pengaduan().arg("healthcheck").env("PENGADUAN_BIND", closed.to_string()).output().unwrap();
    assert!(!down.status.success(), "nothing listens there");
    assert!(String::from_utf8_lossy(&down.stderr).contains("not ready"));
}

#[tokio::test]
async fn passwords_may_come_from_a_file() {
    let app = spawn_seeded_app().await;
    let dir = std::env::temp_dir().join(format!("pengaduan-pw-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("password");
    std::fs::write(&file, "sandi dari berkas rahasia\n").unwrap();
    let output = pengaduan()
        .args(["user", "create", "--email", "berkas@sekadaukab.go.id", "--name", "Berkas", "--role", "leader"])
        .args(["--unit", "SKD"])
        .env("PENGADUAN_PASSWORD_FILE", &file)
        .env("DATABASE_URL", &app.database.url)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let login = app.login("berkas@sekadaukab.go.id", "sandi dari berkas rahasia").await;
    assert_eq!(login.status(), StatusCode::OK, "the file's content, without its line break, is the password");
}
