//! The test harness: a running app, an HTTP client and a few seeding helpers.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use awc::http::StatusCode;
use awc::http::header::HeaderMap;
use base64::Engine;
use chrono::Utc;
use diesel::{Connection, RunQueryDsl};
use serde_json::{Value, json};
use tandem_api::AppState;
use tandem_domain::ManualClock;
use tandem_server::setup::{self, StaffSeed};
use tandem_server::{Config, start};
use tempfile::TempDir;

/// The secret of the test key set, so tests can forge tokens.
pub const TEST_SECRET: [u8; 32] = [7u8; 32];
pub const OTHER_SECRET: [u8; 32] = [9u8; 32];
pub const PASSWORD: &str = "a long test password";

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A fresh database for one test, dropped with it.
enum TestDb {
    Sqlite,
    /// A database the test brought itself (see [`TestApp::spawn_on`]); left alone.
    External,
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name } = self
            && let Ok(mut conn) = diesel::PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut conn);
        }
    }
}

/// Whether this run is against PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("TANDEM_TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty())
}

/// A database URL for a fresh database: a file under `dir`, or a new PostgreSQL
/// database next to `TANDEM_TEST_DATABASE_URL`.
fn fresh_database(dir: &std::path::Path) -> (String, TestDb) {
    match std::env::var("TANDEM_TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!("tandem_t_{}", uuid::Uuid::now_v7().simple());
            let mut conn = diesel::PgConnection::establish(&admin_url).expect("connect to TANDEM_TEST_DATABASE_URL");
            diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).expect("create test database");
            let mut url = url::Url::parse(&admin_url).expect("TANDEM_TEST_DATABASE_URL is a URL");
            url.set_path(&format!("/{name}"));
            (url.to_string(), TestDb::Postgres { admin_url, name })
        }
        _ => (format!("sqlite://{}", dir.join("tandem.db").display()), TestDb::Sqlite),
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status.
    #[track_caller]
    pub fn assert_problem(&self, status: u16) {
        assert_eq!(self.status.as_u16(), status, "{}", self.raw);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "{}", self.raw);
        assert_eq!(self.body["status"], status, "{}", self.raw);
        assert!(self.body["type"].as_str().is_some_and(|t| t.starts_with("urn:tandem:problem:")), "{}", self.raw);
        assert!(self.body["title"].is_string(), "{}", self.raw);
    }
}

/// A running app.
pub struct TestApp {
    pub base: String,
    pub clock: ManualClock,
    pub state: AppState,
    pub client: awc::Client,
    pub data_dir: PathBuf,
    database_url: String,
    handle: actix_web::dev::ServerHandle,
    /// Stops the in-process outbox worker and scheduler.
    _stop_background: tokio::sync::watch::Sender<bool>,
    _dir: TempDir,
    _db: TestDb,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stops the outbox worker between messages, so no database call is in flight
        // while the process exits; stops accepting; the database is dropped after (with
        // FORCE on PostgreSQL).
        let _ = self._stop_background.send(true);
        drop(self.handle.stop(false));
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (database_url, db) = fresh_database(dir.path());
        Self::spawn_in(dir, database_url, db, configure)
    }

    /// Starts the app on a database the test provides (e.g. a private PostgreSQL
    /// cluster), which the harness neither creates nor drops.
    #[allow(dead_code, reason = "used by the `outage` test target, which shares this harness")]
    pub async fn spawn_on(database_url: &str, configure: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::spawn_in(dir, database_url.to_owned(), TestDb::External, configure)
    }

    fn spawn_in(dir: TempDir, database_url: String, db: TestDb, configure: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config {
            bind: "127.0.0.1:0".into(),
            data_dir: dir.path().to_path_buf(),
            database_url: Some(database_url),
            public_url: Some("https://app.tandem.test".into()),
            signing_keys: Some(format!("test:{}", b64(&TEST_SECRET))),
            workers: 1,
            db_pool_size: 4,
            // Mail goes out promptly; reminder ticks are driven by the tests themselves.
            outbox_poll_ms: 50,
            run_scheduler: false,
            ..Config::default()
        };
        configure(&mut config);
        let clock = ManualClock::new(Utc::now());
        let running = start(&config, Arc::new(clock.clone())).expect("app starts");
        let handle = running.server.handle();
        actix_web::rt::spawn(running.server);
        let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
        Self {
            base: format!("http://127.0.0.1:{}", running.port),
            clock,
            state: running.state,
            client,
            data_dir: config.data_dir.clone(),
            database_url: config.database_url(),
            handle,
            _stop_background: running.stop_background,
            _dir: dir,
            _db: db,
        }
    }

    /// The database URL the app runs on (for child processes).
    pub fn state_database_url(&self) -> String {
        self.database_url.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn read(
        mut res: awc::ClientResponse<
            impl futures_core::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
        >,
    ) -> Reply {
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.body().limit(4 * 1024 * 1024).await.expect("read body");
        let raw = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status, headers, body, raw }
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        self.call_with(method, path, token, body, &[]).await
    }

    /// Sends a request with extra headers (e.g. `If-Match`).
    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        let res = match body {
            Some(b) => req.send_json(&b).await,
            None => req.send().await,
        }
        .expect("request sent");
        Self::read(res).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call("GET", path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call("POST", path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call("PATCH", path, Some(token), Some(body)).await
    }

    /// Sends raw bytes with a content type.
    pub async fn raw(&self, method: &str, path: &str, token: Option<&str>, content_type: &str, body: Vec<u8>) -> Reply {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, self.url(path)).insert_header(("Content-Type", content_type));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        Self::read(req.send_body(body).await.expect("request sent")).await
    }

    /// Creates a practice with an admin (who is also a clinician when asked).
    pub fn practice(&self, name: &str, admin_email: &str, clinician: bool) -> String {
        let seed = StaffSeed { email: admin_email, display_name: "Admin", password: PASSWORD, admin: true, clinician };
        setup::bootstrap(&self.state.pool, name, &seed, self.clock.now_utc()).expect("bootstrap")
    }

    /// Signs in; panics unless it works.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        let reply = self.post("/api/v1/auth/login", None, json!({"email": email, "password": password})).await;
        assert_eq!(reply.status, 200, "login of {email}: {}", reply.raw);
        reply.body
    }

    pub async fn token(&self, email: &str) -> String {
        self.login(email, PASSWORD).await["access_token"].as_str().expect("access token").to_owned()
    }

    /// Invites a staff member as `admin_token` and activates them through the emailed
    /// link; returns their access token and user id.
    pub async fn staff(&self, admin_token: &str, email: &str, roles: &[&str]) -> (String, String) {
        let reply = self
            .post(
                "/api/v1/users",
                Some(admin_token),
                json!({"email": email, "display_name": "Staff member", "roles": roles}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.raw);
        let id = reply.body["id"].as_str().expect("id").to_owned();
        let token = self.mailed_token(email).await;
        let accepted =
            self.post("/api/v1/auth/invitations/accept", None, json!({"token": token, "password": PASSWORD})).await;
        assert_eq!(accepted.status, 200, "{}", accepted.raw);
        (accepted.body["access_token"].as_str().expect("token").to_owned(), id)
    }

    /// All mail written to `to` so far, decoded.
    pub fn mail_to(&self, to: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.data_dir.join("mail")) else {
            return Vec::new();
        };
        let mut found: Vec<(std::time::SystemTime, String)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, std::fs::read_to_string(e.path()).ok()?)))
            .map(|(t, m)| (t, decode_quoted_printable(&m)))
            .filter(|(_, m)| m.lines().any(|l| l.eq_ignore_ascii_case(&format!("To: {to}"))))
            .collect();
        found.sort_by_key(|(t, _)| *t);
        found.into_iter().map(|(_, m)| m).collect()
    }

    /// Waits until at least `count` emails reached `to`; returns them all, oldest first.
    pub async fn wait_mail(&self, to: &str, count: usize) -> Vec<String> {
        for _ in 0..100 {
            let mails = self.mail_to(to);
            if mails.len() >= count {
                return mails;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("fewer than {count} emails to {to} after 5 s");
    }

    /// Waits for the newest email to `to` and returns the token in its link.
    pub async fn mailed_token(&self, to: &str) -> String {
        self.mailed_tokens(to, 1).await.pop().expect("a token")
    }

    /// Waits until `count` emails reached `to`; returns their tokens, oldest first.
    pub async fn mailed_tokens(&self, to: &str, count: usize) -> Vec<String> {
        for _ in 0..100 {
            let mails = self.mail_to(to);
            if mails.len() >= count {
                return mails.iter().map(|m| token_in(m)).collect();
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no email to {to} after 5 s");
    }
}

/// Lets tests read the harness clock as a `DateTime<Utc>`.
pub trait ClockExt {
    fn now_utc(&self) -> chrono::DateTime<Utc>;
}

impl ClockExt for ManualClock {
    fn now_utc(&self) -> chrono::DateTime<Utc> {
        tandem_domain::Clock::now(self)
    }
}

fn decode_quoted_printable(s: &str) -> String {
    let joined = s.replace("=\r\n", "").replace("=\n", "");
    let mut out = String::with_capacity(joined.len());
    let mut chars = joined.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '=' {
            let hex: String = chars.clone().take(2).collect();
            if hex.len() == 2
                && hex.chars().all(|h| h.is_ascii_hexdigit() && !h.is_ascii_lowercase())
                && let Ok(b) = u8::from_str_radix(&hex, 16)
            {
                out.push(b as char);
                chars.next();
                chars.next();
                continue;
            }
        }
        out.push(c);
    }
    out
}

fn token_in(mail: &str) -> String {
    let start = mail.find("#token=").expect("a link with a token") + "#token=".len();
    mail[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

impl TestApp {
    /// Creates a couple as `token`; returns its id.
    pub async fn couple(&self, token: &str, label: &str, a: &str, b: &str) -> String {
        let reply = self
            .post(
                "/api/v1/couples",
                Some(token),
                json!({"label": label, "partners": [
                    {"display_name": "Partner A", "email": a, "time_zone": "Europe/Berlin"},
                    {"display_name": "Partner B", "email": b}
                ]}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.raw);
        reply.body["id"].as_str().expect("couple id").to_owned()
    }

    /// Accepts the newest invitation sent to `email`; returns the access token.
    pub async fn accept(&self, email: &str) -> String {
        let token = self.mailed_token(email).await;
        let accepted =
            self.post("/api/v1/auth/invitations/accept", None, json!({"token": token, "password": PASSWORD})).await;
        assert_eq!(accepted.status, 200, "{}", accepted.raw);
        accepted.body["access_token"].as_str().expect("token").to_owned()
    }
}

/// A real SMTP server (tests/smtp_sink.py, aiosmtpd) on a free port, killed on drop.
pub struct SmtpSink {
    pub port: u16,
    pub dir: TempDir,
    child: std::process::Child,
}

impl SmtpSink {
    /// Starts the sink; `script` lists replies to give before accepting (e.g. "451,451").
    pub fn start(script: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self::start_on(port, script, 0.0)
    }

    /// Starts the sink on a given port, answering each message after `delay` seconds.
    pub fn start_on(port: u16, script: &str, delay: f64) -> Self {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let script_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/smtp_sink.py");
        let mut child = std::process::Command::new("python3")
            .arg(script_path)
            .args(["--port", &port.to_string(), "--dir"])
            .arg(dir.path())
            .args(["--script", script, "--delay", &delay.to_string()])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs tests/smtp_sink.py");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP sink needs aiosmtpd: python3 -m pip install aiosmtpd");
        Self { port, dir, child }
    }

    /// Messages received so far.
    pub fn messages(&self) -> Vec<String> {
        std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .map(|m| decode_quoted_printable(&m))
            .collect()
    }

    /// The SMTP settings that reach this sink.
    pub fn config(&self) -> tandem_notification::SmtpConfig {
        tandem_notification::SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(self.port),
            username: None,
            password: None,
            tls: tandem_notification::SmtpTls::None,
            allow_plaintext: true,
            pool_size: 2,
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
