//! The email seam against a real SMTP server.

use std::time::Duration;

use serde_json::json;
use tandem_notification::EmailKind;
use tandem_notification::outbox;
use tandem_server::setup::{self, DEMO_PASSWORD};

use crate::support::{ClockExt, PASSWORD, SmtpSink, TestApp};

#[actix_web::test]
async fn invitations_reach_a_real_smtp_server_and_say_nothing_clinical() {
    let sink = SmtpSink::start("");
    let smtp = sink.config();
    let app = TestApp::spawn_with(|c| c.smtp = Some(smtp)).await;
    app.practice("Riverside Couples Therapy", "admin@riverside.test", false);
    let admin = app.token("admin@riverside.test").await;
    let created = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({"email": "new@riverside.test", "display_name": "Dr. New", "roles": ["clinician"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.raw);
    let mut messages = Vec::new();
    for _ in 0..100 {
        messages = sink.messages();
        if !messages.is_empty() {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(messages.len(), 1, "one invitation arrived");
    let mail = &messages[0];
    assert!(mail.contains("To: new@riverside.test"), "{mail}");
    assert!(mail.contains("https://app.tandem.test/invitation#token="), "{mail}");
    assert!(!mail.to_lowercase().contains("therapy"), "the practice's name stays out of the email: {mail}");
    assert!(app.mail_to("new@riverside.test").is_empty(), "nothing went to the file transport");
}

/// Waits until the sink holds a message to `to` containing `needle`, and returns it.
async fn arrived(sink: &SmtpSink, to: &str, needle: &str) -> String {
    for _ in 0..200 {
        if let Some(mail) = sink.messages().into_iter().find(|m| m.contains(&format!("To: {to}")) && m.contains(needle))
        {
            return mail;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no email to {to} with {needle:?}; got {:#?}", sink.messages());
}

/// The text after `prefix` in `mail`, up to the end of the URL.
fn after(mail: &str, prefix: &str) -> String {
    let start = mail.find(prefix).map(|i| i + prefix.len()).unwrap_or_else(|| panic!("{prefix:?} in {mail}"));
    mail[start..].chars().take_while(|c| !c.is_whitespace() && !matches!(c, '>' | '"' | '<')).collect()
}

#[actix_web::test]
async fn links_in_emails_open_the_configured_front_end_routes_and_unsubscribe_on_the_api() {
    let sink = SmtpSink::start("");
    let smtp = sink.config();
    let app = TestApp::spawn_with(|c| {
        c.smtp = Some(smtp);
        c.invitation_path = "/welcome/accept".into();
        c.password_reset_path = "/account/new-password".into();
        c.app_path = "/home".into();
        c.api_url = Some("https://api.tandem.test/".into());
    })
    .await;
    setup::demo(&app.state.pool, app.clock.now_utc()).expect("demo practice");
    let admin = app.login("admin@demo.tandem.localhost", DEMO_PASSWORD).await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();

    // An invitation opens the configured route, and its token is the real one.
    let invited = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({"email": "new@demo.tandem.localhost", "display_name": "Dr. New", "roles": ["clinician"]}),
        )
        .await;
    assert_eq!(invited.status, 201, "{}", invited.raw);
    let prefix = "https://app.tandem.test/welcome/accept#token=";
    let mail = arrived(&sink, "new@demo.tandem.localhost", prefix).await;
    assert!(!mail.contains("/invitation#token="), "not the default route: {mail}");
    let accepted = app
        .post("/api/v1/auth/invitations/accept", None, json!({"token": after(&mail, prefix), "password": PASSWORD}))
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.raw);

    // A password reset opens its configured route.
    let asked = app.post("/api/v1/auth/password-reset", None, json!({"email": "robin@demo.tandem.localhost"})).await;
    assert!(asked.status.is_success(), "{}", asked.raw);
    let prefix = "https://app.tandem.test/account/new-password#token=";
    let mail = arrived(&sink, "robin@demo.tandem.localhost", prefix).await;
    let confirmed = app
        .post("/api/v1/auth/password-reset/confirm", None, json!({"token": after(&mail, prefix), "password": PASSWORD}))
        .await;
    assert!(confirmed.status.is_success(), "{}", confirmed.raw);

    // A reminder opens the app's route; its unsubscribe links (header and body) are on
    // the API's address, and work there.
    let robin =
        app.login("robin@demo.tandem.localhost", PASSWORD).await["access_token"].as_str().expect("token").to_owned();
    let me = app.get("/api/v1/me", &robin).await;
    let robin_id = me.body["user"]["id"].as_str().expect("user id").to_owned();
    {
        let mut conn = app.state.pool.get().expect("connection");
        let practice = tandem_store::practices::all_ids(&mut conn).expect("practices").remove(0);
        let now = app.clock.now_utc();
        tandem_store::write_tx(&mut conn, |c| {
            outbox::enqueue(
                c,
                &practice,
                Some(&robin_id),
                EmailKind::DailyCheckIn,
                "robin@demo.tandem.localhost",
                None,
                now,
            )
        })
        .expect("reminder queued");
    }
    let mail = arrived(&sink, "robin@demo.tandem.localhost", "List-Unsubscribe:").await;
    assert!(
        mail.contains("https://app.tandem.test/home\n") || mail.contains("https://app.tandem.test/home\r\n"),
        "{mail}"
    );
    let header = after(&mail, "List-Unsubscribe: <https://api.tandem.test/unsubscribe/");
    let body = after(&mail, "To stop these messages: https://api.tandem.test/unsubscribe/");
    assert_eq!(header, body, "the same link in the header and the text: {mail}");
    assert!(!mail.contains("https://app.tandem.test/unsubscribe/"), "never on the front-end: {mail}");
    let unsubscribed = app.call("POST", &format!("/unsubscribe/{header}"), None, None).await;
    assert_eq!(unsubscribed.status, 200, "{}", unsubscribed.raw);
    let prefs = app.get("/api/v1/me/notification-preferences", &robin).await;
    assert_eq!(prefs.body["daily_check_in"], false, "{}", prefs.raw);
}
