//! Settings, read from environment variables (every name and default is in the README's configuration table).
//!
//! Secrets are wrapped in [`Secret`], whose `Debug` prints nothing, so logging the settings cannot leak them.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono_tz::Tz;

/// A value that must never be printed: a password-bearing URL, a signing key.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Coloured, multi-field lines for a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Everything the service can be told from outside.
#[derive(Debug, Clone)]
pub struct Settings {
    /// PostgreSQL to use; `None` runs a private server under `data_dir`.
    pub database_url: Option<Secret>,
    /// Address the HTTP server listens on.
    pub bind: String,
    /// Folder for the private PostgreSQL cluster, generated keys and uploaded files.
    pub data_dir: PathBuf,
    /// Key that signs access tokens; `None` uses (or creates) one kept in `data_dir`.
    pub jwt_secret: Option<Secret>,
    /// How long an access token is valid.
    pub access_token_ttl: Duration,
    /// How long a refresh token is valid after it was issued (each refresh issues a new one).
    pub refresh_token_ttl: Duration,
    /// Log line format.
    pub log_format: LogFormat,
    /// Origins allowed to call the API from a browser; empty allows none.
    pub cors_origins: Vec<String>,
    /// The Pemda's time zone, for working-day deadlines.
    pub timezone: Tz,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Most database connections this process opens.
    pub db_pool_size: usize,
    /// HTTP worker threads.
    pub workers: usize,
    /// Apply pending migrations when the server starts.
    pub migrate_on_start: bool,
    /// Failed logins of one account from one client address that lock that pair for `login_window` (429).
    pub login_failures_per_account: u32,
    /// Failed logins from one client address, over every account, that stop it trying accounts it has never signed in
    /// to for `login_window` (429).
    pub login_failures_per_ip: u32,
    /// How long failed logins count, from the latest one.
    pub login_window: Duration,
    /// Public tracking lookups (read, supplement, feedback) allowed per client address per minute.
    pub tracking_lookups_per_minute: u32,
    /// Key sealing reporter identity at rest; `None` uses (or creates) one kept in `data_dir`.
    pub reporter_key: Option<Secret>,
    /// Public complaint submissions allowed per client address per hour.
    pub public_intake_per_hour: u32,
    /// Take the client address from the first `X-Forwarded-For` entry (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Largest accepted attachment, in bytes.
    pub attachment_max_bytes: usize,
    /// Most attachments on one complaint.
    pub attachments_per_complaint: usize,
    /// How often background jobs run.
    pub job_interval: Duration,
    /// Run the background jobs in this process.
    pub run_jobs: bool,
    /// Days after a quarter's end during which its Rencana Aksi realisation can still be recorded.
    pub realisation_grace_days: u32,
    /// Address of the Prometheus metrics listener (`GET /metrics`); `None` (the default) serves no metrics.
    pub metrics_bind: Option<String>,
    /// Whether webhooks may go to loopback, private and link-local addresses, and over plain HTTP (development).
    pub webhook_allow_private: bool,
    /// The SMTP server e-mail goes through (`smtps://user:pass@host:465`, `smtp://host:587?tls=required`); `None`
    /// writes messages to files in the data folder instead.
    pub smtp_url: Option<Secret>,
    /// The sender of e-mail.
    pub mail_from: String,
    /// The public front end's address, for links in e-mail (`…/lacak/{tracking code}`).
    pub public_web_url: Option<String>,
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let var = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let log_format = match var("PENGADUAN_LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => bail!("PENGADUAN_LOG_FORMAT must be pretty or json, not {other:?}"),
        };
        let timezone_name = var("PENGADUAN_TIMEZONE").unwrap_or_else(|| "Asia/Pontianak".into());
        let timezone: Tz = timezone_name
            .parse()
            .map_err(|_| anyhow::anyhow!("PENGADUAN_TIMEZONE {timezone_name:?} is not an IANA time zone"))?;
        let jwt_secret = secret_var(&lookup, "PENGADUAN_JWT_SECRET")?;
        let reporter_key = secret_var(&lookup, "PENGADUAN_REPORTER_KEY")?;
        for (name, secret) in [("PENGADUAN_JWT_SECRET", &jwt_secret), ("PENGADUAN_REPORTER_KEY", &reporter_key)] {
            if secret.as_ref().is_some_and(|secret| secret.expose().len() < 32) {
                bail!("{name} must be at least 32 characters long");
            }
        }

        Ok(Self {
            database_url: secret_var(&lookup, "DATABASE_URL")?,
            bind: var("PENGADUAN_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
            data_dir: PathBuf::from(var("PENGADUAN_DATA_DIR").unwrap_or_else(|| "./data".into())),
            jwt_secret,
            access_token_ttl: seconds(&var, "PENGADUAN_ACCESS_TOKEN_TTL_SECS", 15 * 60)?,
            refresh_token_ttl: seconds(&var, "PENGADUAN_REFRESH_TOKEN_TTL_SECS", 14 * 24 * 3600)?,
            log_format,
            cors_origins: var("PENGADUAN_CORS_ORIGINS")
                .map(|v| {
                    v.split(',').map(|o| o.trim().trim_end_matches('/').to_owned()).filter(|o| !o.is_empty()).collect()
                })
                .unwrap_or_default(),
            timezone,
            body_limit: number(&var, "PENGADUAN_BODY_LIMIT_BYTES", 256 * 1024)?,
            db_pool_size: number(&var, "PENGADUAN_DB_POOL_SIZE", 12)?,
            workers: number(&var, "PENGADUAN_WORKERS", std::thread::available_parallelism().map_or(2, usize::from))?,
            migrate_on_start: boolean(&var, "PENGADUAN_MIGRATE_ON_START", true)?,
            login_failures_per_account: number(&var, "PENGADUAN_LOGIN_FAILURES_PER_ACCOUNT", 5)?,
            login_failures_per_ip: number(&var, "PENGADUAN_LOGIN_FAILURES_PER_IP", 100)?,
            login_window: seconds(&var, "PENGADUAN_LOGIN_WINDOW_SECS", 15 * 60)?,
            tracking_lookups_per_minute: number(&var, "PENGADUAN_TRACKING_LOOKUPS_PER_MINUTE", 60)?,
            reporter_key,
            public_intake_per_hour: number(&var, "PENGADUAN_PUBLIC_INTAKE_PER_HOUR", 10)?,
            trust_forwarded_for: boolean(&var, "PENGADUAN_TRUST_FORWARDED_FOR", false)?,
            attachment_max_bytes: number(&var, "PENGADUAN_ATTACHMENT_MAX_BYTES", 2 * 1024 * 1024)?,
            attachments_per_complaint: number(&var, "PENGADUAN_ATTACHMENTS_PER_COMPLAINT", 5)?,
            job_interval: seconds(&var, "PENGADUAN_JOB_INTERVAL_SECS", 60)?,
            run_jobs: boolean(&var, "PENGADUAN_RUN_JOBS", true)?,
            realisation_grace_days: number(&var, "PENGADUAN_REALISATION_GRACE_DAYS", 30)?,
            metrics_bind: var("PENGADUAN_METRICS_BIND").filter(|bind| !bind.trim().is_empty()),
            webhook_allow_private: boolean(&var, "PENGADUAN_WEBHOOK_ALLOW_PRIVATE", false)?,
            smtp_url: secret_var(&lookup, "PENGADUAN_SMTP_URL")?,
            mail_from: var("PENGADUAN_MAIL_FROM").unwrap_or_else(|| "Pengaduan <pengaduan@localhost>".into()),
            public_web_url: var("PENGADUAN_PUBLIC_WEB_URL").filter(|url| !url.trim().is_empty()),
        })
    }

    /// How failed sign-ins are judged.
    pub fn sign_in_policy(&self) -> crate::domain::rate_limit::SignInPolicy {
        crate::domain::rate_limit::SignInPolicy {
            per_pair: self.login_failures_per_account,
            per_address: self.login_failures_per_ip,
            window: chrono::TimeDelta::from_std(self.login_window).unwrap_or(chrono::TimeDelta::minutes(15)),
        }
    }

    /// Public reports per client address.
    pub fn intake_policy(&self) -> crate::domain::rate_limit::Policy {
        crate::domain::rate_limit::Policy { name: "intake", quota: self.public_intake_per_hour, window_secs: 3600 }
    }

    /// Uploads without a staff token per client address: each report may carry several files.
    pub fn upload_policy(&self) -> crate::domain::rate_limit::Policy {
        let per_report = u32::try_from(self.attachments_per_complaint.max(1)).unwrap_or(u32::MAX);
        crate::domain::rate_limit::Policy {
            name: "upload",
            quota: self.public_intake_per_hour.saturating_mul(per_report),
            window_secs: 3600,
        }
    }

    /// Public tracking lookups per client address.
    pub fn tracking_policy(&self) -> crate::domain::rate_limit::Policy {
        crate::domain::rate_limit::Policy { name: "tracking", quota: self.tracking_lookups_per_minute, window_secs: 60 }
    }
}

/// A secret from the variable `name`, or from the file named by `name_FILE` (as Docker and Kubernetes secrets are
/// mounted); setting both is a mistake worth refusing.
pub fn secret_var(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> anyhow::Result<Option<Secret>> {
    let direct = lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let file = lookup(&format!("{name}_FILE")).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    match (direct, file) {
        (Some(_), Some(_)) => bail!("set {name} or {name}_FILE, not both"),
        (Some(value), None) => Ok(Some(Secret::new(value))),
        (None, Some(path)) => {
            let value = std::fs::read_to_string(&path).with_context(|| format!("cannot read {name}_FILE {path}"))?;
            let value = value.trim_end_matches(['\r', '\n']).to_owned();
            if value.is_empty() {
                bail!("{name}_FILE {path} is empty");
            }
            Ok(Some(Secret::new(value)))
        }
        (None, None) => Ok(None),
    }
}

fn number<T: std::str::FromStr>(var: &impl Fn(&str) -> Option<String>, name: &str, default: T) -> anyhow::Result<T> {
    match var(name) {
        None => Ok(default),
        Some(raw) => raw.parse().ok().with_context(|| format!("{name} must be a whole number, not {raw:?}")),
    }
}

fn seconds(var: &impl Fn(&str) -> Option<String>, name: &str, default: u64) -> anyhow::Result<Duration> {
    let secs: u64 = number(var, name, default)?;
    if secs == 0 {
        bail!("{name} must be more than 0 seconds");
    }
    Ok(Duration::from_secs(secs))
}

fn boolean(var: &impl Fn(&str) -> Option<String>, name: &str, default: bool) -> anyhow::Result<bool> {
    match var(name).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes") => Ok(true),
        Some("false" | "0" | "no") => Ok(false),
        Some(other) => bail!("{name} must be true or false, not {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let env: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|name| env.get(name).cloned())
    }

    #[test]
    fn defaults_match_the_readme() {
        let s = settings(&[]).unwrap();
        assert!(s.database_url.is_none());
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.data_dir, PathBuf::from("./data"));
        assert_eq!(s.access_token_ttl, Duration::from_secs(900));
        assert_eq!(s.timezone, chrono_tz::Asia::Pontianak);
        assert_eq!(s.log_format, LogFormat::Pretty);
        assert!(s.cors_origins.is_empty());
        assert!(s.migrate_on_start);
    }

    #[test]
    fn cors_origins_are_a_comma_separated_list() {
        let s =
            settings(&[("PENGADUAN_CORS_ORIGINS", "https://lapor.sekadaukab.go.id/, http://localhost:5173")]).unwrap();
        assert_eq!(s.cors_origins, ["https://lapor.sekadaukab.go.id", "http://localhost:5173"]);
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_name() {
        for (name, value) in [
            ("PENGADUAN_TIMEZONE", "Mars/Olympus"),
            ("PENGADUAN_LOG_FORMAT", "xml"),
            ("PENGADUAN_ACCESS_TOKEN_TTL_SECS", "soon"),
            ("PENGADUAN_ACCESS_TOKEN_TTL_SECS", "0"),
            ("PENGADUAN_JWT_SECRET", "too-short"),
            ("PENGADUAN_REPORTER_KEY", "too-short"),
            ("PENGADUAN_MIGRATE_ON_START", "maybe"),
        ] {
            let err = settings(&[(name, value)]).unwrap_err().to_string();
            assert!(err.contains(name), "{err}");
        }
    }

    #[test]
    fn secrets_come_from_files_named_by_file_variables() {
        let dir = std::env::temp_dir().join(format!("pengaduan-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = dir.join("jwt");
        std::fs::write(&key, "kunci-rahasia-yang-panjang-sekali-0123456789\n").unwrap();
        let path = key.display().to_string();
        let from_file =
            Settings::from_lookup(|name| (name == "PENGADUAN_JWT_SECRET_FILE").then(|| path.clone())).unwrap();
        assert_eq!(from_file.jwt_secret.unwrap().expose(), "kunci-rahasia-yang-panjang-sekali-0123456789");
        let both = Settings::from_lookup(|name| match name {
            "PENGADUAN_JWT_SECRET_FILE" => Some(path.clone()),
            "PENGADUAN_JWT_SECRET" => Some("x".repeat(40)),
            _ => None,
        });
        assert!(both.unwrap_err().to_string().contains("not both"));
        let missing = Settings::from_lookup(|name| (name == "DATABASE_URL_FILE").then(|| "/nonexistent/db-url".into()));
        assert!(missing.unwrap_err().to_string().contains("DATABASE_URL_FILE"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let s = settings(&[
            ("DATABASE_URL", "postgres://app:hunter2@db/pengaduan"),
            ("PENGADUAN_JWT_SECRET", "0123456789abcdef0123456789abcdef-secret"),
            ("PENGADUAN_REPORTER_KEY", "fedcba9876543210fedcba9876543210-sealed"),
        ])
        .unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains("hunter2"));
        assert!(!printed.contains("abcdef-secret"));
        assert!(!printed.contains("-sealed"));
    }
}
