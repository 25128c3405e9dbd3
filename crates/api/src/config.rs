//! Settings the HTTP layer needs; the server crate fills them from file and environment.

/// The largest JSON body accepted (413 beyond). Reports and agreements are small.
pub const JSON_LIMIT: usize = 64 * 1024;

/// HTTP-layer settings.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// `iss` of the access tokens we issue and accept.
    pub issuer: String,
    /// `aud` of the access tokens we issue and accept.
    pub audience: String,
    /// Where links in emails lead: front-end routes under the public URL, unsubscribe
    /// links under the API's own address.
    pub links: tandem_notification::outbox::EmailLinks,
    /// Browser origins allowed to call the API; empty means none.
    pub cors_origins: Vec<String>,
    /// Credential attempts (login, password reset, invitation) per client IP per minute.
    pub auth_attempts_per_minute: u32,
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// How long a client may take to send a request body once its head has arrived
    /// (408 beyond, and the connection closes).
    pub body_timeout: std::time::Duration,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            issuer: "tandem".into(),
            audience: "tandem-api".into(),
            links: tandem_notification::outbox::EmailLinks::new("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            cors_origins: Vec::new(),
            auth_attempts_per_minute: 10,
            trust_forwarded_for: false,
            body_timeout: std::time::Duration::from_secs(10),
        }
    }
}
