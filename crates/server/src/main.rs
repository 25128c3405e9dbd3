//! `tandem`: serve the API, migrate, print the spec, bootstrap a practice, seed a demo.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use tandem_domain::{Clock, SystemClock};
use tandem_server::cli::{AdminCommand, Cli, Command};
use tandem_server::setup::{self, StaffSeed};
use tandem_server::{Config, startup, telemetry};
use tandem_store::{PoolOptions, build_pool};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tandem: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format.as_deref().map_or(config.production, |f| f == "json"));
    config.warn_ignored();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&config),
        Command::Migrate => migrate(&config),
        Command::Worker => worker(&config),
        Command::Openapi => print_openapi(),
        Command::Admin { command: AdminCommand::Bootstrap { practice, email, name, clinician } } => {
            bootstrap(&config, &practice, &email, &name, clinician)
        }
        Command::Demo => demo(&config),
        Command::Bench {
            database_url,
            couples,
            clinicians,
            reports,
            concurrency,
            duration,
            reuse,
            seed_only,
            smoke,
            scheduler,
            note,
            report,
        } => bench(
            &config,
            database_url,
            [couples, clinicians, reports],
            concurrency,
            duration,
            [reuse, seed_only, smoke, scheduler],
            note,
            report,
        ),
        Command::BenchMail { count, smtp_host, smtp_port, pool, workers, report } => actix_web::rt::System::new()
            .block_on(tandem_server::bench::mail(count, &smtp_host, smtp_port, pool, workers, &report)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tandem: {e}");
            ExitCode::FAILURE
        }
    }
}

type CliResult = Result<(), Box<dyn std::error::Error>>;

/// How long a stopping process waits for its worker's sends under way.
const SHUTDOWN_LIMIT: std::time::Duration = std::time::Duration::from_secs(20);

fn serve(config: &Config) -> CliResult {
    config.warn_unreachable_links();
    actix_web::rt::System::new().block_on(async {
        let running = startup::start(config, Arc::new(SystemClock))?;
        let base = format!("http://{}:{}", config.bind.rsplit_once(':').map_or("127.0.0.1", |(h, _)| h), running.port);
        println!("Tandem is running on {base}");
        println!("  API:      {base}/api/v1");
        println!("  API docs: {base}/docs");
        println!("  Database: {}", redact(&config.database_url()));
        match running.state.mailer.mail_dir() {
            Some(dir) => println!("  Mail:     written to {}", dir.display()),
            None => println!("  Mail:     sent by SMTP"),
        }
        if let Some(hint) = config.auth_limit_hint() {
            println!("  Sign-in:  {hint}");
        }
        let links = &running.state.config.links;
        println!("  Links:    emails open the front-end at {}, unsubscribe at {}", links.app(), links.unsubscribe("…"));
        running.server.await?;
        // In-flight requests have finished; the worker finishes its sends under way,
        // releases the rest of its claims, the audit queue is flushed and the database
        // connections are closed.
        running.shutdown.run(running.state, SHUTDOWN_LIMIT).await;
        Ok(())
    })
}

fn worker(config: &Config) -> CliResult {
    config.warn_unreachable_links();
    actix_web::rt::System::new().block_on(async {
        startup::migrate(config)?;
        let (state, mut shutdown) = startup::build_state(config, Arc::new(SystemClock))?;
        shutdown.spawn_background(config, &state);
        println!("Tandem worker is sending mail and scheduling reminders (Ctrl-C to stop).");
        shutdown_signal().await;
        // Sends under way finish; claimed mail not yet started goes back to the queue at
        // once, for the other workers (not when the lease runs out).
        shutdown.run(state, SHUTDOWN_LIMIT).await;
        Ok(())
    })
}

/// Waits for Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[allow(clippy::too_many_arguments)]
fn bench(
    config: &Config,
    database_url: Option<String>,
    [couples, clinicians, reports]: [Option<usize>; 3],
    concurrency: usize,
    duration: u64,
    [reuse, seed_only, smoke, scheduler]: [bool; 4],
    note: String,
    report: std::path::PathBuf,
) -> CliResult {
    let database_url = match (database_url, smoke) {
        (Some(url), _) => url,
        (None, true) => {
            let dir = std::env::temp_dir().join(format!("tandem-bench-smoke-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            format!("sqlite://{}", dir.join("bench.db").display())
        }
        (None, false) => format!("sqlite://{}", config.data_dir.join("bench.db").display()),
    };
    let postgres = database_url.starts_with("postgres");
    let pick = |given: Option<usize>, smoke_n, pg, lite| {
        given.unwrap_or(if smoke {
            smoke_n
        } else if postgres {
            pg
        } else {
            lite
        })
    };
    let opts = tandem_server::loadbench::Options {
        couples: pick(couples, 40, 10_000, 1_000),
        clinicians: pick(clinicians, 4, 200, 20),
        reports: pick(reports, 4_000, 2_000_000, 200_000),
        concurrency,
        duration: std::time::Duration::from_secs(if smoke { 1 } else { duration.max(1) }),
        reuse,
        seed_only,
        scheduler,
        note,
        report,
        database_url,
    };
    actix_web::rt::System::new().block_on(tandem_server::loadbench::run(opts))
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…{}", &url[..s], &url[at..]),
        _ => url.to_owned(),
    }
}

fn migrate(config: &Config) -> CliResult {
    let applied = startup::migrate(config)?;
    if applied.is_empty() {
        println!("The database is up to date.");
    } else {
        for version in applied {
            println!("applied {version}");
        }
    }
    Ok(())
}

fn print_openapi() -> CliResult {
    println!("{}", serde_json::to_string_pretty(&tandem_api::openapi())?);
    Ok(())
}

fn bootstrap(config: &Config, practice: &str, email: &str, name: &str, clinician: bool) -> CliResult {
    let password = match std::env::var("TANDEM_BOOTSTRAP_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            let first = rpassword::prompt_password("Password for the admin (at least 12 characters): ")?;
            let second = rpassword::prompt_password("Repeat the password: ")?;
            if first != second {
                return Err("the passwords do not match".into());
            }
            first
        }
    };
    startup::migrate(config)?;
    let (pool, _) = build_pool(&config.database_url(), &PoolOptions::default())?;
    let seed = StaffSeed { email, display_name: name, password: &password, admin: true, clinician };
    let practice_id = setup::bootstrap(&pool, practice, &seed, SystemClock.now())?;
    println!("Created practice {practice:?} ({practice_id}) with admin {email}.");
    println!("Start the server with `tandem serve` and sign in at POST /api/v1/auth/login.");
    Ok(())
}

fn demo(config: &Config) -> CliResult {
    startup::migrate(config)?;
    let (pool, _) = build_pool(&config.database_url(), &PoolOptions::default())?;
    let created = setup::demo(&pool, SystemClock.now())?;
    println!(
        "{} {:?}. Logins (password {:?}):",
        if created { "Seeded" } else { "Already seeded:" },
        setup::DEMO_PRACTICE,
        setup::DEMO_PASSWORD
    );
    for login in setup::DEMO_LOGINS {
        println!("  {:<18} {}", login.role, login.email);
    }
    println!("Run `tandem serve` and open {}/docs", config.api_url());
    Ok(())
}
