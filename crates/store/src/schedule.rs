//! The reminder scheduler's bulk read: everything a tick needs about a page of active
//! clients in seven queries, whatever the page size, instead of about six per client.

use std::collections::HashMap;

use diesel::prelude::*;
use tandem_domain::plans::PlanStatus;
use tandem_domain::{UserKind, UserStatus};

use crate::AnyConnection;
use crate::couples::{CoupleRow, SummaryRow};
use crate::error::StoreResult;
use crate::outbox::OutboxRow;
use crate::preferences::PreferencesRow;
use crate::schema::{couple_summaries, couples, notification_preferences, plan_steps, plans, users};

/// One active client and the facts their reminders depend on.
#[derive(Debug, Clone)]
pub struct ClientFacts {
    pub user_id: String,
    pub practice_id: String,
    pub email: String,
    pub time_zone: String,
    /// `None`: not (or no longer) in a couple.
    pub couple: Option<CoupleRow>,
    pub summary: Option<SummaryRow>,
    /// The weekly target of the current step of the couple's active plan, if one runs.
    pub active_step_target: Option<i32>,
    /// `None`: the defaults.
    pub preferences: Option<PreferencesRow>,
}

/// A page of active clients (ids after `after`, ascending, at most `limit`), with their
/// facts. The last id of the page is where the next one starts.
pub fn page(conn: &mut AnyConnection, after: Option<&str>, limit: i64) -> StoreResult<Vec<ClientFacts>> {
    let mut q = users::table
        .filter(users::kind.eq(UserKind::Client.as_str()))
        .filter(users::status.eq(UserStatus::Active.as_str()))
        .order(users::id.asc())
        .limit(limit)
        .select((users::id, users::practice_id, users::email, users::time_zone))
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(users::id.gt(after.to_owned()));
    }
    let clients: Vec<(String, String, String, String)> = q.load(conn)?;
    if clients.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = clients.iter().map(|c| c.0.as_str()).collect();
    // Two lookups, one per partner column: each uses that column's unique index, where
    // one `a IN (…) OR b IN (…)` scanned the whole couples table on PostgreSQL.
    let mut couple_rows: Vec<CoupleRow> =
        couples::table.filter(couples::partner_a_id.eq_any(&ids)).select(CoupleRow::as_select()).load(conn)?;
    let as_b: Vec<CoupleRow> =
        couples::table.filter(couples::partner_b_id.eq_any(&ids)).select(CoupleRow::as_select()).load(conn)?;
    let seen: std::collections::HashSet<String> = couple_rows.iter().map(|c| c.id.clone()).collect();
    couple_rows.extend(as_b.into_iter().filter(|c| !seen.contains(&c.id)));
    let couple_ids: Vec<&str> = couple_rows.iter().map(|c| c.id.as_str()).collect();
    let summaries: HashMap<String, SummaryRow> = couple_summaries::table
        .filter(couple_summaries::couple_id.eq_any(&couple_ids))
        .select(SummaryRow::as_select())
        .load::<SummaryRow>(conn)?
        .into_iter()
        .map(|s| (s.couple_id.clone(), s))
        .collect();
    let current_steps: Vec<(String, Option<String>)> = plans::table
        .filter(plans::couple_id.eq_any(&couple_ids))
        .filter(plans::status.eq(PlanStatus::Active.as_str()))
        .select((plans::couple_id, plans::current_step_id))
        .load(conn)?;
    let step_ids: Vec<&str> = current_steps.iter().filter_map(|(_, s)| s.as_deref()).collect();
    let targets: HashMap<String, i32> = plan_steps::table
        .filter(plan_steps::id.eq_any(&step_ids))
        .select((plan_steps::id, plan_steps::target_per_week))
        .load::<(String, i32)>(conn)?
        .into_iter()
        .collect();
    let target_of: HashMap<&str, i32> = current_steps
        .iter()
        .filter_map(|(couple, step)| Some((couple.as_str(), *targets.get(step.as_deref()?)?)))
        .collect();
    let mut preferences: HashMap<String, PreferencesRow> = notification_preferences::table
        .filter(notification_preferences::user_id.eq_any(&ids))
        .select(PreferencesRow::as_select())
        .load::<PreferencesRow>(conn)?
        .into_iter()
        .map(|p| (p.user_id.clone(), p))
        .collect();
    let mut couple_of: HashMap<&str, &CoupleRow> = HashMap::new();
    for c in &couple_rows {
        couple_of.insert(c.partner_a_id.as_str(), c);
        couple_of.insert(c.partner_b_id.as_str(), c);
    }
    Ok(clients
        .iter()
        .map(|(id, practice_id, email, time_zone)| {
            let couple = couple_of.get(id.as_str()).map(|c| (*c).clone());
            let summary = couple.as_ref().and_then(|c| summaries.get(&c.id).cloned());
            let active_step_target = couple.as_ref().and_then(|c| target_of.get(c.id.as_str()).copied());
            ClientFacts {
                user_id: id.clone(),
                practice_id: practice_id.clone(),
                email: email.clone(),
                time_zone: time_zone.clone(),
                couple,
                summary,
                active_step_target,
                preferences: preferences.remove(id),
            }
        })
        .collect())
}

/// Enqueues reminder rows in one statement on PostgreSQL and one short loop on SQLite;
/// rows whose dedupe key is already queued are skipped. Returns how many were added.
pub fn enqueue_all(conn: &mut AnyConnection, rows: &[OutboxRow]) -> StoreResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    Ok(crate::per_backend::insert_outbox_rows(conn, rows)?)
}
