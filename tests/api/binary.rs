//! The `tandem` binary's start-up checks: what it refuses, and what it only warns about.

use std::process::{Command, Output};

use crate::support::{TEST_SECRET, b64};

/// Runs `tandem openapi` (which loads and checks the configuration and then prints the
/// spec) in an empty directory, with only the given `TANDEM_*` variables.
fn tandem(env: &[(&str, &str)], args: &[&str]) -> (Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tandem"));
    cmd.current_dir(dir.path()).args(args).arg("openapi").env_clear().env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("tandem runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out, text)
}

#[test]
fn production_refuses_the_development_secret_under_another_kid() {
    let dev = b64(tandem_api::auth::keys::DEVELOPMENT_SECRET);
    let keys = format!("k1:{},k2:{dev}", b64(&TEST_SECRET));
    let (out, text) = tandem(&[("TANDEM_PRODUCTION", "true"), ("TANDEM_SIGNING_KEYS", &keys)], &[]);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("refusing to start"), "{text}");
    assert!(text.contains("signing key \"k2\" is the development key"), "{text}");
    // The same set without it starts.
    let keys = format!("k1:{}", b64(&TEST_SECRET));
    let (out, text) = tandem(&[("TANDEM_PRODUCTION", "true"), ("TANDEM_SIGNING_KEYS", &keys)], &[]);
    assert!(out.status.success(), "{text}");
}

#[test]
fn short_signing_keys_are_refused() {
    let keys = format!("k1:{}", b64(&[7u8; 16]));
    for production in ["true", "false"] {
        let (out, text) = tandem(&[("TANDEM_PRODUCTION", production), ("TANDEM_SIGNING_KEYS", &keys)], &[]);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(text.contains("\"k1\" is 16 bytes; use at least 32 random bytes"), "{text}");
    }
}

#[test]
fn unknown_tandem_variables_are_ignored_with_a_warning() {
    let (out, text) = tandem(&[("TANDEM_BIN", "/usr/local/bin/tandem"), ("TANDEM_SMTP__HOTS", "typo")], &[]);
    assert!(out.status.success(), "{text}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("WARN") && stderr.contains("TANDEM_BIN"), "{stderr}");
    assert!(stderr.contains("TANDEM_SMTP__HOTS"), "{stderr}");
    // The spec on stdout stays clean.
    let spec: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is the spec alone");
    assert!(spec["openapi"].is_string());
    // Known variables still count.
    let (out, text) = tandem(&[("TANDEM_BIN", "x"), ("TANDEM_SIGNING_KEYS", "k1:short")], &[]);
    assert_eq!(out.status.code(), Some(2), "{text}");
}

#[test]
fn unknown_keys_in_a_config_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tandem.toml");
    std::fs::write(&file, "bind = \"127.0.0.1:9000\"\nsigning_key = \"typo\"\n").unwrap();
    let (out, text) = tandem(&[], &["--config", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("signing_key"), "{text}");
}

/// The banner `tandem serve` prints, up to its last line (the links in emails).
fn serve_banner(env: &[(&str, &str)]) -> String {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .current_dir(dir.path())
        .arg("serve")
        .env_clear()
        .env("RUST_LOG", "warn")
        .env("TANDEM_BIND", "127.0.0.1:0")
        .env("TANDEM_DATA_DIR", dir.path())
        .env("TANDEM_SIGNING_KEYS", format!("k1:{}", b64(&TEST_SECRET)))
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("tandem serve starts");
    let mut banner = String::new();
    for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if line.trim_start().starts_with("Links:") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    banner
}

#[test]
fn a_development_server_says_how_to_raise_the_sign_in_limit() {
    let banner = serve_banner(&[]);
    assert!(banner.contains("Tandem is running on http://127.0.0.1:"), "{banner}");
    assert!(banner.contains("Sign-in:  10 attempts a minute"), "{banner}");
    assert!(banner.contains("TANDEM_AUTH_ATTEMPTS_PER_MINUTE="), "{banner}");
    // With the links' addresses, the port actually bound rather than port 0.
    assert!(!banner.contains(":0/"), "{banner}");
    // Production keeps the limit quietly.
    let banner = serve_banner(&[("TANDEM_PRODUCTION", "true")]);
    assert!(banner.contains("Tandem is running on"), "{banner}");
    assert!(!banner.contains("TANDEM_AUTH_ATTEMPTS_PER_MINUTE"), "{banner}");
}

/// A first run needs no setup: `tandem migrate` (as `serve` and `demo`) makes the data
/// directory for the default SQLite file when it does not exist yet.
#[test]
fn a_first_run_makes_its_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh").join("data");
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .current_dir(dir.path())
        .arg("migrate")
        .env_clear()
        .env("RUST_LOG", "warn")
        .env("TANDEM_DATA_DIR", &data)
        .output()
        .expect("tandem runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    assert!(data.join("tandem.db").is_file(), "{text}");
}
