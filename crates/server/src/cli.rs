//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Tandem: the backend of a couples-therapy practice.
#[derive(Debug, Parser)]
#[command(name = "tandem", version, about)]
pub struct Cli {
    /// A TOML configuration file (default: ./tandem.toml if present). Environment
    /// variables `TANDEM_*` override it.
    #[arg(long, global = true, env = "TANDEM_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API (the default). Applies pending migrations first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Send queued email and schedule reminders, without serving HTTP. Run any number on
    /// PostgreSQL (set `run_worker = false` on the API then); on SQLite use the one
    /// inside `tandem serve`.
    Worker,
    /// Print the OpenAPI document.
    Openapi,
    /// Practice administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Seed a demo practice and print its logins.
    Demo,
    /// Seed a realistic dataset, run `tandem serve` on it and measure the hot endpoints
    /// over HTTP at fixed concurrency; prints the table and appends it to BENCHMARKS.md.
    Bench {
        /// The database to seed and measure (default: `sqlite://{data_dir}/bench.db`; with
        /// `--smoke`, a throw-away SQLite file). Never point it at real data.
        #[arg(long, env = "TANDEM_BENCH_DATABASE_URL")]
        database_url: Option<String>,
        /// Couples to seed (default 10000 on PostgreSQL, 1000 on SQLite).
        #[arg(long)]
        couples: Option<usize>,
        /// Clinicians to seed (default 200 on PostgreSQL, 20 on SQLite: about 50 couples each).
        #[arg(long)]
        clinicians: Option<usize>,
        /// Reports to seed (default 2000000 on PostgreSQL, 200000 on SQLite).
        #[arg(long)]
        reports: Option<usize>,
        /// Concurrent connections (login runs at 4).
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Seconds per endpoint.
        #[arg(long, default_value_t = 10)]
        duration: u64,
        /// Measure a database seeded by an earlier run instead of refusing it.
        #[arg(long)]
        reuse: bool,
        /// Seed and exit.
        #[arg(long)]
        seed_only: bool,
        /// A tiny dataset and one second per endpoint (for CI).
        #[arg(long)]
        smoke: bool,
        /// Time the reminder scheduler tick (twice: a first and a repeat) over the seeded
        /// clients instead of the HTTP load (e.g. `--couples 50000` for 100,000 clients).
        #[arg(long)]
        scheduler: bool,
        /// A note for the table's heading (e.g. what changed).
        #[arg(long, default_value = "")]
        note: String,
        /// Where to append the table.
        #[arg(long, default_value = "BENCHMARKS.md")]
        report: std::path::PathBuf,
    },
    /// Measure email sender throughput against an SMTP server and write BENCHMARKS.md.
    BenchMail {
        /// Messages to send.
        #[arg(long, default_value_t = 1000)]
        count: usize,
        /// The SMTP server (plaintext, e.g. a local aiosmtpd or mail catcher).
        #[arg(long, default_value = "127.0.0.1")]
        smtp_host: String,
        #[arg(long, default_value_t = 2525)]
        smtp_port: u16,
        /// Pooled SMTP connections.
        #[arg(long, default_value_t = 4)]
        pool: u32,
        /// Concurrent workers (one per pooled connection is a good start).
        #[arg(long, default_value_t = 4)]
        workers: usize,
        /// Where to write the report.
        #[arg(long, default_value = "BENCHMARKS.md")]
        report: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a practice and its first admin. The password comes from
    /// TANDEM_BOOTSTRAP_PASSWORD or is asked for on the terminal.
    Bootstrap {
        /// The practice's name.
        #[arg(long)]
        practice: String,
        /// The admin's email (their login).
        #[arg(long)]
        email: String,
        /// The admin's display name.
        #[arg(long, default_value = "Practice admin")]
        name: String,
        /// Also make the admin a clinician (a solo practice).
        #[arg(long)]
        clinician: bool,
    },
}
