//! A running app, an HTTP client for it and a few seeding helpers.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use awc::http::StatusCode;
use awc::http::header::HeaderMap;
use chrono::Utc;
use serde_json::{Value, json};
use tandem_api::AppState;
use tandem_domain::ManualClock;
use tandem_server::setup::{self, StaffSeed};
use tandem_server::{Config, Running, start};
use tempfile::TempDir;

use super::database::AppDatabase;
use super::{PASSWORD, TEST_SECRET, b64};

/// How long a stopping app may take to let go of the database. Generous: it is only
/// reached when something still holds a connection, which fails the test.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(20);

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
///
/// Dropping it stops the app and waits until nothing of it uses the database any more
/// (server, outbox worker, audit writer, session listener, every pooled connection), then
/// drops the database: a test process never exits while a database client still runs,
/// which could crash it after the test passed.
pub struct TestApp {
    pub base: String,
    pub clock: ManualClock,
    pub state: AppState,
    pub client: awc::Client,
    pub data_dir: PathBuf,
    // Fields drop in this order: the test's own handles above first, then the app (which
    // waits for every other handle to the pool), then its database and files.
    _app: AppThread,
    db: AppDatabase,
    _dir: TempDir,
}

/// The app, on a thread and actix system of its own, so that a synchronous drop can stop
/// it and wait for it (the test's own runtime cannot run while its thread waits).
struct AppThread {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// Says whether the app shut down cleanly.
    thread: Option<std::thread::JoinHandle<bool>>,
}

impl AppThread {
    /// Starts the app; returns its port and state once it listens.
    fn start(config: Config, clock: ManualClock) -> (Self, u16, AppState) {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("test-app".into())
            .spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    let Running { server, state, port, shutdown } = match start(&config, Arc::new(clock)) {
                        Ok(running) => running,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e.to_string()));
                            return true;
                        }
                    };
                    let handle = server.handle();
                    let server = actix_web::rt::spawn(server);
                    let _ = ready_tx.send(Ok((port, state.clone())));
                    let _ = stopped.await;
                    // The test has read its answers: no need to wait for idle connections.
                    handle.stop(false).await;
                    let _ = server.await;
                    shutdown.run(state, SHUTDOWN_LIMIT).await
                })
            })
            .expect("start the app's thread");
        let (port, state) =
            ready_rx.recv().expect("the app's thread reports").unwrap_or_else(|e| panic!("app starts: {e}"));
        (Self { stop: Some(stop), thread: Some(thread) }, port, state)
    }
}

impl Drop for AppThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let clean = thread.join().unwrap_or(false);
            if !clean && !std::thread::panicking() {
                panic!(
                    "the app did not let go of the database within {SHUTDOWN_LIMIT:?} of stopping: \
                     something still holds a pooled connection or a handle to its state"
                );
            }
        }
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_in(AppDatabase::fresh(), configure)
    }

    /// Starts the app on a database the test provides (e.g. a private PostgreSQL
    /// cluster, or another app's database), which the harness neither creates nor drops.
    #[allow(dead_code, reason = "the `outage` test target shares this harness")]
    pub async fn spawn_on(database_url: &str, configure: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_in(AppDatabase::External(database_url.to_owned()), configure)
    }

    fn spawn_in(db: AppDatabase, configure: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config {
            bind: "127.0.0.1:0".into(),
            data_dir: dir.path().to_path_buf(),
            database_url: Some(db.url().to_owned()),
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
        let data_dir = config.data_dir.clone();
        let (app, port, state) = AppThread::start(config, clock.clone());
        let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
        Self { base: format!("http://127.0.0.1:{port}"), clock, state, client, data_dir, _app: app, db, _dir: dir }
    }

    /// The database URL the app runs on (for child processes).
    pub fn state_database_url(&self) -> String {
        self.db.url().to_owned()
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
        let verb = method;
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
        let reply = Self::read(res).await;
        super::contract::check(verb, path, reply.status.as_u16(), &reply.body);
        reply
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
        setup::bootstrap(&self.state.pool, name, &seed, super::ClockExt::now_utc(&self.clock)).expect("bootstrap")
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
