//! The email outbox at work: enqueueing in the caller's transaction, the worker that
//! sends with retries, and the scheduler tick that enqueues due reminders. The store
//! holds the rows; templates and transports are this crate's own.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use crate::{EmailKind, MailError, Mailer, render_with};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, NaiveTime, Utc, Weekday};
use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use tandem_domain::Clock;
use tandem_domain::plans::PlanStatus;
use tandem_domain::reconnect;
use tandem_domain::reminders::{self, ClientFacts, Preferences, ReminderKind};
use tandem_store::error::StoreResult;
use tandem_store::outbox::{self as store, OutboxRow};
use tandem_store::preferences::PreferencesRow;
use tandem_store::{AnyConnection, Pool, StoreError, couples, ids, reconnect_windows, schedule, time, write_tx};

/// Sending gives up after this many attempts (dead letter).
pub const MAX_ATTEMPTS: i32 = 8;
/// How long a claimed row stays with its worker before another may take it.
pub const LEASE: Duration = Duration::seconds(60);

/// Enqueues a transactional email in the caller's transaction (reminders come from the
/// scheduler, with dedupe keys).
pub fn enqueue(
    conn: &mut AnyConnection,
    practice_id: &str,
    user_id: Option<&str>,
    kind: EmailKind,
    to: &str,
    token: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let row = OutboxRow {
        id: ids::new_id(),
        practice_id: practice_id.to_owned(),
        user_id: user_id.map(str::to_owned),
        kind: kind.as_str().to_owned(),
        to_address: to.to_owned(),
        token: token.map(str::to_owned),
        dedupe_key: None,
        status: store::PENDING.into(),
        attempts: 0,
        next_attempt_at: time::to_db(now),
        lease_until: None,
        last_error: None,
        created_at: time::to_db(now),
        sent_at: None,
    };
    store::enqueue(conn, &row)
}

/// Queues a discreet alert to each of the couple's clinicians, in the caller's
/// transaction (so an alert exists exactly when its incident, withdrawal or break-glass
/// grant does). The email says only that something waits for review.
pub fn alert_clinicians(
    conn: &mut AnyConnection,
    practice_id: &str,
    couple_id: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    for clinician in couples::clinicians(conn, couple_id)? {
        enqueue(conn, practice_id, Some(&clinician.id), EmailKind::ClinicianAlert, &clinician.email, None, now)?;
    }
    Ok(())
}

/// Signs unsubscribe links: an opaque token naming the user and the reminder kind, with
/// an HMAC under the unsubscribe key (never a token-signing key: the API derives one per
/// purpose from its signing secrets).
#[derive(Clone)]
pub struct UnsubscribeSigner {
    /// Signs new links.
    key: Arc<Vec<u8>>,
    /// Also accepted: keys derived from signing keys still listed after a rotation.
    older: Arc<Vec<Vec<u8>>>,
}

impl std::fmt::Debug for UnsubscribeSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnsubscribeSigner")
    }
}

impl UnsubscribeSigner {
    /// A signer with this very key (already meant for unsubscribe links).
    #[must_use]
    pub fn new(key: &[u8]) -> Self {
        Self { key: Arc::new(key.to_vec()), older: Arc::new(Vec::new()) }
    }

    /// Signs with `active` and also accepts `older` keys, so a key rotation leaves links in
    /// mail already sent working until the old key is removed.
    #[must_use]
    pub fn with_older(active: Vec<u8>, older: Vec<Vec<u8>>) -> Self {
        Self { key: Arc::new(active), older: Arc::new(older) }
    }

    fn mac(key: &[u8], payload: &str) -> Option<Hmac<Sha256>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
        mac.update(b"tandem-unsubscribe:");
        mac.update(payload.as_bytes());
        Some(mac)
    }

    /// A token for (user, kind); kind `all` stops every reminder.
    #[must_use]
    pub fn token(&self, user_id: &str, kind: &str) -> String {
        let payload = format!("{user_id}|{kind}");
        // HMAC accepts keys of any length, so `mac` always gives one.
        let tag = Self::mac(&self.key, &payload).map(|m| m.finalize().into_bytes()).unwrap_or_default();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(payload.as_bytes()), URL_SAFE_NO_PAD.encode(&tag[..16]))
    }

    /// The (user, kind) a token names, if it is genuine (checked in constant time).
    #[must_use]
    pub fn verify(&self, token: &str) -> Option<(String, String)> {
        let (payload, tag) = token.split_once('.')?;
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok().filter(|t| t.len() == 16)?;
        let genuine = std::iter::once(self.key.as_slice())
            .chain(self.older.iter().map(Vec::as_slice))
            .any(|key| Self::mac(key, &payload).is_some_and(|m| m.verify_truncated_left(&tag).is_ok()));
        if !genuine {
            return None;
        }
        let (user, kind) = payload.split_once('|')?;
        Some((user.to_owned(), kind.to_owned()))
    }
}

/// Where the links in emails lead. Invitations, password resets, alerts and reminders open
/// the front-end, at routes the front-end chooses (hence configurable); unsubscribe links
/// open the API itself, which serves that page and takes the one-click POST, and the API
/// may live at another address than the front-end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailLinks {
    /// The front-end's base URL (a trailing slash is ignored).
    pub public_url: String,
    /// The front-end route that accepts an invitation; the token follows as `#token=…`.
    pub invitation_path: String,
    /// The front-end route that sets a new password; the token follows as `#token=…`.
    pub password_reset_path: String,
    /// The front-end route that alerts and reminders open.
    pub app_path: String,
    /// The API's own public base URL, for unsubscribe links (a trailing slash is ignored).
    pub api_url: String,
}

impl EmailLinks {
    /// The front-end route of invitation links unless configured otherwise.
    pub const INVITATION_PATH: &'static str = "/invitation";
    /// The front-end route of password-reset links unless configured otherwise.
    pub const PASSWORD_RESET_PATH: &'static str = "/password-reset";
    /// The front-end route of other emails unless configured otherwise.
    pub const APP_PATH: &'static str = "/";

    /// The default routes under `public_url`, and unsubscribe links under `api_url`.
    #[must_use]
    pub fn new(public_url: &str, api_url: &str) -> Self {
        Self {
            public_url: public_url.to_owned(),
            invitation_path: Self::INVITATION_PATH.to_owned(),
            password_reset_path: Self::PASSWORD_RESET_PATH.to_owned(),
            app_path: Self::APP_PATH.to_owned(),
            api_url: api_url.to_owned(),
        }
    }

    /// Why `path` cannot be a front-end route in a link, if it cannot: it must start
    /// with `/` (it follows the base URL) and hold no `#`, since the token travels in the
    /// fragment, which browsers never send to a server or in a `Referer`.
    #[must_use]
    pub fn path_problem(path: &str) -> Option<&'static str> {
        if !path.starts_with('/') {
            Some("must start with `/`")
        } else if path.contains('#') {
            Some("must not contain `#` (the token follows as `#token=…`)")
        } else if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Some("must not contain spaces or control characters")
        } else {
            None
        }
    }

    fn front_end(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
    }

    /// The link that accepts an invitation with `token`.
    #[must_use]
    pub fn invitation(&self, token: &str) -> String {
        format!("{}#token={token}", self.front_end(&self.invitation_path))
    }

    /// The link that sets a new password with `token`.
    #[must_use]
    pub fn password_reset(&self, token: &str) -> String {
        format!("{}#token={token}", self.front_end(&self.password_reset_path))
    }

    /// The front-end's page for alerts and reminders.
    #[must_use]
    pub fn app(&self) -> String {
        self.front_end(&self.app_path)
    }

    /// The one-click unsubscribe link (RFC 8058) for a signed `token`.
    #[must_use]
    pub fn unsubscribe(&self, token: &str) -> String {
        format!("{}/unsubscribe/{token}", self.api_url.trim_end_matches('/'))
    }
}

/// What the worker needs.
#[derive(Clone)]
pub struct Worker {
    pub pool: Pool,
    pub mailer: Mailer,
    pub clock: Arc<dyn Clock>,
    /// Where the links in the emails lead.
    pub links: EmailLinks,
    pub signer: UnsubscribeSigner,
    pub batch: i64,
    /// How long a claimed row stays with this worker (default [`LEASE`]).
    pub lease: Duration,
    /// Told each outcome (`sent`, `retried`, `dead`, `cancelled`), e.g. to count them.
    pub on_outcome: Option<Arc<dyn Fn(&'static str) + Send + Sync>>,
}

/// How a send ended.
enum Sent {
    Ok,
    Retry(String),
    Dead(String),
    Cancelled(&'static str),
    /// Not tried: the worker is stopping; the row goes back to the queue.
    Released,
}

fn backoff(attempts: i32) -> Duration {
    let base = 2_i64.saturating_pow(u32::try_from(attempts.clamp(1, 12) - 1).unwrap_or(0)) * 2;
    let capped = base.min(600);
    let jitter = rand::rng().random_range(0..=capped / 5 + 1);
    Duration::seconds(capped + jitter)
}

/// Records how one send ended.
fn record(conn: &mut AnyConnection, row: &OutboxRow, outcome: &Sent, now: DateTime<Utc>) -> Result<(), StoreError> {
    match outcome {
        Sent::Ok => store::mark_sent(conn, &row.id, now),
        Sent::Retry(e) if row.attempts < MAX_ATTEMPTS => {
            store::mark_retry(conn, &row.id, now + backoff(row.attempts), e)
        }
        Sent::Retry(e) | Sent::Dead(e) => store::finish(conn, &row.id, store::DEAD, Some(e)),
        Sent::Cancelled(why) => store::finish(conn, &row.id, store::CANCELLED, Some(why)),
        Sent::Released => store::release(conn, &row.id),
    }
}

/// Whether a reminder is still wanted just before it goes out.
fn still_eligible(conn: &mut AnyConnection, row: &OutboxRow) -> Result<Option<&'static str>, StoreError> {
    let Some(kind) = EmailKind::parse(&row.kind).filter(|k| k.is_reminder()) else { return Ok(None) };
    let Some(user_id) = &row.user_id else { return Ok(None) };
    let prefs = preferences_of(conn, user_id)?;
    let reminder = ReminderKind::parse(kind.as_str());
    if reminder.is_some_and(|k| !prefs.enabled(k)) {
        return Ok(Some("opted out"));
    }
    let Some(couple) = couples::find_for_partner(conn, user_id)? else { return Ok(Some("no couple")) };
    if couple.status != "active" || couples::summary(conn, &couple.id)?.withdrawn {
        return Ok(Some("couple not in treatment"));
    }
    if kind == EmailKind::ReconnectWindow {
        return reconnect_still_wanted(conn, row);
    }
    if kind == EmailKind::MeasureReminder {
        return measure_still_waiting(conn, &couple.id, user_id, time::from_db(row.next_attempt_at));
    }
    if kind == EmailKind::ExerciseReminder {
        let running = tandem_store::plans::running(conn, &couple.id)?;
        if running.is_none_or(|p| p.status != PlanStatus::Active.as_str()) {
            return Ok(Some("plan paused or finished"));
        }
    }
    Ok(None)
}

impl Worker {
    /// Claims and sends one batch; returns how many rows it handled.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        self.run_batch(None).await
    }

    /// Claims and sends one batch. Once `stop` fires, sends not yet started are not
    /// started: those rows go back to the queue, so a stopping worker's claims pass to the
    /// others at once rather than when the lease runs out.
    async fn run_batch(&self, stop: Option<&tokio::sync::watch::Receiver<bool>>) -> Result<usize, StoreError> {
        let pool = self.pool.clone();
        let now = self.clock.now();
        let batch = self.batch;
        let lease = self.lease;
        let rows = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            write_tx(&mut conn, |c| store::claim(c, now, lease, batch))
        })
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))??;
        let n = rows.len();
        // Sends run side by side, as many as the SMTP pool has connections; their outcomes
        // are recorded together in one short transaction.
        let outcomes: Vec<(OutboxRow, Sent)> = futures_util::stream::iter(rows)
            .map(|row| async move {
                if stop.is_some_and(|s| *s.borrow()) {
                    return (row, Sent::Released);
                }
                let outcome = self.send(&row).await;
                (row, outcome)
            })
            .buffer_unordered(self.mailer.concurrency().max(1))
            .collect()
            .await;
        let pool = self.pool.clone();
        let now = self.clock.now();
        let on_outcome = self.on_outcome.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            write_tx(&mut conn, |c| {
                for (row, outcome) in &outcomes {
                    record(c, row, outcome, now)?;
                }
                Ok::<_, StoreError>(())
            })?;
            if let Some(report) = &on_outcome {
                for (row, outcome) in &outcomes {
                    report(match outcome {
                        Sent::Ok => "sent",
                        Sent::Retry(_) if row.attempts < MAX_ATTEMPTS => "retried",
                        Sent::Retry(_) | Sent::Dead(_) => "dead",
                        Sent::Cancelled(_) => "cancelled",
                        Sent::Released => "released",
                    });
                }
            }
            Ok::<_, StoreError>(())
        })
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))??;
        Ok(n)
    }

    async fn send(&self, row: &OutboxRow) -> Sent {
        let pool = self.pool.clone();
        let check = row.clone();
        let eligible = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            still_eligible(&mut conn, &check)
        })
        .await;
        match eligible {
            Ok(Ok(Some(why))) => return Sent::Cancelled(why),
            Ok(Ok(None)) => {}
            Ok(Err(e)) => return Sent::Retry(e.to_string()),
            Err(e) => return Sent::Retry(e.to_string()),
        }
        let Some(kind) = EmailKind::parse(&row.kind) else { return Sent::Dead(format!("unknown kind {}", row.kind)) };
        let link = match (kind, &row.token) {
            (EmailKind::Invitation, Some(t)) => self.links.invitation(t),
            (EmailKind::PasswordReset, Some(t)) => self.links.password_reset(t),
            _ => self.links.app(),
        };
        let unsubscribe = kind
            .is_reminder()
            .then(|| row.user_id.as_ref().map(|u| self.links.unsubscribe(&self.signer.token(u, kind.as_str()))))
            .flatten();
        let expires = match kind {
            EmailKind::Invitation => "7 days",
            EmailKind::PasswordReset => "30 minutes",
            _ => "",
        };
        let mut email = match render_with(kind, &row.to_address, &link, expires, unsubscribe.as_deref()) {
            Ok(e) => e,
            Err(e) => return Sent::Dead(format!("template: {e}")),
        };
        email.message_id = Some(format!("<{}@tandem.outbox>", row.id));
        match self.mailer.send(&email).await {
            Ok(()) => Sent::Ok,
            Err(MailError::Permanent(e) | MailError::Message(e) | MailError::Config(e)) => Sent::Dead(e),
            Err(MailError::Transient(e)) => Sent::Retry(e),
        }
    }

    /// Runs until `stop` fires: a batch, then a pause when the queue is empty.
    pub async fn run(self, poll: StdDuration, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            let handled = match self.run_batch(Some(&stop)).await {
                _ if *stop.borrow() => return,
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox worker: database not available");
                    0
                }
            };
            if handled == 0 {
                tokio::select! {
                    () = tokio::time::sleep(poll) => {}
                    changed = stop.changed() => match changed {
                        Ok(()) if *stop.borrow() => return,
                        Ok(()) => {}
                        // Nobody can stop us any more: run until the runtime ends.
                        Err(_) => tokio::time::sleep(poll).await,
                    },
                }
            }
        }
    }
}

/// A client's preferences, or the defaults.
pub fn preferences_of(conn: &mut AnyConnection, user_id: &str) -> Result<Preferences, StoreError> {
    let user = tandem_store::users::find(conn, user_id)?.ok_or(StoreError::NotFound)?;
    let row = tandem_store::preferences::find(conn, user_id)?;
    Ok(preferences(row.as_ref(), &user.time_zone))
}

/// A client's preferences from their stored row (the defaults when they have none), in
/// their IANA time zone (UTC if the name is unknown).
fn preferences(row: Option<&PreferencesRow>, time_zone: &str) -> Preferences {
    let tz = time_zone.parse().unwrap_or(chrono_tz::UTC);
    row.map_or_else(|| Preferences::defaults(tz), |row| from_row(row, tz))
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

/// Weekday names as stored and shown.
pub const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

#[must_use]
pub fn from_row(row: &PreferencesRow, tz: chrono_tz::Tz) -> Preferences {
    let days: Vec<String> = serde_json::from_str(&row.days).unwrap_or_default();
    Preferences {
        exercise_reminders: row.exercise_reminders,
        daily_check_in: row.daily_check_in,
        agreement_review: row.agreement_review,
        inactivity_nudge: row.inactivity_nudge,
        measure_reminders: row.measure_reminders,
        reconnect_window: row.reconnect_window,
        time_zone: tz,
        preferred_time: parse_time(&row.preferred_time).unwrap_or_default(),
        days: days.iter().filter_map(|d| DAYS.iter().find(|(n, _)| n == d).map(|(_, w)| *w)).collect(),
        quiet_hours: row.quiet_start.as_deref().and_then(parse_time).zip(row.quiet_end.as_deref().and_then(parse_time)),
    }
}

/// How many clients one scheduler step reads: memory stays bounded and each write
/// transaction stays short, whatever the number of clients.
pub const TICK_PAGE: i64 = 2000;

/// One scheduler tick: enqueues every reminder due in `(now - lookback, now]`. It reads
/// clients a page at a time (seven queries a page) and writes each page's reminders in one
/// short transaction, so it never holds the write lock for the whole tick. Dedupe keys
/// make repeated and overlapping ticks harmless. Returns how many rows it added.
pub fn tick(pool: &Pool, now: DateTime<Utc>, lookback: Duration) -> Result<usize, StoreError> {
    let mut after: Option<String> = None;
    let mut added = 0;
    loop {
        let mut conn = pool.get()?;
        let page = schedule::page(&mut conn, after.as_deref(), TICK_PAGE)?;
        let Some(last) = page.last() else { break };
        after = Some(last.user_id.clone());
        let mut rows: Vec<OutboxRow> = page.iter().flat_map(|client| due_rows(client, now, lookback)).collect();
        rows.extend(measure_reminder_rows(&mut conn, &page, now, lookback)?);
        rows.extend(reconnect_rows(&mut conn, &page, now, lookback)?);
        added += write_tx(&mut conn, |c| schedule::enqueue_all(c, &rows))?;
        if page.len() < usize::try_from(TICK_PAGE).unwrap_or(usize::MAX) {
            break;
        }
    }
    Ok(added)
}

/// Reconnect-window reminders due for a page of clients: the page's couples' active
/// windows and the occurrences called off, read in two queries whatever the page size.
fn reconnect_rows(
    conn: &mut AnyConnection,
    page: &[schedule::ClientFacts],
    now: DateTime<Utc>,
    lookback: Duration,
) -> StoreResult<Vec<OutboxRow>> {
    let in_treatment = |c: &schedule::ClientFacts| {
        c.couple.as_ref().is_some_and(|couple| couple.status == "active")
            && !c.summary.as_ref().is_some_and(|s| s.withdrawn)
    };
    let mut couple_ids: Vec<&str> =
        page.iter().filter(|c| in_treatment(c)).filter_map(|c| c.couple.as_ref().map(|x| x.id.as_str())).collect();
    couple_ids.sort_unstable();
    couple_ids.dedup();
    let windows = reconnect_windows::active_of_couples(conn, &couple_ids)?;
    if windows.is_empty() {
        return Ok(Vec::new());
    }
    let window_ids: Vec<&str> = windows.iter().map(|w| w.id.as_str()).collect();
    let from = (now - Duration::days(2)).date_naive().to_string();
    let skips = reconnect_windows::skips_of(conn, &window_ids, Some(&from))?;
    let mut out = Vec::new();
    for client in page.iter().filter(|c| in_treatment(c)) {
        let prefs = preferences(client.preferences.as_ref(), &client.time_zone);
        if !prefs.enabled(ReminderKind::ReconnectWindow) {
            continue;
        }
        let Some(couple) = &client.couple else { continue };
        for row in windows.iter().filter(|w| w.couple_id == couple.id) {
            let Some(window) = reconnect_window(row, skips.get(&row.id).map(Vec::as_slice).unwrap_or_default()) else {
                continue;
            };
            for (date, at) in window.reminders_due(now, lookback, prefs.time_zone, prefs.quiet_hours) {
                out.push(OutboxRow {
                    id: ids::new_id(),
                    practice_id: client.practice_id.clone(),
                    user_id: Some(client.user_id.clone()),
                    kind: EmailKind::ReconnectWindow.as_str().to_owned(),
                    to_address: client.email.clone(),
                    token: None,
                    dedupe_key: Some(reconnect::reminder_key(&client.user_id, &row.id, date)),
                    status: store::PENDING.into(),
                    attempts: 0,
                    next_attempt_at: time::to_db(at),
                    lease_until: None,
                    last_error: None,
                    created_at: time::to_db(now),
                    sent_at: None,
                });
            }
        }
    }
    Ok(out)
}

/// A stored window as the domain's rules see it (`None` if a stored value does not
/// parse, which the table's checks prevent).
#[must_use]
pub fn reconnect_window(row: &reconnect_windows::WindowRow, off_dates: &[String]) -> Option<reconnect::Window> {
    Some(reconnect::Window {
        status: reconnect::WindowStatus::parse(&row.status)?,
        proposed_by: row.proposed_by.clone(),
        schedule: reconnect::Schedule {
            weekday: DAYS.iter().find(|(n, _)| *n == row.weekday)?.1,
            start: parse_time(&row.start_time)?,
            minutes: u32::try_from(row.duration_minutes).ok()?,
            time_zone: row.time_zone.parse().ok()?,
        },
        accepted_at: row.accepted_at.map(time::from_db),
        cancelled_at: row.cancelled_at.map(time::from_db),
        off_dates: off_dates.iter().filter_map(|d| d.parse().ok()).collect(),
    })
}

/// Just before sending a reconnect-window reminder: the window is still active and its
/// occurrence not called off.
fn reconnect_still_wanted(conn: &mut AnyConnection, row: &OutboxRow) -> Result<Option<&'static str>, StoreError> {
    let Some((window_id, date)) = row.dedupe_key.as_deref().and_then(reconnect::parse_reminder_key) else {
        return Ok(Some("not a reconnect reminder"));
    };
    let Some(stored) = reconnect_windows::find(conn, window_id)? else { return Ok(Some("window gone")) };
    let skips = reconnect_windows::skips_of(conn, &[window_id], Some(&date.to_string()))?;
    let window = reconnect_window(&stored, skips.get(window_id).map(Vec::as_slice).unwrap_or_default());
    match window {
        Some(w) if w.status == reconnect::WindowStatus::Active && !w.is_off(date) => Ok(None),
        _ => Ok(Some("window or occurrence called off")),
    }
}

/// Just before sending a questionnaire reminder: something is still waiting for the
/// partner at the reminder's time (an answer or an ended assignment since it was queued
/// cancels it).
fn measure_still_waiting(
    conn: &mut AnyConnection,
    couple_id: &str,
    user_id: &str,
    at: DateTime<Utc>,
) -> Result<Option<&'static str>, StoreError> {
    let open = tandem_store::measures::open_assignments(conn, couple_id, Some(user_id))?;
    let ids: Vec<&str> = open.iter().map(|a| a.id.as_str()).collect();
    let last = tandem_store::measures::last_answers(conn, &ids)?;
    let waiting = open.iter().any(|a| {
        let answered =
            last.iter().find(|(id, who, _)| *id == a.id && who == user_id).map(|(_, _, t)| time::from_db(*t));
        tandem_domain::measures::is_due(&a.schedule(), answered, at)
    });
    Ok((!waiting).then_some("questionnaire answered or ended"))
}

/// The reminder rows due for one client in the window.
fn due_rows(client: &schedule::ClientFacts, now: DateTime<Utc>, lookback: Duration) -> Vec<OutboxRow> {
    let Some(couple) = &client.couple else { return Vec::new() };
    let facts = ClientFacts {
        couple_active: couple.status == "active" && !client.summary.as_ref().is_some_and(|s| s.withdrawn),
        agreement_review_by: client.summary.as_ref().and_then(|s| s.agreement_review_due_at).map(time::from_db),
        last_activity: client
            .summary
            .as_ref()
            .and_then(|s| s.last_activity_at)
            .map(time::from_db)
            .or(Some(time::from_db(couple.created_at))),
        active_step_target_per_week: client.active_step_target.and_then(|t| u32::try_from(t).ok()),
    };
    let prefs = preferences(client.preferences.as_ref(), &client.time_zone);
    reminders::due(&client.user_id, &prefs, &facts, now, lookback)
        .into_iter()
        .map(|due| {
            let kind = EmailKind::parse(due.kind.as_str()).unwrap_or(EmailKind::DailyCheckIn);
            OutboxRow {
                id: ids::new_id(),
                practice_id: client.practice_id.clone(),
                user_id: Some(client.user_id.clone()),
                kind: kind.as_str().to_owned(),
                to_address: client.email.clone(),
                token: None,
                dedupe_key: Some(due.dedupe_key.clone()),
                status: store::PENDING.into(),
                attempts: 0,
                next_attempt_at: time::to_db(due.at),
                lease_until: None,
                last_error: None,
                created_at: time::to_db(now),
                sent_at: None,
            }
        })
        .collect()
}

/// The "a short questionnaire is waiting" reminders of a page of clients (scored measures,
/// docs/measures.md): two bulk reads (the couples' open assignments, each partner's latest
/// answer to them), then the domain's rule per client.
fn measure_reminder_rows(
    conn: &mut AnyConnection,
    page: &[schedule::ClientFacts],
    now: DateTime<Utc>,
    lookback: Duration,
) -> StoreResult<Vec<OutboxRow>> {
    use std::collections::HashMap;
    use tandem_domain::measures;
    use tandem_store::measures as store_measures;

    let couple_ids: Vec<&str> = page.iter().filter_map(|c| c.couple.as_ref().map(|c| c.id.as_str())).collect();
    let assignments = store_measures::open_assignments_of(conn, &couple_ids)?;
    if assignments.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = assignments.iter().map(|a| a.id.as_str()).collect();
    let last: HashMap<(String, String), DateTime<Utc>> =
        store_measures::last_answers(conn, &ids)?.into_iter().map(|(a, r, t)| ((a, r), time::from_db(t))).collect();
    let mut rows = Vec::new();
    for client in page {
        let Some(couple) = &client.couple else { continue };
        let dues: Vec<DateTime<Utc>> = assignments
            .iter()
            .filter(|a| a.couple_id == couple.id && a.is_for(&client.user_id))
            .filter_map(|a| a.schedule().next_due(last.get(&(a.id.clone(), client.user_id.clone())).copied()))
            .collect();
        let active = couple.status == "active" && !client.summary.as_ref().is_some_and(|s| s.withdrawn);
        let prefs = preferences(client.preferences.as_ref(), &client.time_zone);
        if let Some(due) = measures::reminder_due(&client.user_id, &prefs, active, &dues, now, lookback) {
            rows.push(OutboxRow {
                id: ids::new_id(),
                practice_id: client.practice_id.clone(),
                user_id: Some(client.user_id.clone()),
                kind: EmailKind::MeasureReminder.as_str().to_owned(),
                to_address: client.email.clone(),
                token: None,
                dedupe_key: Some(due.dedupe_key),
                status: store::PENDING.into(),
                attempts: 0,
                next_attempt_at: time::to_db(due.at),
                lease_until: None,
                last_error: None,
                created_at: time::to_db(now),
                sent_at: None,
            });
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::EmailLinks;

    #[test]
    fn links_follow_the_configured_routes_and_addresses() {
        let defaults = EmailLinks::new("https://app.example.org/", "https://api.example.org/");
        assert_eq!(defaults.invitation("t1"), "https://app.example.org/invitation#token=t1");
        assert_eq!(defaults.password_reset("t2"), "https://app.example.org/password-reset#token=t2");
        assert_eq!(defaults.app(), "https://app.example.org/");
        assert_eq!(defaults.unsubscribe("u.s"), "https://api.example.org/unsubscribe/u.s");
        let custom = EmailLinks {
            invitation_path: "/join".into(),
            password_reset_path: "/account/reset?via=email".into(),
            app_path: "/home".into(),
            ..EmailLinks::new("https://example.org/app", "https://example.org/api")
        };
        assert_eq!(custom.invitation("t1"), "https://example.org/app/join#token=t1");
        assert_eq!(custom.password_reset("t2"), "https://example.org/app/account/reset?via=email#token=t2");
        assert_eq!(custom.app(), "https://example.org/app/home");
        assert_eq!(custom.unsubscribe("u.s"), "https://example.org/api/unsubscribe/u.s");
    }

    #[test]
    fn routes_that_would_break_the_link_are_named() {
        for good in ["/", "/invitation", "/a/b?x=1"] {
            assert_eq!(EmailLinks::path_problem(good), None, "{good}");
        }
        for bad in ["invitation", "", "/#/invitation", "/a b", "https://elsewhere.example/x"] {
            assert!(EmailLinks::path_problem(bad).is_some(), "{bad}");
        }
    }
}
