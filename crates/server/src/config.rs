//! Configuration: defaults that work on a laptop, overridden by an optional TOML file and
//! then by `TANDEM_*` environment variables (nested keys with `__`, e.g.
//! `TANDEM_SMTP__HOST`).

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use tandem_notification::SmtpConfig;

/// Environment variables that start with `TANDEM_` but are not configuration keys.
const NOT_CONFIG: [&str; 3] = ["BOOTSTRAP_PASSWORD", "TEST_DATABASE_URL", "CONFIG"];

/// Every setting, with its default.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address and port to listen on.
    pub bind: String,
    /// Holds `tandem.db` (SQLite) and `mail/` (the file mail transport).
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://PATH`; default `sqlite://{data_dir}/tandem.db`.
    pub database_url: Option<String>,
    /// Base URL for links in emails; default `http://{bind}`.
    pub public_url: Option<String>,
    /// Browser origins allowed by CORS, comma-separated; empty by default.
    pub cors_origins: String,
    /// Refuses unsafe settings (development signing key, plaintext SMTP without consent).
    pub production: bool,
    /// JWT signing keys as `kid:base64secret,…`; the first signs unless
    /// `active_signing_key` says otherwise. Unset: the development key.
    pub signing_keys: Option<String>,
    /// The `kid` that signs new tokens during a rotation.
    pub active_signing_key: Option<String>,
    /// Sender of every email.
    pub mail_from: String,
    /// SMTP relay; unset: one `.eml` file per message under `{data_dir}/mail`.
    pub smtp: Option<SmtpConfig>,
    /// HTTP worker threads.
    pub workers: usize,
    /// Database connections in the pool.
    pub db_pool_size: u32,
    /// Seconds a request waits for a database connection before answering 503.
    pub db_timeout_secs: u64,
    /// Seconds a client may take to send a request body once its head has arrived
    /// (408 beyond, and the connection closes).
    pub body_timeout_secs: u64,
    /// Login, password-reset and invitation attempts per client IP per minute.
    pub auth_attempts_per_minute: u32,
    /// Take client IPs from `X-Forwarded-For` (set only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// `pretty` or `json`; default `json` in production.
    pub log_format: Option<String>,
    /// Run the outbox worker and reminder scheduler inside `tandem serve`. Turn off when
    /// separate `tandem worker` processes do it (PostgreSQL only).
    pub run_worker: bool,
    /// How often an idle worker looks for due mail, in milliseconds.
    pub outbox_poll_ms: u64,
    /// Run the reminder scheduler where the worker runs (turn off to drive it by hand).
    pub run_scheduler: bool,
    /// How often the scheduler looks for due reminders, in seconds.
    pub scheduler_interval_secs: u64,
    /// How long a worker holds claimed mail before another worker may take it over.
    pub outbox_lease_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            public_url: None,
            cors_origins: String::new(),
            production: false,
            signing_keys: None,
            active_signing_key: None,
            mail_from: "Tandem <no-reply@tandem.localhost>".into(),
            smtp: None,
            workers: 2,
            db_pool_size: 10,
            db_timeout_secs: 2,
            body_timeout_secs: 10,
            auth_attempts_per_minute: 10,
            trust_forwarded_for: false,
            log_format: None,
            run_worker: true,
            outbox_poll_ms: 1000,
            run_scheduler: true,
            scheduler_interval_secs: 60,
            outbox_lease_secs: 60,
        }
    }
}

/// A configuration that cannot be used, and why.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    #[error("refusing to start: {0}")]
    Unsafe(String),
}

impl Config {
    /// Loads defaults, then the file (if given or if `./tandem.toml` exists), then the
    /// environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Self::default()));
        match file {
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new("tandem.toml").exists() => figment = figment.merge(Toml::file("tandem.toml")),
            None => {}
        }
        figment = figment.merge(Env::prefixed("TANDEM_").ignore(&NOT_CONFIG).split("__"));
        let config: Self = figment.extract().map_err(Box::new)?;
        config.check()?;
        Ok(config)
    }

    /// Production refuses settings that are fine on a laptop and dangerous with real
    /// clients' data.
    pub fn check(&self) -> Result<(), ConfigError> {
        if !self.production {
            return Ok(());
        }
        if self.signing_keys.is_none() {
            return Err(ConfigError::Unsafe(
                "production = true but no signing keys are set, so the development key (public in the source) would sign tokens and anyone could forge them. Set TANDEM_SIGNING_KEYS=kid:<base64 of 32+ random bytes>, e.g. `kid1:$(openssl rand -base64 32)`".into(),
            ));
        }
        if self.signing_keys.as_deref().is_some_and(|k| {
            k.split(',').any(|e| e.trim().starts_with(&format!("{}:", tandem_api::auth::keys::DEVELOPMENT_KID)))
        }) {
            return Err(ConfigError::Unsafe(
                "production = true but the signing key set contains the `dev` key id; generate a new key".into(),
            ));
        }
        if let Some(smtp) = &self.smtp
            && smtp.tls == tandem_notification::SmtpTls::None
            && !smtp.allow_plaintext
        {
            return Err(ConfigError::Unsafe("smtp.tls = none would send mail in plaintext; set smtp.allow_plaintext = true only if the relay is local".into()));
        }
        Ok(())
    }

    /// The database URL, defaulting to SQLite in the data directory.
    #[must_use]
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("tandem.db").display()))
    }

    /// The public base URL, defaulting to this server's address.
    #[must_use]
    pub fn public_url(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.bind)).trim_end_matches('/').to_owned()
    }

    /// Where the file mail transport writes.
    #[must_use]
    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }

    /// Origins allowed by CORS.
    #[must_use]
    pub fn cors_origins(&self) -> Vec<String> {
        self.cors_origins.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_the_development_key() {
        let config = Config { production: true, ..Config::default() };
        let err = config.check().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("development key"), "{err}");
        assert!(err.contains("TANDEM_SIGNING_KEYS"), "{err}");
    }

    #[test]
    fn production_accepts_real_keys() {
        let config = Config {
            production: true,
            signing_keys: Some("k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into()),
            ..Config::default()
        };
        assert!(config.check().is_ok());
    }

    #[test]
    fn defaults_are_local_and_embedded() {
        let config = Config::default();
        assert_eq!(config.database_url(), "sqlite://./data/tandem.db");
        assert_eq!(config.public_url(), "http://127.0.0.1:8080");
        assert!(config.cors_origins().is_empty());
    }
}
