//! Transports: SMTP (pooled, TLS unless explicitly allowed otherwise) or one `.eml` file
//! per message under the data directory, the embedded default.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::templates::Email;

/// How SMTP is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// TLS from the first byte (usually port 465).
    Implicit,
    /// STARTTLS, required (usually port 587).
    #[default]
    Starttls,
    /// Plaintext. Refused unless `allow_plaintext` is set, and refused in production.
    None,
}

/// Settings of an SMTP relay.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: Option<u16>,
    pub username: Option<String>,
    pub password: Option<String>,
    #[serde(default)]
    pub tls: SmtpTls,
    /// Must be set to use `tls = "none"`; a deliberate choice, e.g. for a local relay.
    #[serde(default)]
    pub allow_plaintext: bool,
    /// Pooled connections kept open to the relay.
    #[serde(default = "default_pool_size")]
    pub pool_size: u32,
}

const fn default_pool_size() -> u32 {
    4
}

/// Where mail goes.
#[derive(Debug, Clone)]
pub enum TransportConfig {
    Smtp(SmtpConfig),
    /// One `.eml` file per message in this directory.
    Files(PathBuf),
}

/// Everything the mailer needs.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// The sender, e.g. `Tandem <no-reply@example.org>`.
    pub from: String,
    pub transport: TransportConfig,
}

/// Why a send failed, sorted by what the caller should do about it.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The configuration cannot work; the message says which setting.
    #[error("mail configuration: {0}")]
    Config(String),
    /// The message could not be built (a bad address).
    #[error("bad message: {0}")]
    Message(String),
    /// Worth retrying: a 4xx reply, a refused connection, a timeout.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// Not worth retrying: a 5xx reply.
    #[error("permanent failure: {0}")]
    Permanent(String),
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// Sends rendered emails. Cheap to clone: SMTP connections are pooled inside.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
    /// How many sends may run at once: the SMTP pool size (1 for the file transport).
    concurrency: usize,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.transport {
            Transport::Smtp(_) => "smtp",
            Transport::Files(..) => "files",
        };
        f.debug_struct("Mailer").field("from", &self.from.to_string()).field("transport", &kind).finish()
    }
}

impl Mailer {
    /// Builds the transport; refuses plaintext SMTP unless explicitly allowed.
    pub fn new(config: &MailConfig) -> Result<Self, MailError> {
        let from: Mailbox =
            config.from.parse().map_err(|e| MailError::Config(format!("mail.from {:?}: {e}", config.from)))?;
        let (transport, concurrency) = match &config.transport {
            TransportConfig::Files(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| MailError::Config(format!("cannot create mail directory {}: {e}", dir.display())))?;
                (Transport::Files(AsyncFileTransport::new(dir), dir.clone()), 1)
            }
            TransportConfig::Smtp(smtp) => {
                (Transport::Smtp(smtp_transport(smtp)?), usize::try_from(smtp.pool_size.max(1)).unwrap_or(1))
            }
        };
        Ok(Self { from, transport, concurrency })
    }

    /// How many sends may run at once without waiting for a connection.
    #[must_use]
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Where the file transport writes, if that is the transport.
    #[must_use]
    pub fn mail_dir(&self) -> Option<&std::path::Path> {
        match &self.transport {
            Transport::Files(_, dir) => Some(dir),
            Transport::Smtp(_) => None,
        }
    }

    /// Sends one email as text with an HTML alternative.
    pub async fn send(&self, email: &Email) -> Result<(), MailError> {
        let to: Mailbox = email.to.parse().map_err(|e| MailError::Message(format!("recipient: {e}")))?;
        let mut builder = Message::builder().from(self.from.clone()).to(to).subject(email.subject.clone());
        if let Some(id) = &email.message_id {
            builder = builder.message_id(Some(id.clone()));
        }
        if let Some(url) = &email.unsubscribe {
            use lettre::message::header::{HeaderName, HeaderValue};
            builder = builder
                .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), format!("<{url}>")))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(email.text.clone(), email.html.clone()))
            .map_err(|e| MailError::Message(e.to_string()))?;
        match &self.transport {
            Transport::Files(t, _) => {
                t.send(message).await.map(|_| ()).map_err(|e| MailError::Transient(e.to_string()))
            }
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(classify),
        }
    }
}

/// lettre's `is_transient` covers 4xx replies only; a refused connection is neither
/// transient nor permanent to it, but for us it is worth retrying.
fn classify(e: lettre::transport::smtp::Error) -> MailError {
    if e.is_permanent() { MailError::Permanent(e.to_string()) } else { MailError::Transient(e.to_string()) }
}

fn smtp_transport(smtp: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let tls_params = || TlsParameters::new(smtp.host.clone()).map_err(|e| MailError::Config(format!("smtp tls: {e}")));
    let (tls, default_port) = match smtp.tls {
        SmtpTls::Implicit => (Tls::Wrapper(tls_params()?), 465),
        SmtpTls::Starttls => (Tls::Required(tls_params()?), 587),
        SmtpTls::None if smtp.allow_plaintext => (Tls::None, 25),
        SmtpTls::None => {
            return Err(MailError::Config(
                "smtp.tls = \"none\" sends mail in plaintext; set smtp.allow_plaintext = true (TANDEM_SMTP__ALLOW_PLAINTEXT=true) if that is really intended".into(),
            ));
        }
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.clone())
        .port(smtp.port.unwrap_or(default_port))
        .tls(tls)
        .timeout(Some(Duration::from_secs(15)))
        .pool_config(PoolConfig::new().max_size(smtp.pool_size.max(1)));
    if let (Some(user), Some(pass)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::{EmailKind, render};

    #[tokio::test]
    async fn plaintext_smtp_needs_an_explicit_yes() {
        let mut smtp = SmtpConfig {
            host: "localhost".into(),
            port: Some(2525),
            username: None,
            password: None,
            tls: SmtpTls::None,
            allow_plaintext: false,
            pool_size: 1,
        };
        let config =
            MailConfig { from: "Tandem <no-reply@example.org>".into(), transport: TransportConfig::Smtp(smtp.clone()) };
        let err = Mailer::new(&config).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("allow_plaintext"), "{err}");
        smtp.allow_plaintext = true;
        let config = MailConfig { transport: TransportConfig::Smtp(smtp), ..config };
        assert!(Mailer::new(&config).is_ok());
    }

    #[tokio::test]
    async fn the_file_transport_writes_one_eml_per_message() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let config = MailConfig {
            from: "Tandem <no-reply@example.org>".into(),
            transport: TransportConfig::Files(dir.path().to_path_buf()),
        };
        let mailer = Mailer::new(&config)?;
        let email =
            render(EmailKind::PasswordReset, "ana@example.org", "http://localhost/reset?token=t", "30 minutes")?;
        mailer.send(&email).await?;
        mailer.send(&email).await?;
        let files: Vec<_> = std::fs::read_dir(dir.path())?.filter_map(Result::ok).collect();
        assert_eq!(files.len(), 2);
        let body = std::fs::read_to_string(files[0].path())?;
        assert!(body.contains("To: ana@example.org"), "{body}");
        Ok(())
    }
}
