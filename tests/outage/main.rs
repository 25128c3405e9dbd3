//! PostgreSQL stopping under write load. Writes in flight when the server goes away, and
//! new ones while it is away, answer 503 problem+json with `Retry-After`, never 500; once
//! it is back, writes succeed again; and every write that was acknowledged (2xx) is in
//! the database exactly once, including writes retried with their `Idempotency-Key`.
//!
//! The test brings its own PostgreSQL cluster (initdb and pg_ctl from
//! /usr/lib/postgresql/*/bin, in a temp dir, on a free port) so it may stop it; it never
//! touches a shared server. It skips, saying why, when those binaries are absent. It is
//! its own test target so `scripts/test` runs it once (in the workspace pass).

// Tests may unwrap: a panic is how a test reports a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../api/support/mod.rs"]
mod support;

use std::cell::Cell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde_json::json;
use support::TestApp;

/// A PostgreSQL cluster of our own, stopped and deleted on drop.
struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    /// initdb and the server refuse to run as root: run them as `postgres` then.
    as_user: Option<&'static str>,
    dir: tempfile::TempDir,
}

impl Cluster {
    /// The newest installed PostgreSQL's bin directory, if any.
    fn binaries() -> Option<PathBuf> {
        let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .filter_map(|e| Some((e.file_name().to_str()?.parse::<u32>().ok()?, e.path().join("bin"))))
            .filter(|(_, bin)| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
            .collect();
        found.sort();
        found.pop().map(|(_, bin)| bin)
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        match self.as_user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(program);
                c
            }
            None => Command::new(program),
        }
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        let out = self.command(program).args(args).output().unwrap_or_else(|e| panic!("run {program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
        );
        out
    }

    /// Creates and starts a cluster, or says why it cannot.
    fn create() -> Result<Self, String> {
        let bin = Self::binaries().ok_or("no PostgreSQL binaries under /usr/lib/postgresql/*/bin")?;
        let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0");
        let dir = tempfile::Builder::new().prefix("tandem-pg-").tempdir().map_err(|e| e.to_string())?;
        if root {
            let chown = Command::new("chown").arg("-R").arg("postgres:").arg(dir.path()).status();
            if !chown.is_ok_and(|s| s.success()) {
                return Err("running as root, and there is no `postgres` user to run PostgreSQL as".into());
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cluster = Self { bin, data: dir.path().join("data"), port, as_user: root.then_some("postgres"), dir };
        let data = cluster.data.to_str().unwrap().to_owned();
        cluster.run(
            "initdb",
            &["-D", &data, "-U", "postgres", "--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C"],
        );
        cluster.start();
        Ok(cluster)
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_owned()
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40",
            self.port,
            self.dir.path().display()
        );
        let data = self.data.to_str().unwrap();
        self.run("pg_ctl", &["-D", data, "-l", &self.path("server.log"), "-o", &options, "-w", "-t", "60", "start"]);
    }

    /// `pg_ctl stop -m fast`: the server ends every session (SQLSTATE 57P01, in-flight
    /// transactions roll back), refuses new ones (57P03), then exits.
    fn stop_fast(&self) {
        self.run("pg_ctl", &["-D", self.data.to_str().unwrap(), "-m", "fast", "-w", "-t", "60", "stop"]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data.to_str().unwrap_or_default().to_owned();
        let _ = self.command("pg_ctl").args(["-D", &data, "-m", "immediate", "-w", "stop"]).output();
    }
}

/// What one writer saw.
#[derive(Default)]
struct Tally {
    /// (marker, id, when) of every acknowledged check-in.
    acked: Vec<(String, String, Instant)>,
    /// 2xx answers that were replays of a write whose first answer was a 503.
    replayed: usize,
    unavailable: usize,
    /// Keys still unanswered when the writer gave up (their write may or may not exist).
    unresolved: usize,
    /// Anything other than 2xx or a proper 503, with the reply.
    unexpected: Vec<String>,
}

/// Writes check-ins one after another until `stop`, each with its own Idempotency-Key,
/// retrying a key after a 503 until it is acknowledged.
async fn writer(app: Rc<TestApp>, path: String, token: String, name: String, stop: Rc<Cell<bool>>) -> Tally {
    let mut tally = Tally::default();
    let mut seq = 0;
    while !stop.get() {
        seq += 1;
        let marker = format!("{name}-{seq}");
        let body = json!({"felt_good": marker, "was_hard": "-", "to_adjust": "-", "stress": 3, "visibility": "shared_with_partner"});
        let mut give_up: Option<Instant> = None;
        loop {
            let reply =
                app.call_with("POST", &path, Some(&token), Some(body.clone()), &[("Idempotency-Key", &marker)]).await;
            match reply.status.as_u16() {
                200..=299 => {
                    if reply.header("idempotent-replayed") == Some("true") {
                        tally.replayed += 1;
                    }
                    let id = reply.body["id"].as_str().unwrap_or_default().to_owned();
                    tally.acked.push((marker.clone(), id, Instant::now()));
                    break;
                }
                503 if reply.header("retry-after").is_some()
                    && reply.header("content-type") == Some("application/problem+json")
                    && reply.body["type"] == "urn:tandem:problem:unavailable" =>
                {
                    tally.unavailable += 1;
                }
                status => {
                    tally.unexpected.push(format!("{status} {:?}: {}", reply.header("retry-after"), reply.raw));
                    break;
                }
            }
            // After the load stops, a pending key gets a few more seconds to go through.
            if stop.get() {
                let deadline = *give_up.get_or_insert_with(|| Instant::now() + Duration::from_secs(8));
                if Instant::now() > deadline {
                    tally.unresolved += 1;
                    break;
                }
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }
    tally
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    actix_web::rt::task::spawn_blocking(f).await.unwrap()
}

#[actix_web::test]
async fn stopping_postgresql_under_write_load_gives_503s_and_loses_no_acknowledged_write() {
    // `RUST_LOG=warn` shows what the app logged during the outage.
    if std::env::var("RUST_LOG").is_ok() {
        tandem_server::telemetry::init(false);
    }
    let cluster = match Cluster::create() {
        Ok(c) => std::sync::Arc::new(c),
        Err(why) => {
            eprintln!("SKIPPED: the PostgreSQL outage test needs its own cluster: {why}");
            return;
        }
    };
    let app = TestApp::spawn_on(&cluster.url(), |c| {
        c.workers = 2;
        c.db_pool_size = 6;
        c.db_timeout_secs = 1;
    })
    .await;
    app.practice("Outage Practice", "clin@outage.test", true);
    let clinician = app.token("clin@outage.test").await;
    let couple = app.couple(&clinician, "Outage couple", "a@outage.test", "b@outage.test").await;
    let partners = [app.accept("a@outage.test").await, app.accept("b@outage.test").await];
    let path = format!("/api/v1/couples/{couple}/check-ins");

    let app = Rc::new(app);
    let stop = Rc::new(Cell::new(false));
    let writers: Vec<_> = (0..6)
        .map(|i| {
            let token = partners[i % 2].clone();
            actix_web::rt::spawn(writer(app.clone(), path.clone(), token, format!("w{i}"), stop.clone()))
        })
        .collect();

    let started = Instant::now();
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    // Writes in flight: hold a lock every check-in insert waits for, so the writers are
    // inside their transactions when the server goes.
    let url = cluster.url();
    let lock = blocking(move || {
        use diesel::connection::SimpleConnection;
        let mut conn = <diesel::PgConnection as diesel::Connection>::establish(&url).unwrap();
        conn.batch_execute("BEGIN; LOCK TABLE check_ins IN EXCLUSIVE MODE").unwrap();
        conn
    })
    .await;
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let c = cluster.clone();
    blocking(move || c.stop_fast()).await;
    let stopped = started.elapsed();
    drop(lock);
    actix_web::rt::time::sleep(Duration::from_secs(3)).await;
    let c = cluster.clone();
    blocking(move || c.start()).await;
    let restarted_at = Instant::now();
    let restarted = started.elapsed();
    actix_web::rt::time::sleep(Duration::from_secs(3)).await;
    stop.set(true);

    let mut all = Tally::default();
    for w in writers {
        let t = w.await.unwrap();
        all.acked.extend(t.acked);
        all.replayed += t.replayed;
        all.unavailable += t.unavailable;
        all.unresolved += t.unresolved;
        all.unexpected.extend(t.unexpected);
    }

    // Every check-in in the database, read back through the API.
    let mut stored: HashMap<String, Vec<String>> = HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = match &cursor {
            Some(c) => format!("{path}?limit=200&cursor={c}"),
            None => format!("{path}?limit=200"),
        };
        let reply = app.get(&page, &clinician).await;
        assert_eq!(reply.status, 200, "{}", reply.raw);
        for item in reply.body["items"].as_array().unwrap() {
            let marker = item["felt_good"].as_str().unwrap().to_owned();
            stored.entry(marker).or_default().push(item["id"].as_str().unwrap().to_owned());
        }
        match reply.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let lost: Vec<_> =
        all.acked.iter().filter(|(marker, id, _)| stored.get(marker).is_none_or(|ids| !ids.contains(id))).collect();
    let doubled: Vec<(&String, &Vec<String>)> = stored.iter().filter(|(_, ids)| ids.len() > 1).collect();
    let acked_after_restart = all.acked.iter().filter(|(_, _, at)| *at > restarted_at).count();
    println!(
        "PostgreSQL outage (stopped at {:.1} s, back at {:.1} s): {} writes acknowledged ({} after the restart, \
         {} replays after a 503), {} answers 503, {} other answers (500s), {} lost, {} stored twice, {} unresolved",
        stopped.as_secs_f64(),
        restarted.as_secs_f64(),
        all.acked.len(),
        acked_after_restart,
        all.replayed,
        all.unavailable,
        all.unexpected.len(),
        lost.len(),
        doubled.len(),
        all.unresolved,
    );
    assert!(all.unexpected.is_empty(), "only 2xx or 503 with Retry-After: {:#?}", all.unexpected);
    assert!(lost.is_empty(), "acknowledged writes missing from the database: {lost:?}");
    assert!(doubled.is_empty(), "writes stored more than once: {doubled:?}");
    assert!(all.unavailable > 0, "the outage was not noticed: did PostgreSQL stop?");
    assert_eq!(all.unresolved, 0, "every write goes through once PostgreSQL is back");
    assert!(acked_after_restart > 0, "writes go through again once PostgreSQL is back");
}
