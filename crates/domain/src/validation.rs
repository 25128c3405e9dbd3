//! Field rules shared by every entry point (HTTP, CLI, demo seeding).

/// One offending field of a request: what a use case answers when input breaks a field
/// rule, and what the HTTP edge lists in a 422.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's JSON name (dotted for nested fields).
    #[cfg_attr(feature = "openapi", schema(example = "email"))]
    pub field: String,
    /// What is wrong with it, for a person.
    #[cfg_attr(feature = "openapi", schema(example = "must be an email address"))]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// Parses a closed-set field sent as text: an unknown value names the field and lists the
/// allowed values (the same words at every entry point).
pub fn one_of<T: Copy>(field: &str, value: &str, all: &[T], as_str: fn(T) -> &'static str) -> Result<T, FieldError> {
    all.iter().copied().find(|v| as_str(*v) == value).ok_or_else(|| {
        let allowed = all.iter().map(|v| as_str(*v)).collect::<Vec<_>>().join(", ");
        FieldError::new(field, format!("must be one of: {allowed}"))
    })
}

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

/// How far ahead a safety agreement's review date may be set: reviews keep limits current.
pub const MAX_REVIEW_AHEAD_MONTHS: u32 = 24;

/// Checks a safety agreement's review-by date: in the future, and within two years.
pub fn check_review_by(
    review_by: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), &'static str> {
    let latest = now.checked_add_months(chrono::Months::new(MAX_REVIEW_AHEAD_MONTHS)).unwrap_or(now);
    if review_by <= now {
        Err("must be in the future")
    } else if review_by > latest {
        Err("must be within 2 years")
    } else {
        Ok(())
    }
}

/// Checks when a milestone was achieved: within the couple's treatment (from the day the
/// couple was created until discharge) and not in the future.
pub fn check_milestone_date(
    achieved_at: chrono::DateTime<chrono::Utc>,
    treatment_start: chrono::DateTime<chrono::Utc>,
    discharged_at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), &'static str> {
    if achieved_at > now {
        Err("must not be in the future")
    } else if achieved_at.date_naive() < treatment_start.date_naive() {
        Err("must not be before the couple's treatment began")
    } else if discharged_at.is_some_and(|d| achieved_at > d) {
        Err("must not be after the couple was discharged")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod date_tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;

    #[test]
    fn review_dates_are_future_and_bounded() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        assert!(check_review_by(now, now).is_err());
        assert!(check_review_by(now - Duration::days(1), now).is_err());
        assert!(check_review_by(now + Duration::days(1), now).is_ok());
        assert!(check_review_by(Utc.with_ymd_and_hms(2028, 11, 23, 12, 0, 0).unwrap(), now).is_ok());
        assert!(check_review_by(Utc.with_ymd_and_hms(2028, 11, 23, 12, 0, 1).unwrap(), now).is_err());
        assert!(check_review_by(Utc.with_ymd_and_hms(9999, 1, 1, 0, 0, 0).unwrap(), now).is_err());
    }

    #[test]
    fn milestones_fall_within_treatment() {
        let start = Utc.with_ymd_and_hms(2026, 1, 10, 15, 0, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        assert!(check_milestone_date(start - Duration::hours(2), start, None, now).is_ok(), "same day");
        assert!(check_milestone_date(start - Duration::days(1), start, None, now).is_err());
        assert!(check_milestone_date(Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap(), start, None, now).is_err());
        assert!(check_milestone_date(now + Duration::seconds(1), start, None, now).is_err());
        assert!(check_milestone_date(now, start, None, now).is_ok());
        let out = start + Duration::days(30);
        assert!(check_milestone_date(out + Duration::days(1), start, Some(out), now).is_err());
    }
}
