//! The email seam against a real SMTP server.

use std::time::Duration;

use serde_json::json;

use crate::support::{SmtpSink, TestApp};

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
