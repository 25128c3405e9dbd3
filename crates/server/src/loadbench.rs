//! `tandem bench`: seeds a realistic dataset of a given size, starts the real server as a
//! child process, drives the hot endpoints over real HTTP at fixed concurrency, prints
//! requests/s, p50 and p99 per endpoint with the server's peak RSS, and appends the table
//! to `BENCHMARKS.md`.
//!
//! Seeding writes multi-row `INSERT`s in short transactions (both backends); the summary
//! rows are then computed by the application's own refresh, so the caseload reads what
//! production would. A database seeded before is reused (`--reuse`), so a run can compare
//! builds or indexes on the very same rows.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::{QueryableByName, RunQueryDsl};
use tandem_domain::{Clock, SystemClock};
use tandem_store::{AnyConnection, Backend, PoolOptions, build_pool, ids, write_tx};

type BenchResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// Name of the seeded practices (`… 1`, `… 2`, …); marks a bench database.
pub const PRACTICE_PREFIX: &str = "Tandem bench practice";
/// Every seeded user's password.
pub const PASSWORD: &str = "bench-password-correct-horse";
const STEPS: usize = 4;
const ITEMS_PER_STEP: usize = 2;
const CHECK_INS_PER_COUPLE: usize = 8;
const ROWS_PER_INSERT: usize = 500;
const COUPLES_PER_TX: usize = 100;

/// What to seed and how to drive it.
#[derive(Debug, Clone)]
pub struct Options {
    pub database_url: String,
    pub couples: usize,
    pub clinicians: usize,
    pub reports: usize,
    pub concurrency: usize,
    pub duration: Duration,
    pub reuse: bool,
    pub seed_only: bool,
    /// Time the reminder scheduler tick on the dataset instead of driving the HTTP load.
    pub scheduler: bool,
    pub note: String,
    pub report: PathBuf,
}

/// Seeds (unless reused), runs the load, prints and records the table.
pub async fn run(opts: Options) -> BenchResult {
    let (pool, backend) =
        build_pool(&opts.database_url, &PoolOptions { max_size: 2, connection_timeout: Duration::from_secs(30) })?;
    let mut conn = pool.get()?;
    tandem_store::migrations::run_pending(&mut conn)?;
    let existing = dataset(&mut conn)?;
    let data = if existing.couples > 0 {
        if !opts.reuse {
            return Err(format!(
                "the database already holds {} couples; pass --reuse to measure them, or point --database-url at an empty database",
                existing.couples
            )
            .into());
        }
        if existing.bench_practices == 0 {
            return Err("the database holds couples that `tandem bench` did not seed; refusing to use it".into());
        }
        println!(
            "reusing the seeded dataset: {} couples, {} clinicians, {} reports",
            existing.couples, existing.clinicians, existing.reports
        );
        existing
    } else {
        let started = Instant::now();
        seed(&mut conn, backend, &opts)?;
        let data = dataset(&mut conn)?;
        println!("seeded in {:.1} s", started.elapsed().as_secs_f64());
        data
    };
    drop(conn);
    if opts.seed_only {
        return Ok(());
    }
    if opts.scheduler {
        let table = scheduler(&opts, &pool, backend, &data)?;
        println!("\n{table}");
        append_report(&opts.report, &table)?;
        println!("appended to {}", opts.report.display());
        return Ok(());
    }
    drop(pool);
    let results = drive(&opts, &data).await?;
    let table = render(&opts, backend, &data, &results);
    println!("\n{table}");
    append_report(&opts.report, &table)?;
    println!("appended to {}", opts.report.display());
    // Measured figures stand as they are, failures included; but a run where requests
    // failed says so in its exit status, so CI's smoke run catches a broken endpoint.
    let failed: usize = results.iter().map(|r| r.non_2xx).sum();
    if failed > 0 {
        return Err(format!("{failed} requests answered other than 2xx (see the table)").into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Dataset

#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub bench_practices: i64,
    pub couples: i64,
    pub clinicians: i64,
    pub reports: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(conn: &mut AnyConnection, sql: &str) -> BenchResult<i64> {
    Ok(diesel::sql_query(sql).get_result::<Count>(conn)?.n)
}

fn dataset(conn: &mut AnyConnection) -> BenchResult<Dataset> {
    Ok(Dataset {
        bench_practices: count(
            conn,
            &format!("SELECT COUNT(*) AS n FROM practices WHERE name LIKE '{PRACTICE_PREFIX}%'"),
        )?,
        couples: count(conn, "SELECT COUNT(*) AS n FROM couples")?,
        clinicians: count(conn, "SELECT COUNT(*) AS n FROM users WHERE is_clinician = TRUE")?,
        reports: count(conn, "SELECT COUNT(*) AS n FROM reports")?,
    })
}

/// Deterministic emails of the seeded people.
fn clinician_email(p: usize, i: usize) -> String {
    format!("clinician{i}.p{p}@bench.tandem.localhost")
}
fn partner_email(n: usize, b: bool) -> String {
    format!("partner{}{n}@bench.tandem.localhost", if b { "b" } else { "a" })
}

// ---------------------------------------------------------------------------------------
// Seeding

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
fn ts(t: DateTime<Utc>) -> String {
    format!("'{}'", t.format("%Y-%m-%d %H:%M:%S"))
}
fn qo(s: Option<&str>) -> String {
    s.map_or_else(|| "NULL".to_owned(), q)
}

/// Rows waiting for one multi-row INSERT per table, flushed in foreign-key order.
struct Batch {
    tables: Vec<(&'static str, &'static str, Vec<String>)>,
}

impl Batch {
    fn new() -> Self {
        let t = |name, cols| (name, cols, Vec::new());
        Self {
            tables: vec![
                t(
                    "users",
                    "id, practice_id, email, display_name, kind, is_admin, is_clinician, status, password_hash, time_zone, created_at, updated_at",
                ),
                t(
                    "couples",
                    "id, practice_id, label, status, partner_a_id, partner_b_id, created_by, created_at, updated_at",
                ),
                t("couple_clinicians", "couple_id, user_id, practice_id, assigned_by, assigned_at"),
                t("couple_summaries", "couple_id, practice_id, updated_at"),
                t(
                    "safety_agreements",
                    "id, practice_id, couple_id, version, partner_a_terms, partner_b_terms, review_by, created_by, created_at",
                ),
                t("agreement_acknowledgements", "agreement_id, user_id, practice_id, acknowledged_at"),
                t(
                    "plans",
                    "id, practice_id, couple_id, title, goal, status, current_step_id, version, created_by, created_at, updated_at, activated_at",
                ),
                t(
                    "plan_steps",
                    "id, practice_id, plan_id, position, title, description, target_per_week, min_sessions, target_suds, setback_suds, window_days, status, activated_at, created_at, updated_at",
                ),
                t(
                    "step_exercises",
                    "id, practice_id, plan_id, step_id, position, exercise_id, title, category, instructions, duration_minutes, intensity, check_in_prompts, exit_strategy, tags, created_at",
                ),
                t("consents", "step_id, user_id, practice_id, plan_id, answer, updated_at"),
                t("consent_events", "id, practice_id, couple_id, plan_id, step_id, user_id, answer, created_at"),
                t(
                    "decisions",
                    "id, practice_id, couple_id, plan_id, step_id, kind, rationale, recommendation_kind, recommendation_etag, to_step_id, decided_by, created_at",
                ),
                t(
                    "reports",
                    "id, practice_id, couple_id, plan_id, step_id, item_id, author_id, occurred_at, outcome, distress_before, distress_peak, distress_after, comfort, closeness, boundary_crossed, note, visibility, created_at",
                ),
                t(
                    "check_ins",
                    "id, practice_id, couple_id, author_id, felt_good, was_hard, to_adjust, stress, visibility, created_at",
                ),
            ],
        }
    }

    fn push(&mut self, table: &str, row: String) {
        if let Some(t) = self.tables.iter_mut().find(|t| t.0 == table) {
            t.2.push(row);
        }
    }

    fn flush(&mut self, conn: &mut AnyConnection) -> BenchResult<usize> {
        let mut rows = 0;
        for (name, cols, values) in &mut self.tables {
            for chunk in values.chunks(ROWS_PER_INSERT) {
                let mut sql = String::with_capacity(chunk.len() * 256);
                let _ = write!(sql, "INSERT INTO {name} ({cols}) VALUES ");
                for (i, v) in chunk.iter().enumerate() {
                    if i > 0 {
                        sql.push(',');
                    }
                    sql.push('(');
                    sql.push_str(v);
                    sql.push(')');
                }
                conn.batch_execute(&sql)?;
                rows += chunk.len();
            }
            values.clear();
        }
        Ok(rows)
    }
}

/// A tiny deterministic generator (no global state, same dataset every run).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn seed(conn: &mut AnyConnection, backend: Backend, opts: &Options) -> BenchResult {
    let now = SystemClock.now();
    let couples = opts.couples.max(1);
    let clinicians = opts.clinicians.clamp(1, couples);
    // A practice per 50 clinicians: several tenants, as a real deployment has.
    let practices = clinicians.div_ceil(50);
    println!(
        "seeding {couples} couples, {clinicians} clinicians in {practices} practices, {} reports ({backend:?})",
        opts.reports
    );
    let hash = tandem_api::auth::password::hash(PASSWORD).map_err(|e| e.to_string())?;
    let terms = serde_json::to_string(&tandem_domain::agreements::PartnerTerms {
        willing_to_try: "Holding hands, cuddling with clothes on, massages".into(),
        off_limits: "Anything undressed for now".into(),
        off_limits_tags: vec!["clothing:removed".into()],
        pause_signal: "Saying 'pause'".into(),
        soft_no: "Not right now".into(),
        tentative_yes: "I'd like to try, slowly".into(),
    })?;

    // Practices, their exercise libraries and staff.
    let mut practice_ids = Vec::new();
    let mut library = Vec::new();
    let mut staff: Vec<Vec<String>> = Vec::new();
    write_tx(conn, |c| -> BenchResult {
        let mut batch = Batch::new();
        for p in 0..practices {
            let id = ids::new_id();
            tandem_store::practices::insert(c, &id, &format!("{PRACTICE_PREFIX} {}", p + 1), now)?;
            tandem_store::exercises::ensure_starters(c, &id, now)?;
            let lib = tandem_store::exercises::list(
                c,
                &tandem_store::exercises::Visible::Practice(id.clone()),
                &tandem_store::exercises::ExerciseFilter::default(),
                &tandem_store::PageRequest { after: None, limit: 200 },
            )?
            .items;
            let admin = ids::new_id();
            batch.push(
                "users",
                format!(
                    "{}, {}, {}, 'Practice admin', 'staff', TRUE, FALSE, 'active', {}, 'Europe/Berlin', {t}, {t}",
                    q(&admin),
                    q(&id),
                    q(&format!("admin.p{p}@bench.tandem.localhost")),
                    q(&hash),
                    t = ts(now)
                ),
            );
            let mut mine = Vec::new();
            for i in (p..clinicians).step_by(practices) {
                let uid = ids::new_id();
                batch.push(
                    "users",
                    format!(
                        "{}, {}, {}, {}, 'staff', FALSE, TRUE, 'active', {}, 'Europe/Berlin', {t}, {t}",
                        q(&uid),
                        q(&id),
                        q(&clinician_email(p, i)),
                        q(&format!("Dr. Bench {i}")),
                        q(&hash),
                        t = ts(now)
                    ),
                );
                mine.push(uid);
            }
            practice_ids.push(id);
            library.push(lib);
            staff.push(mine);
        }
        batch.flush(c)?;
        Ok(())
    })?;

    let per_couple = opts.reports / couples;
    let extra = opts.reports % couples;
    let started = Instant::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut done_reports = 0usize;
    let mut last_print = Instant::now();
    let mut n = 0;
    while n < couples {
        let end = (n + COUPLES_PER_TX).min(couples);
        write_tx(conn, |c| -> BenchResult {
            let mut batch = Batch::new();
            for k in n..end {
                let p = k % practices;
                let clinician = &staff[p][(k / practices) % staff[p].len()];
                let reports = per_couple + usize::from(k < extra);
                seed_couple(
                    &mut batch,
                    &mut rng,
                    k,
                    &practice_ids[p],
                    clinician,
                    &library[p],
                    reports,
                    &hash,
                    &terms,
                    now,
                );
                done_reports += reports;
            }
            batch.flush(c)?;
            Ok(())
        })?;
        n = end;
        if last_print.elapsed() > Duration::from_secs(2) || n == couples {
            let secs = started.elapsed().as_secs_f64();
            println!(
                "  {n}/{couples} couples, {done_reports} reports ({:.0} reports/s, {:.0} s)",
                done_reports as f64 / secs.max(0.001),
                secs
            );
            last_print = Instant::now();
        }
    }

    // Summaries, by the application's own refresh.
    let started = Instant::now();
    let all: Vec<tandem_store::couples::CoupleRow> = {
        use diesel::{QueryDsl, SelectableHelper};
        tandem_store::schema::couples::table.select(tandem_store::couples::CoupleRow::as_select()).load(conn)?
    };
    for (i, chunk) in all.chunks(COUPLES_PER_TX).enumerate() {
        write_tx(conn, |c| -> BenchResult {
            for couple in chunk {
                tandem_service::review::refresh_summary(c, couple, now).map_err(|e| e.to_string())?;
            }
            Ok(())
        })?;
        let done = ((i + 1) * COUPLES_PER_TX).min(all.len());
        if done.is_multiple_of(COUPLES_PER_TX * 20) || done == all.len() {
            println!("  summaries {done}/{} ({:.0} s)", all.len(), started.elapsed().as_secs_f64());
        }
    }
    if backend == Backend::Postgres {
        conn.batch_execute("ANALYZE")?;
    }
    Ok(())
}

/// One couple: two partners, the care team, an agreement in effect, an active plan with
/// steps, exercises and consents, decisions for the steps done, reports over the steps and
/// weeks so far, and check-ins.
#[allow(clippy::too_many_arguments, clippy::too_many_lines)]
fn seed_couple(
    b: &mut Batch,
    rng: &mut Rng,
    k: usize,
    practice: &str,
    clinician: &str,
    library: &[tandem_store::exercises::ExerciseRow],
    reports: usize,
    hash: &str,
    terms: &str,
    now: DateTime<Utc>,
) {
    let pq = q(practice);
    let cq = q(clinician);
    let a = ids::new_id();
    let bb = ids::new_id();
    let partners = [a.clone(), bb.clone()];
    // About three attempts a week each; the plan started as long ago as that takes.
    let weeks = (reports as f64 / 6.0).ceil().max(2.0);
    let start = now - chrono::Duration::minutes((weeks * 7.0 * 24.0 * 60.0) as i64);
    for (i, id) in partners.iter().enumerate() {
        b.push(
            "users",
            format!(
                "{}, {pq}, {}, {}, 'client', FALSE, FALSE, 'active', {}, 'Europe/Berlin', {t}, {t}",
                q(id),
                q(&partner_email(k, i == 1)),
                q(&format!("Partner {} {k}", if i == 0 { "A" } else { "B" })),
                q(hash),
                t = ts(start)
            ),
        );
    }
    let couple = ids::new_id();
    let coq = q(&couple);
    b.push(
        "couples",
        format!(
            "{coq}, {pq}, {}, 'active', {}, {}, {cq}, {t}, {t}",
            q(&format!("Couple {k}")),
            q(&a),
            q(&bb),
            t = ts(start)
        ),
    );
    b.push("couple_clinicians", format!("{coq}, {cq}, {pq}, {cq}, {}", ts(start)));
    b.push("couple_summaries", format!("{coq}, {pq}, {}", ts(now)));
    // One couple in ten has its agreement review overdue (needs attention).
    let review_by = if k % 10 == 3 { now - chrono::Duration::days(2) } else { now + chrono::Duration::days(60) };
    let agreement = ids::new_id();
    b.push(
        "safety_agreements",
        format!("{}, {pq}, {coq}, 1, {t}, {t}, {}, {cq}, {}", q(&agreement), ts(review_by), ts(start), t = q(terms)),
    );
    for id in &partners {
        b.push("agreement_acknowledgements", format!("{}, {}, {pq}, {}", q(&agreement), q(id), ts(start)));
    }
    // The plan: the current step is one of the four; those before it are done.
    let current = k % STEPS;
    let plan = ids::new_id();
    let plq = q(&plan);
    let step_ids: Vec<String> = (0..STEPS).map(|_| ids::new_id()).collect();
    let span = (now - start) / i32::try_from(current + 1).unwrap_or(1);
    let activated = |s: usize| start + span * i32::try_from(s).unwrap_or(0);
    b.push("plans", format!(
        "{plq}, {pq}, {coq}, 'Rebuilding comfortable touch', 'Feel at ease holding each other again', 'active', {}, 1, {cq}, {t}, {n}, {t}",
        q(&step_ids[current]), t = ts(start), n = ts(now)
    ));
    let mut items: Vec<String> = Vec::new();
    for (s, sid) in step_ids.iter().enumerate() {
        let (status, at) = match s.cmp(&current) {
            std::cmp::Ordering::Less => ("completed", Some(activated(s))),
            std::cmp::Ordering::Equal => ("active", Some(activated(s))),
            std::cmp::Ordering::Greater => ("not_started", None),
        };
        let title = library.get(s % library.len().max(1)).map_or("Step", |e| e.title.as_str());
        b.push(
            "plan_steps",
            format!(
                "{}, {pq}, {plq}, {s}, {}, {}, 3, 6, 30, 70, 14, '{status}', {}, {t}, {t}",
                q(sid),
                q(title),
                q(&format!("{title} three times a week")),
                at.map_or_else(|| "NULL".into(), ts),
                t = ts(start)
            ),
        );
        for i in 0..ITEMS_PER_STEP {
            let Some(e) = library.get((s * ITEMS_PER_STEP + i) % library.len().max(1)) else { continue };
            let item = ids::new_id();
            b.push(
                "step_exercises",
                format!(
                    "{}, {pq}, {plq}, {}, {i}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}",
                    q(&item),
                    q(sid),
                    q(&e.id),
                    q(&e.title),
                    q(&e.category),
                    q(&e.instructions),
                    e.duration_minutes,
                    e.intensity,
                    q(&e.check_in_prompts),
                    q(&e.exit_strategy),
                    q(&e.tags),
                    ts(start)
                ),
            );
            if i == 0 {
                items.push(item);
            }
        }
        // Consent asked up to the step after the current one.
        if s <= current + 1 {
            for (i, u) in partners.iter().enumerate() {
                let answer = if i == 0 { "yes" } else { "tentative_yes" };
                let at = activated(s.min(current)) - chrono::Duration::days(1);
                b.push("consents", format!("{}, {}, {pq}, {plq}, '{answer}', {}", q(sid), q(u), ts(at)));
                b.push(
                    "consent_events",
                    format!("{}, {pq}, {coq}, {plq}, {}, {}, '{answer}', {}", q(&ids::new_id()), q(sid), q(u), ts(at)),
                );
            }
        }
        if s < current {
            b.push("decisions", format!(
                "{}, {pq}, {coq}, {plq}, {}, 'advance', 'Distress is low and steady; both are ready.', 'advance', '\"seeded\"', {}, {cq}, {}",
                q(&ids::new_id()), q(sid), q(&step_ids[s + 1]), ts(activated(s + 1))
            ));
        }
    }
    // Reports spread evenly from the plan's start to an hour ago, each on the step active then.
    let end = now - chrono::Duration::hours(1);
    let gap = (end - start) / i32::try_from(reports.max(1)).unwrap_or(i32::MAX);
    for r in 0..reports {
        let at = start + gap * i32::try_from(r).unwrap_or(0) + chrono::Duration::minutes(1);
        let s = ((at - start).num_seconds() / span.num_seconds().max(1)).clamp(0, current as i64) as usize;
        let into_step = (at - activated(s)).num_days();
        let author = &partners[r % 2];
        let after = (55 - into_step * 2).clamp(10, 60) + i64::try_from(rng.below(15)).unwrap_or(0);
        let outcome = match rng.below(100) {
            0..=2 => "skipped",
            3..=12 => "partial",
            _ => "completed",
        };
        let note = (rng.below(5) == 0).then_some("Felt calmer than last time; we paused once and went on.");
        let visibility = if rng.below(10) < 7 { "clinician_only" } else { "shared_with_partner" };
        b.push("reports", format!(
            "{}, {pq}, {coq}, {plq}, {}, {}, {}, {}, '{outcome}', {}, {}, {after}, {}, {}, FALSE, {}, '{visibility}', {}",
            q(&ids::new_id()), q(&step_ids[s]), qo(items.get(s).map(String::as_str)), q(author), ts(at),
            after + 10, after + 15, 5 + rng.below(5), 4 + rng.below(6), qo(note), ts((at + chrono::Duration::minutes(30)).min(now))
        ));
    }
    for i in 0..CHECK_INS_PER_COUPLE {
        let at = now - chrono::Duration::days(i64::try_from(i * 3 + k % 3).unwrap_or(0)) - chrono::Duration::hours(2);
        b.push("check_ins", format!(
            "{}, {pq}, {coq}, {}, 'A walk together', 'Busy week', 'More time on weekends', {}, 'shared_with_partner', {}",
            q(&ids::new_id()), q(&partners[i % 2]), rng.below(8), ts(at)
        ));
    }
}

// ---------------------------------------------------------------------------------------
// Load

#[derive(Debug, Clone)]
pub struct EndpointResult {
    pub name: String,
    pub concurrency: usize,
    pub requests: usize,
    pub non_2xx: usize,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Peak resident set of the server process (Linux), in MiB.
    fn peak_rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }
}

fn start_server(opts: &Options, data_dir: &Path) -> BenchResult<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new(std::env::current_exe()?)
        .arg("serve")
        .env("TANDEM_DATABASE_URL", &opts.database_url)
        .env("TANDEM_BIND", format!("127.0.0.1:{port}"))
        .env("TANDEM_DATA_DIR", data_dir)
        .env("TANDEM_AUTH_ATTEMPTS_PER_MINUTE", "1000000")
        .env("TANDEM_RUN_WORKER", "false")
        // As deploy/Dockerfile ships it: glibc's per-thread arenas otherwise keep ~30 MiB
        // of freed memory under this load (an explicit value in the environment wins).
        .env("MALLOC_ARENA_MAX", malloc_arena_max())
        .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
        .stdout(Stdio::null())
        .spawn()?;
    Ok(Server { child, base: format!("http://127.0.0.1:{port}") })
}

/// `MALLOC_ARENA_MAX` for the server: the environment's, else 2 as the image sets.
fn malloc_arena_max() -> String {
    std::env::var("MALLOC_ARENA_MAX").unwrap_or_else(|_| "2".into())
}

type Client = awc::Client;

fn client() -> Client {
    awc::Client::builder().timeout(Duration::from_secs(30)).connector(awc::Connector::new().limit(256)).finish()
}

async fn get_json(c: &Client, url: &str, token: &str) -> BenchResult<serde_json::Value> {
    let mut res = c.get(url).bearer_auth(token).send().await.map_err(|e| e.to_string())?;
    if !res.status().is_success() {
        return Err(format!("GET {url}: {}", res.status()).into());
    }
    Ok(res.json::<serde_json::Value>().limit(16 << 20).await.map_err(|e| e.to_string())?)
}

async fn login(c: &Client, base: &str, email: &str) -> BenchResult<String> {
    let mut res = c
        .post(format!("{base}/api/v1/auth/login"))
        .send_json(&serde_json::json!({ "email": email, "password": PASSWORD }))
        .await
        .map_err(|e| e.to_string())?;
    if !res.status().is_success() {
        return Err(format!("login {email}: {}", res.status()).into());
    }
    let body: serde_json::Value = res.json().await.map_err(|e| e.to_string())?;
    body["access_token"].as_str().map(str::to_owned).ok_or_else(|| "login: no access_token".into())
}

/// A logged-in clinician and the couples of their caseload.
struct Clinician {
    token: String,
    couples: Vec<String>,
}

/// A logged-in partner, their plan and current step.
struct Partner {
    token: String,
    plan: String,
    step: String,
}

#[derive(Clone, Copy)]
enum Hit {
    Couples,
    NeedsAttention,
    Progress,
    Reports,
    Agenda,
    PostReport,
    Login,
}

impl Hit {
    fn name(self) -> &'static str {
        match self {
            Self::Couples => "GET /couples",
            Self::NeedsAttention => "GET /couples?needs_attention=true",
            Self::Progress => "GET /couples/{id}/progress",
            Self::Reports => "GET /couples/{id}/reports?limit=50",
            Self::Agenda => "GET /me/agenda",
            Self::PostReport => "POST /plans/{id}/steps/{id}/reports",
            Self::Login => "POST /auth/login",
        }
    }
}

async fn drive(opts: &Options, data: &Dataset) -> BenchResult<Vec<EndpointResult>> {
    let dir = std::env::temp_dir().join(format!("tandem-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let server = start_server(opts, &dir)?;
    let c = client();
    let ready = Instant::now();
    loop {
        if let Ok(r) = c.get(format!("{}/livez", server.base)).send().await
            && r.status().is_success()
        {
            break;
        }
        if ready.elapsed() > Duration::from_secs(60) {
            return Err("the server did not start within 60 s".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let base = server.base.clone();
    let rss_idle = server.peak_rss_mib();

    // Realistic users: a clinician per connection, a couple's partner per connection.
    let conc = opts.concurrency.max(1);
    let practices = usize::try_from(data.clinicians).unwrap_or(1).div_ceil(50).max(1);
    let clinicians_n = usize::try_from(data.clinicians).unwrap_or(1).max(1);
    let couples_n = usize::try_from(data.couples).unwrap_or(1).max(1);
    let mut clinicians = Vec::new();
    for i in 0..conc.min(clinicians_n) {
        // Spread over the practices and the clinicians' numbers.
        let n = (i * clinicians_n / conc.min(clinicians_n)) % clinicians_n;
        let token = login(&c, &base, &clinician_email(n % practices, n)).await?;
        let page = get_json(&c, &format!("{base}/api/v1/couples?limit=50"), &token).await?;
        let couples: Vec<String> = page["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["id"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        if !couples.is_empty() {
            clinicians.push(Clinician { token, couples });
        }
    }
    let mut partners = Vec::new();
    for i in 0..conc.min(couples_n) {
        let n = i * couples_n / conc.min(couples_n);
        let token = login(&c, &base, &partner_email(n, false)).await?;
        let agenda = get_json(&c, &format!("{base}/api/v1/me/agenda"), &token).await?;
        if let (Some(plan), Some(step)) = (agenda["plan"]["id"].as_str(), agenda["current_step"]["id"].as_str()) {
            partners.push(Partner { token, plan: plan.to_owned(), step: step.to_owned() });
        }
    }
    if clinicians.is_empty() || partners.is_empty() {
        return Err("no clinician with couples or no partner with an active step: is the dataset seeded?".into());
    }
    let login_emails: Vec<String> = (0..conc.min(couples_n)).map(|i| partner_email(i * 7 % couples_n, true)).collect();
    println!(
        "server {base}: {} clinicians and {} partners logged in; {} s per endpoint at c={conc}",
        clinicians.len(),
        partners.len(),
        opts.duration.as_secs_f64()
    );

    let plan = [
        (Hit::Couples, conc),
        (Hit::NeedsAttention, conc),
        (Hit::Progress, conc),
        (Hit::Reports, conc),
        (Hit::Agenda, conc),
        (Hit::PostReport, conc),
        (Hit::Login, 4.min(conc)),
    ];
    let mut out = Vec::new();
    let shared = std::rc::Rc::new((clinicians, partners, login_emails, base));
    for (hit, concurrency) in plan {
        let r = load(&c, &shared, hit, concurrency, opts.duration).await;
        println!(
            "  {:<40} {:>8.0} req/s  p50 {:>7.1} ms  p99 {:>7.1} ms  non-2xx {}",
            r.name,
            r.requests as f64 / r.seconds,
            r.p50_ms,
            r.p99_ms,
            r.non_2xx
        );
        out.push(r);
    }
    let peak = server.peak_rss_mib();
    out.push(EndpointResult {
        name: format!(
            "server peak RSS: {} MiB (after start {} MiB)",
            peak.map_or("?".into(), |m| format!("{m:.0}")),
            rss_idle.map_or("?".into(), |m| format!("{m:.0}"))
        ),
        concurrency: 0,
        requests: 0,
        non_2xx: 0,
        seconds: 0.0,
        p50_ms: 0.0,
        p99_ms: 0.0,
    });
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out)
}

type Shared = std::rc::Rc<(Vec<Clinician>, Vec<Partner>, Vec<String>, String)>;

async fn one(c: &Client, s: &Shared, hit: Hit, worker: usize, i: usize) -> Result<bool, String> {
    let (clinicians, partners, emails, base) = &**s;
    let cl = &clinicians[worker % clinicians.len()];
    let couple = &cl.couples[i % cl.couples.len()];
    let pa = &partners[worker % partners.len()];
    let req = match hit {
        Hit::Couples => c.get(format!("{base}/api/v1/couples")).bearer_auth(&cl.token).send().await,
        Hit::NeedsAttention => {
            c.get(format!("{base}/api/v1/couples?needs_attention=true")).bearer_auth(&cl.token).send().await
        }
        Hit::Progress => c.get(format!("{base}/api/v1/couples/{couple}/progress")).bearer_auth(&cl.token).send().await,
        Hit::Reports => {
            c.get(format!("{base}/api/v1/couples/{couple}/reports?limit=50")).bearer_auth(&cl.token).send().await
        }
        Hit::Agenda => c.get(format!("{base}/api/v1/me/agenda")).bearer_auth(&pa.token).send().await,
        Hit::PostReport => {
            c.post(format!("{base}/api/v1/plans/{}/steps/{}/reports", pa.plan, pa.step))
                .bearer_auth(&pa.token)
                .send_json(&serde_json::json!({
                    "occurred_at": Utc::now().to_rfc3339(),
                    "outcome": "completed",
                    "distress_before": 30, "distress_peak": 40, "distress_after": 20,
                    "comfort": 7, "closeness": 7, "boundary_crossed": false,
                    "note": "Bench attempt", "visibility": "clinician_only"
                }))
                .await
        }
        Hit::Login => {
            c.post(format!("{base}/api/v1/auth/login"))
                .send_json(&serde_json::json!({ "email": emails[i % emails.len()], "password": PASSWORD }))
                .await
        }
    };
    let mut res = req.map_err(|e| e.to_string())?;
    let ok = res.status().is_success();
    let _ = res.body().limit(64 << 20).await;
    Ok(ok)
}

async fn load(c: &Client, s: &Shared, hit: Hit, concurrency: usize, duration: Duration) -> EndpointResult {
    let started = Instant::now();
    let deadline = started + duration;
    let workers = (0..concurrency).map(|w| {
        let c = c.clone();
        let s = s.clone();
        async move {
            let mut lat = Vec::new();
            let mut bad = 0usize;
            let mut i = w;
            while Instant::now() < deadline {
                let t = Instant::now();
                match one(&c, &s, hit, w, i).await {
                    Ok(true) => {}
                    Ok(false) | Err(_) => bad += 1,
                }
                lat.push(t.elapsed().as_micros() as u64);
                i += concurrency;
            }
            (lat, bad)
        }
    });
    let done = futures_util::future::join_all(workers).await;
    let seconds = started.elapsed().as_secs_f64();
    let mut lat: Vec<u64> = Vec::new();
    let mut bad = 0;
    for (l, b) in done {
        lat.extend(l);
        bad += b;
    }
    lat.sort_unstable();
    let pct = |p: f64| {
        if lat.is_empty() {
            0.0
        } else {
            let idx = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
            lat[idx] as f64 / 1000.0
        }
    };
    EndpointResult {
        name: hit.name().into(),
        concurrency,
        requests: lat.len(),
        non_2xx: bad,
        seconds,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
    }
}

// ---------------------------------------------------------------------------------------
// Scheduler

/// Times `tandem_notification::outbox::tick` over every active client of the dataset: a first tick
/// (which enqueues the reminders due) and a repeat at the same instant (which finds them
/// queued already). The reminders it enqueued are deleted afterwards, so the dataset can be
/// measured again.
fn scheduler(opts: &Options, pool: &tandem_store::Pool, backend: Backend, data: &Dataset) -> BenchResult<String> {
    let mut conn = pool.get()?;
    let clients = count(&mut conn, "SELECT COUNT(*) AS n FROM users WHERE kind = 'client' AND status = 'active'")?;
    // Ids are UUIDv7 (time-ordered): every row the ticks add sorts after this one.
    let marker = ids::new_id();
    std::thread::sleep(Duration::from_millis(5));
    drop(conn);
    // A whole day of look-back, so that every client's daily reminder is due at once: the
    // most a tick can have to write.
    let now = SystemClock.now();
    let lookback = chrono::Duration::hours(24);
    let mut runs = Vec::new();
    for label in ["first tick", "repeat tick"] {
        let started = Instant::now();
        let added = tandem_notification::outbox::tick(pool, now, lookback).map_err(|e| e.to_string())?;
        let secs = started.elapsed().as_secs_f64();
        println!("{label}: {added} reminders enqueued in {secs:.2} s");
        runs.push((label, added, secs));
    }
    let mut conn = pool.get()?;
    diesel::sql_query(format!("DELETE FROM outbox WHERE id > {}", q(&marker))).execute(&mut conn)?;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "### {} · {backend:?} · scheduler tick · {clients} active clients ({} couples){}",
        Utc::now().format("%Y-%m-%d %H:%M UTC"),
        data.couples,
        if opts.note.is_empty() { String::new() } else { format!(" · {}", opts.note) }
    );
    let _ = writeln!(
        t,
        "\nMachine: {} (shared). `tandem_notification::outbox::tick` called in the bench process, 24 h look-back (every daily reminder due).\n",
        machine()
    );
    t.push_str("| run | reminders enqueued | time |\n|---|---|---|\n");
    for (label, added, secs) in runs {
        let _ = writeln!(t, "| {label} | {added} | {secs:.2} s |");
    }
    Ok(t)
}

// ---------------------------------------------------------------------------------------
// Report

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or_else(|| "?".into(), |kib| format!("{:.0} GiB", kib / 1024.0 / 1024.0));
    format!("{cores} cores, {mem}")
}

fn render(opts: &Options, backend: Backend, data: &Dataset, results: &[EndpointResult]) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "### {} · {backend:?} · {} couples, {} clinicians, {} reports{}",
        Utc::now().format("%Y-%m-%d %H:%M UTC"),
        data.couples,
        data.clinicians,
        data.reports,
        if opts.note.is_empty() { String::new() } else { format!(" · {}", opts.note) }
    );
    let _ = writeln!(
        t,
        "\nMachine: {} (shared). {} s per endpoint, server `tandem serve` as a child (worker off, default pool and HTTP workers, MALLOC_ARENA_MAX={}), client in the bench process.\n",
        machine(),
        opts.duration.as_secs_f64(),
        malloc_arena_max()
    );
    t.push_str("| endpoint | c | requests | requests/s | p50 | p99 | non-2xx |\n|---|---|---|---|---|---|---|\n");
    for r in results {
        if r.concurrency == 0 {
            continue;
        }
        let _ = writeln!(
            t,
            "| `{}` | {} | {} | {:.0} | {:.1} ms | {:.1} ms | {} |",
            r.name,
            r.concurrency,
            r.requests,
            r.requests as f64 / r.seconds.max(0.001),
            r.p50_ms,
            r.p99_ms,
            r.non_2xx
        );
    }
    for r in results.iter().filter(|r| r.concurrency == 0) {
        let _ = writeln!(t, "\n{}.", r.name);
    }
    t
}

fn append_report(path: &Path, table: &str) -> BenchResult {
    let mut text = std::fs::read_to_string(path).unwrap_or_default();
    if !text.contains("## API load") {
        text.push_str(
            "\n## API load (`tandem bench`)\n\n`tandem bench` seeds a realistic dataset, starts `tandem serve` and drives the hot endpoints over HTTP at fixed concurrency (p50/p99 over every request of the run).\n",
        );
    }
    text.push('\n');
    text.push_str(table);
    std::fs::write(path, text)?;
    Ok(())
}
