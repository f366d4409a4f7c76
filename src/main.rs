//! The `pengaduan` command: serve the API (default), migrate, print the OpenAPI document, seed the demo Pemda, create
//! Pemdas, import holiday decrees, and manage staff accounts.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use pengaduan::config::Settings;
use pengaduan::db::{self, migrations};
use pengaduan::domain::role::Role;
use pengaduan::domain::unit::{NewUnit, UnitCode, UnitKind};
use pengaduan::domain::user::{Email, NewPassword, NewUser};
use pengaduan::startup::{Application, Database};
use pengaduan::{openapi, services, telemetry};

/// mimalloc rather than glibc's allocator: a list request makes a few hundred small allocations (a string per text
/// column, a buffer per row), and glibc's bookkeeping for them was a tenth of the service's instructions.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Public-service complaint management for Indonesian regional governments (Pemda).
///
/// Configuration comes from environment variables (see the README). Without DATABASE_URL every command that needs a
/// database runs a private PostgreSQL under PENGADUAN_DATA_DIR.
#[derive(Debug, Parser)]
#[command(name = "pengaduan", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API (the default): migrates, then listens on PENGADUAN_BIND until SIGINT or SIGTERM.
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Print the OpenAPI document (JSON) to standard output.
    Openapi,
    /// Ask the running service (at PENGADUAN_BIND) whether it is ready: exit 0 when /ready answers 200, else 1. For
    /// container health checks in images without curl.
    Healthcheck,
    /// Create the demo Pemda, Kabupaten Sekadau, with its units and Rencana Aksi period; safe to run again.
    Seed,
    /// Manage Pemdas (provinces, regencies, cities).
    Pemda {
        #[command(subcommand)]
        action: PemdaCommand,
    },
    /// Manage the national holiday calendar.
    Holidays {
        #[command(subcommand)]
        action: HolidaysCommand,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
}

#[derive(Debug, Subcommand)]
enum PemdaCommand {
    /// Create a Pemda ready to take complaints: the national deadline policies, the bundled national holidays and
    /// cuti bersama, and a default category tree come with it, in one transaction.
    Create {
        /// Short unique code, e.g. KTP; it prefixes tracking codes.
        #[arg(long)]
        code: String,
        /// Full name, e.g. "Pemerintah Kabupaten Ketapang".
        #[arg(long)]
        name: String,
        /// province, regency or city.
        #[arg(long)]
        kind: String,
        /// Code of the province a regency or city belongs to.
        #[arg(long)]
        parent: Option<String>,
        /// Usual short name, e.g. "Kabupaten Ketapang".
        #[arg(long)]
        short_name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum HolidaysCommand {
    /// Load a decree's holidays (CSV with the header date,kind,name_id,source) into every Pemda's calendar, or one's.
    /// Dates already there are kept as they are; a bad line names its number and nothing is loaded.
    Import {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Only the Pemda with this code.
        #[arg(long)]
        pemda: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account. The password is read from PENGADUAN_PASSWORD, or else from standard input.
    Create {
        /// Sign-in e-mail address.
        #[arg(long)]
        email: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// Role: super_admin, admin, opd_operator, opd_official, inspector, action_plan_reviewer or leader.
        #[arg(long)]
        role: Role,
        /// Code of the account's unit, e.g. SKD or SKD-DISKOMINFO.
        #[arg(long)]
        unit: String,
        /// Civil-servant number (18 digits).
        #[arg(long)]
        nip: Option<String>,
        /// Phone number.
        #[arg(long)]
        phone: Option<String>,
    },
    /// Set an account's password and end its sessions. The password is read like `create` reads it.
    SetPassword {
        /// Sign-in e-mail address of the account.
        #[arg(long)]
        email: String,
    },
}

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        return match serde_json::to_string_pretty(&openapi::document()) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(err) => fail(err.into()),
        };
    }
    if let Some(Command::Healthcheck) = cli.command {
        let bind = std::env::var("PENGADUAN_BIND").unwrap_or_else(|_| "127.0.0.1:8080".into());
        return match pengaduan::startup::probe_readiness(&bind, std::time::Duration::from_secs(3)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("not ready: {err:#}");
                ExitCode::FAILURE
            }
        };
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => return fail(err),
    };
    telemetry::init(settings.log_format);
    match run(cli.command.unwrap_or(Command::Serve), settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fail(err),
    }
}

fn fail(err: anyhow::Error) -> ExitCode {
    eprintln!("error: {err:#}");
    ExitCode::FAILURE
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    let database = Database::open(&settings).await?;
    let outcome = run_with_database(command, settings, &database).await;
    // The private server stops whatever happened, so a failed command leaves nothing running.
    let closed = database.close().await;
    outcome.and(closed)
}

async fn run_with_database(command: Command, settings: Settings, database: &Database) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let app = Application::build(settings, &database.url).await?;
            app.run_until_stopped().await?;
            tracing::info!("stopped");
        }
        Command::Migrate => {
            let applied = migrations::run_pending(database.url.expose()).await?;
            eprintln!("{} migration(s) applied", applied.len());
        }
        Command::Openapi | Command::Healthcheck => unreachable!("handled before the database opens"),
        Command::Seed => {
            migrations::run_pending(database.url.expose()).await?;
            let mut conn = connect(database).await?;
            let report = services::seed::seed(&mut conn).await.map_err(api_error)?;
            eprintln!(
                "seed done: {} unit(s) created, {} categories, {} regions, {} holidays, {} deadline policies, {} action plan periods",
                report.units_created,
                report.categories_created,
                report.regions_created,
                report.holidays_created,
                report.policies_created,
                report.action_plan_periods_created
            );
        }
        Command::Pemda { action: PemdaCommand::Create { code, name, kind, parent, short_name } } => {
            migrations::run_pending(database.url.expose()).await?;
            let mut conn = connect(database).await?;
            let parent_id = match parent {
                Some(parent) => Some(
                    db::units::find_by_code(&mut conn, &parent.trim().to_ascii_uppercase())
                        .await?
                        .with_context(|| format!("no unit has the code {parent}"))?
                        .id
                        .into(),
                ),
                None => None,
            };
            let unit = NewUnit {
                kind: kind.trim().parse::<UnitKind>()?,
                code: UnitCode::parse(&code)?,
                name: name.trim().to_owned(),
                short_name: short_name.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
                parent_id,
                active: true,
                inspectorate: false,
            };
            let (row, added) = services::pemda::create(&mut conn, unit).await.map_err(api_error)?;
            eprintln!(
                "created {} ({}) with id {}: {} deadline policies, {} holidays, {} categories",
                row.code, row.name, row.id, added.policies, added.holidays, added.categories
            );
        }
        Command::Holidays { action: HolidaysCommand::Import { file, pemda } } => {
            migrations::run_pending(database.url.expose()).await?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut conn = connect(database).await?;
            let report =
                services::pemda::import_holidays(&mut conn, &text, pemda.as_deref()).await.map_err(api_error)?;
            eprintln!(
                "{} holiday(s) added to {} Pemda calendar(s); {} already there",
                report.added, report.pemdas, report.already_there
            );
        }
        Command::User { action } => {
            migrations::run_pending(database.url.expose()).await?;
            let mut conn = connect(database).await?;
            match action {
                UserCommand::Create { email, name, role, unit, nip, phone } => {
                    let unit_row =
                        db::units::find_by_code(&mut conn, &unit.trim().to_ascii_uppercase()).await?.with_context(
                            || format!("no unit has the code {unit}; run `pengaduan seed` or create it first"),
                        )?;
                    let user = NewUser {
                        email: Email::parse(&email)?,
                        name: name.trim().to_owned(),
                        nip: nip.as_deref().map(pengaduan::domain::user::parse_nip).transpose()?,
                        phone: phone.as_deref().map(pengaduan::domain::user::parse_phone).transpose()?,
                        unit_id: unit_row.id.into(),
                        role,
                        password: read_password()?,
                        active: true,
                    };
                    let row = services::users::create_user(&mut conn, None, user).await.map_err(api_error)?;
                    eprintln!("created {} ({}) with id {}", row.email, row.role, row.id);
                }
                UserCommand::SetPassword { email } => {
                    let email = Email::parse(&email)?;
                    services::users::set_password(&mut conn, &email, read_password()?).await.map_err(api_error)?;
                    eprintln!("password set for {}; its sessions are ended", email.as_str());
                }
            }
        }
    }
    Ok(())
}

async fn connect(database: &Database) -> anyhow::Result<diesel_async::AsyncPgConnection> {
    use diesel_async::AsyncConnection;
    Ok(diesel_async::AsyncPgConnection::establish(database.url.expose()).await?)
}

/// Reads the password from PENGADUAN_PASSWORD (or the file PENGADUAN_PASSWORD_FILE names), else from standard input
/// (without echo on a terminal).
fn read_password() -> anyhow::Result<NewPassword> {
    let configured = pengaduan::config::secret_var(&|name| std::env::var(name).ok(), "PENGADUAN_PASSWORD")?;
    let raw = match configured {
        Some(password) => password.expose().to_owned(),
        None => {
            let stdin = std::io::stdin();
            let interactive = stdin.is_terminal();
            if interactive {
                eprint!("Password: ");
                std::io::stderr().flush()?;
                let _ = std::process::Command::new("stty").arg("-echo").status();
            }
            let mut line = String::new();
            let read = stdin.lock().read_line(&mut line);
            if interactive {
                let _ = std::process::Command::new("stty").arg("echo").status();
                eprintln!();
            }
            read.context("cannot read the password from standard input")?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    Ok(NewPassword::parse(&raw, "password")?)
}

/// Command-line callers see the problem's detail and field errors rather than an HTTP status.
fn api_error(err: pengaduan::error::ApiError) -> anyhow::Error {
    let problem = err.problem();
    let fields: Vec<String> = problem.errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
    if fields.is_empty() {
        anyhow::anyhow!("{} ({})", problem.detail, problem.code)
    } else {
        anyhow::anyhow!("{} ({}): {}", problem.detail, problem.code, fields.join("; "))
    }
}
