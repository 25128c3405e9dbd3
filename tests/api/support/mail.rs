//! The mail an app sends: written as files (the default transport), or received by a
//! real SMTP server.

use std::time::Duration;

use tempfile::TempDir;

use super::TestApp;

impl TestApp {
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
