//! Secrets the service generates for itself when none is configured, kept in the data dir across restarts.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::Context;
use rand::RngCore;

use crate::config::Secret;

/// Returns `configured` when set; otherwise reads `<data_dir>/<file_name>`, creating it (mode 0600) with 64 random
/// bytes, hex-encoded, on first use. A generated secret is announced with a warning: production should configure one.
pub fn configured_or_generated(
    configured: Option<&Secret>,
    data_dir: &Path,
    file_name: &str,
    variable: &str,
) -> anyhow::Result<Secret> {
    if let Some(secret) = configured {
        return Ok(secret.clone());
    }
    let path = data_dir.join(file_name);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        anyhow::ensure!(existing.len() >= 32, "{} holds a secret shorter than 32 characters", path.display());
        return Ok(Secret::new(existing));
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create data dir {}", data_dir.display()))?;
    let mut bytes = [0u8; 64];
    rand::rng().fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(secret.as_bytes())?;
    tracing::warn!(file = %path.display(), "{variable} is not set: generated a secret and kept it in the data dir; set {variable} in production");
    Ok(Secret::new(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_secret_is_kept_and_reused() {
        let dir = std::env::temp_dir().join(format!("pengaduan-keys-{}", uuid::Uuid::now_v7()));
        let first = configured_or_generated(None, &dir, "jwt-secret", "PENGADUAN_JWT_SECRET").unwrap();
        let second = configured_or_generated(None, &dir, "jwt-secret", "PENGADUAN_JWT_SECRET").unwrap();
        assert_eq!(first, second);
        assert_eq!(first.expose().len(), 128);
        let mode = std::fs::metadata(dir.join("jwt-secret")).unwrap().permissions();
        assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o600);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_configured_secret_wins() {
        let configured = Secret::new("x".repeat(40));
        let dir = std::env::temp_dir().join("pengaduan-keys-never-created");
        assert_eq!(configured_or_generated(Some(&configured), &dir, "jwt-secret", "V").unwrap(), configured);
        assert!(!dir.exists());
    }
}
