//! Field rules shared by every entry point (HTTP, CLI, demo seeding).

/// The smallest password we accept. Long passphrases beat complexity rules (NIST 800-63B).
pub const MIN_PASSWORD_LEN: usize = 12;
/// Argon2 hashes anything, but an unbounded input is a cheap denial of service.
pub const MAX_PASSWORD_LEN: usize = 256;

/// Normalises an email for storage and lookup (trimmed, lower case), or says why it is
/// not an email address.
pub fn normalize_email(raw: &str) -> Result<String, &'static str> {
    let email = raw.trim().to_lowercase();
    if email.len() > 254 {
        return Err("must be at most 254 characters");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err("must be an email address");
    };
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.contains('@');
    if ok { Ok(email) } else { Err("must be an email address") }
}

/// Checks a new password against the length policy.
pub fn check_password(password: &str) -> Result<(), &'static str> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        Err("must be at least 12 characters")
    } else if password.len() > MAX_PASSWORD_LEN {
        Err("must be at most 256 bytes")
    } else {
        Ok(())
    }
}

/// Checks a display name: present, not absurdly long, printable.
pub fn check_display_name(name: &str) -> Result<(), &'static str> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        Err("must not be empty")
    } else if trimmed.chars().count() > 120 {
        Err("must be at most 120 characters")
    } else if trimmed.chars().any(char::is_control) {
        Err("must not contain control characters")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(normalize_email("  Ana@Example.ORG ").as_deref(), Ok("ana@example.org"));
        assert!(normalize_email("ana").is_err());
        assert!(normalize_email("@example.org").is_err());
        assert!(normalize_email("ana@localhost").is_err());
        assert!(normalize_email("a na@example.org").is_err());
    }

    #[test]
    fn passwords_need_length() {
        assert!(check_password("short").is_err());
        assert!(check_password("correct horse battery").is_ok());
        assert!(check_password(&"x".repeat(300)).is_err());
    }

    #[test]
    fn display_names_are_bounded() {
        assert!(check_display_name("  ").is_err());
        assert!(check_display_name("Dr. Rivera").is_ok());
        assert!(check_display_name(&"a".repeat(121)).is_err());
    }
}

/// Checks an IANA time zone name such as `Europe/Berlin`.
pub fn check_time_zone(name: &str) -> Result<(), &'static str> {
    name.parse::<chrono_tz::Tz>().map(|_| ()).map_err(|_| "must be an IANA time zone such as Europe/Berlin")
}

#[cfg(test)]
mod tz_tests {
    #[test]
    fn time_zones_are_iana_names() {
        assert!(super::check_time_zone("America/New_York").is_ok());
        assert!(super::check_time_zone("UTC").is_ok());
        assert!(super::check_time_zone("Mars/Olympus").is_err());
    }
}

/// The calendar date of `t` in the IANA zone `tz` (UTC if the name is unknown).
#[must_use]
pub fn local_date(t: chrono::DateTime<chrono::Utc>, tz: &str) -> chrono::NaiveDate {
    match tz.parse::<chrono_tz::Tz>() {
        Ok(zone) => t.with_timezone(&zone).date_naive(),
        Err(_) => t.date_naive(),
    }
}

/// Checks free text from a client: any printable character, tab, CR and LF, but no NUL or
/// other C0 control character. PostgreSQL cannot store NUL in text, and the rest have no
/// place in what a person writes; refusing them everywhere keeps both databases identical.
pub fn check_text(text: &str) -> Result<(), &'static str> {
    if text.chars().any(|c| c < ' ' && !matches!(c, '\t' | '\n' | '\r')) {
        Err("must not contain control characters (tab and line breaks are fine)")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod text_tests {
    use super::check_text;

    #[test]
    fn text_refuses_c0_controls_except_tab_and_line_breaks() {
        assert!(check_text("line one\r\nline two\tend").is_ok());
        assert!(check_text("emoji 🌿 and ümlauts").is_ok());
        for bad in ["nul\u{0}", "\u{1}", "bell\u{7}", "esc\u{1b}[31m", "\u{1f}"] {
            assert!(check_text(bad).is_err(), "{bad:?}");
        }
    }
}
