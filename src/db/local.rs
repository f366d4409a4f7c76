//! A private PostgreSQL server for machines without `DATABASE_URL`.
//!
//! The cluster lives under `<data dir>/postgres/cluster` and listens only on a Unix socket inside `<data dir>/postgres`
//! (no TCP port), with trust authentication: the socket directory is private (mode 0700), so only its owner and root
//! can connect. PostgreSQL refuses to run as root; when we are root the server runs as the `postgres` system user.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// The database the service uses inside its private cluster.
pub const DATABASE_NAME: &str = "pengaduan";

/// Oldest PostgreSQL major version we run on.
const MIN_MAJOR_VERSION: u32 = 14;

/// Unix socket paths are limited to 107 bytes by the kernel; `.s.PGSQL.5432` takes 13 of them.
const MAX_SOCKET_DIR_LEN: usize = 107 - 14;

const NO_BINARIES: &str = "no PostgreSQL server binaries (initdb, pg_ctl) were found on PATH, through pg_config, or \
     under /usr/lib/postgresql: install PostgreSQL 14 or newer (Debian/Ubuntu: apt-get install postgresql), or set \
     DATABASE_URL to a server you run yourself";

/// A running private server.
#[derive(Debug)]
pub struct LocalPostgres {
    bin_dir: PathBuf,
    root: PathBuf,
    run_as: Option<SystemUser>,
    started_here: bool,
}

#[derive(Debug, Clone)]
struct SystemUser {
    name: String,
    uid: u32,
    gid: u32,
}

impl LocalPostgres {
    /// Makes sure the private server under `data_dir` runs: creates the cluster on first use, starts it unless it
    /// already runs. Blocking: call it from `spawn_blocking` inside a runtime.
    pub fn start(data_dir: &Path) -> anyhow::Result<Self> {
        let bin_dir = find_bin_dir()?;
        check_version(&bin_dir)?;
        std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create data dir {}", data_dir.display()))?;
        let root = std::fs::canonicalize(data_dir)?.join("postgres");
        let socket_dir_len = root.as_os_str().len();
        if socket_dir_len > MAX_SOCKET_DIR_LEN {
            bail!(
                "the data dir path is too long for a Unix socket ({socket_dir_len} bytes, at most {MAX_SOCKET_DIR_LEN}): \
                 set PENGADUAN_DATA_DIR to a shorter path"
            );
        }
        if root.to_string_lossy().contains('\'') {
            bail!("the data dir path must not contain a single quote");
        }

        let run_as = if running_as_root() { Some(postgres_system_user()?) } else { None };
        std::fs::create_dir_all(&root)?;
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o700))?;
        if let Some(user) = &run_as {
            std::os::unix::fs::chown(&root, Some(user.uid), Some(user.gid))?;
            let reachable = Command::new("runuser")
                .args(["-u", &user.name, "--", "test", "-w", &root.to_string_lossy(), "-a", "-x"])
                .arg(&root)
                .current_dir(&root)
                .status()
                .context("cannot run runuser (util-linux) to start PostgreSQL as the postgres user")?;
            if !reachable.success() {
                bail!(
                    "PostgreSQL must run as the `postgres` system user (it refuses root), and that user cannot reach {}: \
                     a parent directory lacks the execute permission for others. Set PENGADUAN_DATA_DIR to a directory \
                     it can reach (for example /var/lib/pengaduan), or set DATABASE_URL",
                    root.display()
                );
            }
        }

        let server = Self { bin_dir, root, run_as, started_here: false };
        server.init_cluster_once()?;
        server.start_unless_running()
    }

    /// The connection URL of database `name` on this server (over its Unix socket).
    pub fn url(&self, name: &str) -> String {
        let host: String = self
            .root
            .to_string_lossy()
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        format!("postgres://postgres@{host}/{name}")
    }

    /// Whether this process started the server (and so should stop it).
    pub fn started_here(&self) -> bool {
        self.started_here
    }

    /// Stops the server if this process started it; a server found running is left alone for its owner.
    pub fn stop(&self) -> anyhow::Result<()> {
        if !self.started_here {
            return Ok(());
        }
        let output = self.pg_ctl(&["stop", "-m", "fast", "-w"]).output()?;
        if !output.status.success() {
            bail!(
                "pg_ctl stop failed: {}; see {}",
                String::from_utf8_lossy(&output.stderr).trim(),
                self.log_file().display()
            );
        }
        tracing::info!(cluster = %self.cluster_dir().display(), "stopped the private PostgreSQL server");
        Ok(())
    }

    fn cluster_dir(&self) -> PathBuf {
        self.root.join("cluster")
    }

    fn log_file(&self) -> PathBuf {
        self.root.join("server.log")
    }

    fn init_cluster_once(&self) -> anyhow::Result<()> {
        if self.cluster_dir().join("PG_VERSION").exists() {
            return Ok(());
        }
        tracing::info!(cluster = %self.cluster_dir().display(), "creating the private PostgreSQL cluster");
        let output = self
            .command("initdb")
            .arg("-D")
            .arg(self.cluster_dir())
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-instructions"])
            .output()?;
        if !output.status.success() {
            bail!("initdb failed: {}", String::from_utf8_lossy(&output.stderr).trim());
        }
        Ok(())
    }

    fn start_unless_running(mut self) -> anyhow::Result<Self> {
        if self.pg_ctl(&["status"]).output()?.status.success() {
            tracing::info!(cluster = %self.cluster_dir().display(), "reusing the private PostgreSQL server already running");
            return Ok(self);
        }
        let options = format!("-c listen_addresses='' -c unix_socket_directories='{}'", self.root.display());
        let log_file = self.log_file();
        let output = self.pg_ctl(&["start", "-w", "-t", "60", "-o", &options]).arg("-l").arg(&log_file).output()?;
        if !output.status.success() {
            bail!(
                "the private PostgreSQL server did not start: {}; see {}",
                String::from_utf8_lossy(&output.stderr).trim(),
                log_file.display()
            );
        }
        self.started_here = true;
        tracing::info!(cluster = %self.cluster_dir().display(), "started the private PostgreSQL server");
        Ok(self)
    }

    fn pg_ctl(&self, args: &[&str]) -> Command {
        let mut command = self.command("pg_ctl");
        command.arg("-D").arg(self.cluster_dir()).args(args);
        command
    }

    /// A server binary, run as the `postgres` user when we are root. The working directory is the cluster root:
    /// PostgreSQL's tools fail when they cannot read the directory they start in.
    fn command(&self, program: &str) -> Command {
        let binary = self.bin_dir.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", &user.name, "--"]).arg(binary);
                command
            }
            None => Command::new(binary),
        };
        command.current_dir(&self.root).env_remove("PGDATA").env("LC_ALL", "C");
        command
    }
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

fn postgres_system_user() -> anyhow::Result<SystemUser> {
    let passwd = std::fs::read_to_string("/etc/passwd").context("cannot read /etc/passwd")?;
    passwd
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|fields| fields.first() == Some(&"postgres") && fields.len() >= 4)
        .and_then(|fields| {
            Some(SystemUser { name: "postgres".into(), uid: fields[2].parse().ok()?, gid: fields[3].parse().ok()? })
        })
        .context(
            "running as root, PostgreSQL needs a `postgres` system user to run as, and there is none: create one \
             (useradd --system postgres), run as another user, or set DATABASE_URL",
        )
}

/// Finds the directory holding `initdb` and `pg_ctl`: PATH, then `pg_config --bindir`, then the newest
/// `/usr/lib/postgresql/<major>/bin` (Debian keeps the server binaries off PATH).
fn find_bin_dir() -> anyhow::Result<PathBuf> {
    find_bin_dir_in(std::env::var_os("PATH"), "pg_config", Path::new("/usr/lib/postgresql"))
}

fn find_bin_dir_in(path: Option<std::ffi::OsString>, pg_config: &str, versions_root: &Path) -> anyhow::Result<PathBuf> {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(path) = path
        && let Some(dir) = std::env::split_paths(&path).find(|dir| has_server(dir))
    {
        return Ok(dir);
    }
    if let Ok(output) = Command::new(pg_config).arg("--bindir").output()
        && output.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if has_server(&dir) {
            return Ok(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(versions_root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| Some((entry.file_name().to_str()?.parse().ok()?, entry.path().join("bin"))))
        .filter(|(_, dir)| has_server(dir))
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir).context(NO_BINARIES)
}

fn check_version(bin_dir: &Path) -> anyhow::Result<()> {
    let output = Command::new(bin_dir.join("pg_ctl")).arg("--version").output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let major = text
        .split_whitespace()
        .last()
        .and_then(|version| version.split('.').next())
        .and_then(|major| major.parse::<u32>().ok());
    match major {
        Some(major) if major >= MIN_MAJOR_VERSION => Ok(()),
        Some(major) => {
            bail!("PostgreSQL {major} found in {}; {MIN_MAJOR_VERSION} or newer is needed", bin_dir.display())
        }
        None => bail!("cannot tell the PostgreSQL version from {:?}", text.trim()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_server_binaries_give_one_clear_message() {
        let nowhere = std::env::temp_dir().join("pengaduan-no-postgresql-here");
        let err =
            find_bin_dir_in(Some(nowhere.clone().into_os_string()), "pg_config-not-installed", &nowhere).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("install PostgreSQL 14 or newer") && message.contains("DATABASE_URL"), "{message}");
    }

    #[test]
    fn the_newest_versioned_directory_wins() {
        let root = std::env::temp_dir().join(format!("pengaduan-pg-versions-{}", uuid::Uuid::now_v7().simple()));
        for version in ["9", "15", "16"] {
            let bin = root.join(version).join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            std::fs::write(bin.join("initdb"), "").unwrap();
            std::fs::write(bin.join("pg_ctl"), "").unwrap();
        }
        let found = find_bin_dir_in(None, "pg_config-not-installed", &root).unwrap();
        assert_eq!(found, root.join("16").join("bin"));
        std::fs::remove_dir_all(root).unwrap();
    }
}
