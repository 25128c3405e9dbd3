//! Configuration: defaults that work on a laptop, overridden by an optional TOML file and
//! then by `TANDEM_*` environment variables (nested keys with `__`, e.g.
//! `TANDEM_SMTP__HOST`).

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use tandem_api::auth::keys::KeySet;
use tandem_notification::SmtpConfig;
use tandem_notification::outbox::EmailLinks;

/// Environment variables that start with `TANDEM_` but are not configuration keys.
const NOT_CONFIG: [&str; 3] = ["BOOTSTRAP_PASSWORD", "TEST_DATABASE_URL", "CONFIG"];
/// The prefix of configuration variables.
const ENV_PREFIX: &str = "TANDEM_";

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
    /// The front-end's base URL, which links in emails open; default `http://{bind}`.
    pub public_url: Option<String>,
    /// The front-end route of invitation links (`{public_url}{invitation_path}#token=…`).
    pub invitation_path: String,
    /// The front-end route of password-reset links (`{public_url}{password_reset_path}#token=…`).
    pub password_reset_path: String,
    /// The front-end route that alerts and reminders open (`{public_url}{app_path}`).
    pub app_path: String,
    /// This API's own public base URL, for unsubscribe links (the API serves that page,
    /// and it may live elsewhere than the front-end); default `http://{bind}`.
    pub api_url: Option<String>,
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
    /// `TANDEM_*` environment variables that name no setting and were ignored (e.g. one
    /// set by a wrapper script); [`Config::warn_ignored`] logs them.
    #[serde(skip)]
    pub ignored_env: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            public_url: None,
            invitation_path: EmailLinks::INVITATION_PATH.into(),
            password_reset_path: EmailLinks::PASSWORD_RESET_PATH.into(),
            app_path: EmailLinks::APP_PATH.into(),
            api_url: None,
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
            ignored_env: Vec::new(),
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
    #[error("configuration: {0}")]
    Invalid(String),
}

/// Every key a configuration may set, as figment names them (`smtp.host`).
fn known_keys() -> Vec<String> {
    let mut keys: Vec<String> = introspect::fields::<Config>().iter().map(|f| (*f).to_owned()).collect();
    keys.extend(introspect::fields::<SmtpConfig>().iter().map(|f| format!("smtp.{f}")));
    keys
}

/// The `TANDEM_*` variables among `names` that are neither settings nor known to be
/// something else, sorted.
fn unknown_env(names: impl IntoIterator<Item = String>, known: &[String]) -> Vec<String> {
    let mut unknown: Vec<String> = names
        .into_iter()
        .filter(|name| {
            let trimmed = name.trim();
            let Some(rest) = trimmed
                .get(..ENV_PREFIX.len())
                .filter(|p| p.eq_ignore_ascii_case(ENV_PREFIX))
                .map(|_| &trimmed[ENV_PREFIX.len()..])
            else {
                return false;
            };
            if NOT_CONFIG.iter().any(|n| n.eq_ignore_ascii_case(rest)) {
                return false;
            }
            let key = rest.to_ascii_lowercase().replace("__", ".");
            !known.contains(&key)
        })
        .collect();
    unknown.sort();
    unknown
}

/// The field names of a `Deserialize` struct, read from what serde derives (the list it
/// checks unknown fields against), so the list of settings cannot drift from the struct.
mod introspect {
    use serde::Deserialize;
    use serde::de::{self, Deserializer, Visitor};

    #[derive(Debug)]
    struct Found(&'static [&'static str]);

    impl std::fmt::Display for Found {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("fields found")
        }
    }

    impl std::error::Error for Found {}

    impl de::Error for Found {
        fn custom<T: std::fmt::Display>(_: T) -> Self {
            Self(&[])
        }
    }

    struct Fields;

    impl<'de> Deserializer<'de> for Fields {
        type Error = Found;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
            Err(Found(&[]))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Found> {
            Err(Found(fields))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }

    /// The fields of `T` (empty if `T` is not a struct).
    pub fn fields<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
        match T::deserialize(Fields) {
            Err(Found(fields)) => fields,
            Ok(_) => &[],
        }
    }
}

impl Config {
    /// Loads defaults, then the file (if given or if `./tandem.toml` exists), then the
    /// environment. A key the file does not know is an error (likely a typo); a
    /// `TANDEM_*` variable that names no setting is ignored and listed in
    /// [`Config::ignored_env`] (wrappers set such variables for their own use).
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_from(file, std::env::vars_os().map(|(k, _)| k.to_string_lossy().into_owned()))
    }

    /// [`Config::load`], told which environment variables exist (`env_names`) so that it
    /// can say which are ignored; values still come from the process environment.
    fn load_from(file: Option<&Path>, env_names: impl IntoIterator<Item = String>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Self::default()));
        match file {
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new("tandem.toml").exists() => figment = figment.merge(Toml::file("tandem.toml")),
            None => {}
        }
        let known = known_keys();
        let env_known = known.clone();
        figment = figment.merge(
            Env::prefixed(ENV_PREFIX)
                .ignore(&NOT_CONFIG)
                .split("__")
                .filter(move |key| env_known.iter().any(|k| key == k.as_str())),
        );
        let mut config: Self = figment.extract().map_err(Box::new)?;
        config.ignored_env = unknown_env(env_names, &known);
        config.check()?;
        Ok(config)
    }

    /// Logs a warning for each ignored `TANDEM_*` variable (once logging is set up).
    pub fn warn_ignored(&self) {
        for name in &self.ignored_env {
            tracing::warn!(variable = %name, "ignoring environment variable {name}: it is not a Tandem setting");
        }
    }

    /// In production, the link addresses left to their default: they name the bind
    /// address (e.g. `http://0.0.0.0:8080`), which no recipient of an email can open.
    /// Warned about, not refused, since the server itself works without them.
    #[must_use]
    pub fn unreachable_links(&self) -> Vec<String> {
        if !self.production {
            return Vec::new();
        }
        let mut unset = Vec::new();
        if self.public_url.is_none() {
            unset.push(format!(
                "public_url (TANDEM_PUBLIC_URL) is not set, so invitations, password resets and reminders link to {}, the bind address; set it to the front-end's public address",
                self.public_url()
            ));
        }
        if self.api_url.is_none() {
            unset.push(format!(
                "api_url (TANDEM_API_URL) is not set, so reminders' unsubscribe links name {}, the bind address; set it to this API's public address",
                self.api_url()
            ));
        }
        unset
    }

    /// Logs a warning for each of [`Config::unreachable_links`].
    pub fn warn_unreachable_links(&self) {
        for problem in self.unreachable_links() {
            tracing::warn!("{problem}");
        }
    }

    /// Refuses settings that cannot work (malformed or short signing keys) and, in
    /// production, settings that are fine on a laptop and dangerous with real clients'
    /// data.
    pub fn check(&self) -> Result<(), ConfigError> {
        for (key, path) in [
            ("invitation_path (TANDEM_INVITATION_PATH)", &self.invitation_path),
            ("password_reset_path (TANDEM_PASSWORD_RESET_PATH)", &self.password_reset_path),
            ("app_path (TANDEM_APP_PATH)", &self.app_path),
        ] {
            if let Some(problem) = EmailLinks::path_problem(path) {
                return Err(ConfigError::Invalid(format!("{key} = {path:?} {problem}")));
            }
        }
        let keys = match &self.signing_keys {
            Some(spec) => Some(
                KeySet::parse(spec, self.active_signing_key.as_deref())
                    .map_err(|e| ConfigError::Invalid(format!("signing_keys (TANDEM_SIGNING_KEYS): {e}")))?,
            ),
            None => None,
        };
        if !self.production {
            return Ok(());
        }
        let Some(keys) = keys else {
            return Err(ConfigError::Unsafe(
                "production = true but no signing keys are set, so the development key (public in the source) would sign tokens and anyone could forge them. Set TANDEM_SIGNING_KEYS=kid:<base64 of 32+ random bytes>, e.g. `kid1:$(openssl rand -base64 32)`".into(),
            ));
        };
        let development: Vec<&str> = keys.development_kids().collect();
        if !development.is_empty() {
            return Err(ConfigError::Unsafe(format!(
                "production = true but signing key {} is the development key (its secret is public in the source, so anyone could forge tokens with it, whatever its kid). Generate a new key, e.g. `kid1:$(openssl rand -base64 32)`",
                development.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", ")
            )));
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

    /// The API's own public base URL, defaulting to this server's address.
    #[must_use]
    pub fn api_url(&self) -> String {
        self.api_url.clone().unwrap_or_else(|| format!("http://{}", self.bind)).trim_end_matches('/').to_owned()
    }

    /// Where links in emails lead.
    #[must_use]
    pub fn email_links(&self) -> EmailLinks {
        EmailLinks {
            invitation_path: self.invitation_path.clone(),
            password_reset_path: self.password_reset_path.clone(),
            app_path: self.app_path.clone(),
            ..EmailLinks::new(&self.public_url(), &self.api_url())
        }
    }

    /// This configuration as served on `port`: binding port 0 takes any free port, and
    /// addresses that default to the bind address (`public_url`, `api_url`) must name the
    /// port actually bound, or links in emails would point at port 0.
    #[must_use]
    pub fn bound_to(&self, port: u16) -> Self {
        let mut bound = self.clone();
        if let Some((host, "0")) = self.bind.rsplit_once(':') {
            bound.bind = format!("{host}:{port}");
        }
        bound
    }

    /// For the start-up banner outside production: how to raise the limit on sign-in
    /// attempts, which a front-end's test suite (signing in before each test, all from one
    /// address) soon reaches. Production keeps the limit and says nothing.
    #[must_use]
    pub fn auth_limit_hint(&self) -> Option<String> {
        (!self.production).then(|| {
            format!(
                "{} attempts a minute per client address (raise it for a front-end test suite: TANDEM_AUTH_ATTEMPTS_PER_MINUTE=1000, or auth_attempts_per_minute in tandem.toml)",
                self.auth_attempts_per_minute
            )
        })
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

    fn b64(bytes: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    fn refusal(config: &Config) -> String {
        config.check().err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn production_refuses_the_development_secret_under_any_kid() {
        use tandem_api::auth::keys::DEVELOPMENT_SECRET;
        for keys in [
            format!("k1:{}", b64(DEVELOPMENT_SECRET)),
            format!("real:{},k2:{}", b64(&[5u8; 32]), b64(DEVELOPMENT_SECRET)),
            format!("dev:{}", b64(&[5u8; 32])),
        ] {
            let config = Config { production: true, signing_keys: Some(keys.clone()), ..Config::default() };
            let err = refusal(&config);
            assert!(err.starts_with("refusing to start"), "{keys}: {err}");
            assert!(err.contains("is the development key"), "{keys}: {err}");
        }
        // On a laptop it is only the default, however spelled.
        let laptop = Config { signing_keys: Some(format!("k1:{}", b64(DEVELOPMENT_SECRET))), ..Config::default() };
        assert!(laptop.check().is_ok());
    }

    #[test]
    fn short_keys_are_refused_in_any_mode() {
        for production in [false, true] {
            let config =
                Config { production, signing_keys: Some(format!("k1:{}", b64(&[5u8; 31]))), ..Config::default() };
            let err = refusal(&config);
            assert!(err.contains("\"k1\" is 31 bytes; use at least 32 random bytes"), "{err}");
            assert!(err.contains("TANDEM_SIGNING_KEYS"), "{err}");
        }
    }

    #[test]
    fn the_known_keys_are_the_fields() {
        let known = known_keys();
        for key in ["bind", "signing_keys", "outbox_lease_secs", "smtp", "smtp.host", "smtp.pool_size"] {
            assert!(known.iter().any(|k| k == key), "{key} in {known:?}");
        }
        assert!(!known.iter().any(|k| k == "ignored_env"), "not a setting");
    }

    #[test]
    fn unknown_tandem_variables_are_listed_not_refused() {
        let names = [
            "TANDEM_BIN",
            "TANDEM_BIND",
            "TANDEM_SMTP__HOST",
            "TANDEM_SMTP__BOGUS",
            "TANDEM_CONFIG",
            "TANDEM_TEST_DATABASE_URL",
            "PATH",
            "tandem_signing_keys",
        ]
        .map(str::to_owned);
        assert_eq!(unknown_env(names, &known_keys()), ["TANDEM_BIN", "TANDEM_SMTP__BOGUS"]);
        let config = Config::load_from(None, ["TANDEM_BIN".to_owned()]);
        assert_eq!(config.map(|c| c.ignored_env).unwrap_or_default(), ["TANDEM_BIN"]);
    }

    #[test]
    fn unknown_keys_in_a_file_are_refused() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("tandem.toml");
        std::fs::write(&path, "bind = \"127.0.0.1:9000\"\nbindd = \"typo\"\n")?;
        let err = Config::load_from(Some(&path), []).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("bindd"), "{err}");
        std::fs::write(&path, "[smtp]\nhost = \"relay\"\nhots = \"typo\"\n")?;
        let err = Config::load_from(Some(&path), []).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("hots"), "{err}");
        std::fs::write(&path, "bind = \"127.0.0.1:9000\"\n")?;
        assert_eq!(Config::load_from(Some(&path), []).map(|c| c.bind).ok().as_deref(), Some("127.0.0.1:9000"));
        Ok(())
    }

    #[test]
    fn defaults_are_local_and_embedded() {
        let config = Config::default();
        assert_eq!(config.database_url(), "sqlite://./data/tandem.db");
        assert_eq!(config.public_url(), "http://127.0.0.1:8080");
        assert_eq!(config.api_url(), "http://127.0.0.1:8080");
        assert!(config.cors_origins().is_empty());
    }

    #[test]
    fn email_links_use_the_configured_routes_and_the_api_address() {
        let config = Config {
            public_url: Some("https://app.example.org/".into()),
            invitation_path: "/join".into(),
            password_reset_path: "/account/reset".into(),
            app_path: "/home".into(),
            api_url: Some("https://api.example.org".into()),
            ..Config::default()
        };
        let links = config.email_links();
        assert_eq!(links.invitation("t"), "https://app.example.org/join#token=t");
        assert_eq!(links.password_reset("t"), "https://app.example.org/account/reset#token=t");
        assert_eq!(links.app(), "https://app.example.org/home");
        assert_eq!(links.unsubscribe("u"), "https://api.example.org/unsubscribe/u");
        // By default the API's address is the bind address, with the port actually bound.
        let local = Config { bind: "127.0.0.1:0".into(), ..Config::default() }.bound_to(41234);
        assert_eq!(local.email_links().unsubscribe("u"), "http://127.0.0.1:41234/unsubscribe/u");
        assert_eq!(local.email_links().invitation("t"), "http://127.0.0.1:41234/invitation#token=t");
        let fixed = Config { bind: "0.0.0.0:8080".into(), ..Config::default() }.bound_to(8080);
        assert_eq!(fixed.api_url(), "http://0.0.0.0:8080");
    }

    #[test]
    fn only_development_servers_say_how_to_raise_the_sign_in_limit() {
        let hint = Config { auth_attempts_per_minute: 12, ..Config::default() }.auth_limit_hint().unwrap_or_default();
        assert!(hint.starts_with("12 attempts a minute"), "{hint}");
        assert!(
            hint.contains("TANDEM_AUTH_ATTEMPTS_PER_MINUTE=") && hint.contains("auth_attempts_per_minute"),
            "{hint}"
        );
        assert_eq!(Config { production: true, ..Config::default() }.auth_limit_hint(), None);
    }

    #[test]
    fn production_warns_when_links_would_name_the_bind_address() {
        let production = Config { production: true, bind: "0.0.0.0:8080".into(), ..Config::default() };
        let warnings = production.unreachable_links();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("TANDEM_PUBLIC_URL") && warnings[0].contains("http://0.0.0.0:8080"));
        assert!(warnings[1].contains("TANDEM_API_URL") && warnings[1].contains("http://0.0.0.0:8080"));
        let set = Config {
            public_url: Some("https://app.example.org".into()),
            api_url: Some("https://api.example.org".into()),
            ..production
        };
        assert!(set.unreachable_links().is_empty());
        assert!(Config::default().unreachable_links().is_empty(), "a laptop's defaults are fine");
    }

    #[test]
    fn a_front_end_route_that_would_break_links_is_refused() {
        let config = Config { invitation_path: "/#/invitation".into(), ..Config::default() };
        let err = refusal(&config);
        assert!(err.contains("invitation_path (TANDEM_INVITATION_PATH)"), "{err}");
        let config = Config { app_path: "home".into(), ..Config::default() };
        assert!(refusal(&config).contains("TANDEM_APP_PATH"));
    }
}
