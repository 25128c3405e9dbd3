//! Email templates, text and HTML for every kind, embedded at compile time.

use minijinja::{Environment, context};

pub use tandem_domain::vocabulary::EmailKind;

/// The subject line: discreet, never naming an exercise, a partner or a clinical fact.
const fn subject(kind: EmailKind) -> &'static str {
    match kind {
        EmailKind::Invitation => "Your account is ready to set up",
        EmailKind::PasswordReset => "Your password reset link",
        EmailKind::ClinicianAlert => "An item is waiting for your review",
        EmailKind::ExerciseReminder
        | EmailKind::DailyCheckIn
        | EmailKind::AgreementReview
        | EmailKind::InactivityNudge => "Something is waiting for you in the app",
        EmailKind::MeasureReminder => "A short questionnaire is waiting",
        EmailKind::ReconnectWindow => "A time you set aside is coming up",
    }
}

/// A rendered email, ready for a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// A deterministic Message-ID, so a resend after a crash is recognisably the same mail.
    pub message_id: Option<String>,
    /// For reminders: the one-click unsubscribe URL (RFC 8058).
    pub unsubscribe: Option<String>,
}

/// Templates render with only these variables; nothing clinical can reach them.
pub const ALLOWED_VARIABLES: [&str; 3] = ["link", "expires_in", "unsubscribe"];

/// The template environment, parsed once for the life of the process.
fn environment() -> &'static Environment<'static> {
    static ENV: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    ENV.get_or_init(build_environment)
}

fn build_environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let templates: [(&str, &str); 18] = [
        ("exercise_reminder.txt", include_str!("../templates/reminder.txt")),
        ("exercise_reminder.html", include_str!("../templates/reminder.html")),
        ("daily_check_in.txt", include_str!("../templates/reminder.txt")),
        ("daily_check_in.html", include_str!("../templates/reminder.html")),
        ("agreement_review.txt", include_str!("../templates/reminder.txt")),
        ("agreement_review.html", include_str!("../templates/reminder.html")),
        ("inactivity_nudge.txt", include_str!("../templates/reminder.txt")),
        ("inactivity_nudge.html", include_str!("../templates/reminder.html")),
        ("clinician_alert.txt", include_str!("../templates/clinician_alert.txt")),
        ("clinician_alert.html", include_str!("../templates/clinician_alert.html")),
        ("invitation.txt", include_str!("../templates/invitation.txt")),
        ("invitation.html", include_str!("../templates/invitation.html")),
        ("password_reset.txt", include_str!("../templates/password_reset.txt")),
        ("password_reset.html", include_str!("../templates/password_reset.html")),
        ("measure_reminder.txt", include_str!("../templates/measure_reminder.txt")),
        ("measure_reminder.html", include_str!("../templates/measure_reminder.html")),
        ("reconnect_window.txt", include_str!("../templates/reconnect_window.txt")),
        ("reconnect_window.html", include_str!("../templates/reconnect_window.html")),
    ];
    for (name, source) in templates {
        // The sources are compiled into the binary and covered by the tests below, so a
        // syntax error cannot reach production.
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "email template does not parse");
        }
    }
    env
}

/// Renders an email of `kind` to `to`, with `link` (absolute, under the public URL) and a
/// human description of how long it stays valid.
pub fn render(kind: EmailKind, to: &str, link: &str, expires_in: &str) -> Result<Email, minijinja::Error> {
    render_with(kind, to, link, expires_in, None)
}

/// Renders with an unsubscribe link (reminders).
pub fn render_with(
    kind: EmailKind,
    to: &str,
    link: &str,
    expires_in: &str,
    unsubscribe: Option<&str>,
) -> Result<Email, minijinja::Error> {
    let env = environment();
    let ctx = context! { link => link, expires_in => expires_in, unsubscribe => unsubscribe.unwrap_or("") };
    let text = env.get_template(&format!("{}.txt", kind.as_str()))?.render(&ctx)?;
    let html = env.get_template(&format!("{}.html", kind.as_str()))?.render(&ctx)?;
    Ok(Email {
        to: to.to_owned(),
        subject: subject(kind).to_owned(),
        text,
        html,
        message_id: None,
        unsubscribe: unsubscribe.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words that would reveal what the app is for to anyone glancing at an inbox.
    const DENYLIST: [&str; 16] = [
        "sex", "sexual", "intima", "therap", "couple", "partner", "distress", "exposure", "touch", "clinic", "counsel",
        "consent", "incident", "boundary", "plan", "exercise",
    ];

    #[test]
    fn every_template_renders_discreetly() -> Result<(), minijinja::Error> {
        for &kind in EmailKind::ALL {
            let email = render_with(
                kind,
                "a@example.org",
                "https://app.example.org/x?token=abc",
                "7 days",
                Some("https://app.example.org/unsubscribe/t"),
            )?;
            assert!(email.text.contains("https://app.example.org/x?token=abc"), "{kind:?} text has the link");
            let unescaped = email.html.replace("&#x2f;", "/").replace("&amp;", "&");
            assert!(unescaped.contains("href=\"https://app.example.org/x?token=abc\""), "{kind:?} html has the link");
            for part in [&email.subject, &email.text, &email.html] {
                let lower = part.to_lowercase();
                for word in DENYLIST {
                    assert!(!lower.contains(word), "{kind:?} mentions {word:?}: {part}");
                }
            }
        }
        Ok(())
    }

    #[test]
    fn the_questionnaire_reminder_names_no_measure() -> Result<(), minijinja::Error> {
        let email = render_with(EmailKind::MeasureReminder, "a@example.org", "https://x/", "", Some("https://x/u"))?;
        assert!(email.subject.contains("short questionnaire is waiting"), "{}", email.subject);
        for part in [&email.subject, &email.text, &email.html] {
            let lower = part.to_lowercase();
            for word in ["phq", "gad", "csi", "depress", "anxi", "suicid", "harm", "mood", "satisf", "score"] {
                assert!(!lower.contains(word), "mentions {word:?}: {part}");
            }
        }
        Ok(())
    }

    #[test]
    fn templates_use_only_allowed_variables() -> Result<(), minijinja::Error> {
        let env = environment();
        for &kind in EmailKind::ALL {
            for ext in ["txt", "html"] {
                let template = env.get_template(&format!("{}.{ext}", kind.as_str()))?;
                for var in template.undeclared_variables(false) {
                    assert!(ALLOWED_VARIABLES.contains(&var.as_str()), "{kind:?}.{ext} uses {var}");
                }
            }
        }
        Ok(())
    }

    #[test]
    fn html_escapes_the_link() -> Result<(), minijinja::Error> {
        let email = render(EmailKind::Invitation, "a@example.org", "https://x/?a=1&b=\"2\"", "7 days")?;
        assert!(
            email.html.contains("&amp;b=&quot;2&quot;") || email.html.contains("&amp;b=&#34;2&#34;"),
            "{}",
            email.html
        );
        Ok(())
    }
}
