//! Plans, their ordered steps, the exercise snapshots in each step, and per-partner
//! consent with its history.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use tandem_domain::plans::{ConsentAnswer, PlanStatus, StepStatus};

use crate::error::{StoreError, StoreResult};
use crate::pagination::{Page, PageRequest};
use crate::schema::{consent_events, consents, plan_steps, plans, step_exercises};
use crate::{AnyConnection, ids, time};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = plans)]
pub struct PlanRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub title: String,
    pub goal: String,
    pub status: String,
    pub hold_cause: Option<String>,
    pub current_step_id: Option<String>,
    pub version: i32,
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub activated_at: Option<chrono::NaiveDateTime>,
    pub completed_at: Option<chrono::NaiveDateTime>,
    /// The template the plan was drafted from (built-in or the practice's), if any.
    pub template_id: Option<String>,
    /// The template's version at the time.
    pub template_version: Option<i32>,
}

impl PlanRow {
    pub fn status(&self) -> StoreResult<PlanStatus> {
        PlanStatus::parse(&self.status).ok_or_else(|| StoreError::Corrupt(format!("plan status {:?}", self.status)))
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = plan_steps)]
pub struct StepRow {
    pub id: String,
    pub practice_id: String,
    pub plan_id: String,
    pub position: i32,
    pub title: String,
    pub description: String,
    pub target_per_week: i32,
    pub min_sessions: i32,
    pub target_suds: i32,
    pub setback_suds: i32,
    pub window_days: i32,
    pub status: String,
    pub activated_at: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl StepRow {
    pub fn status(&self) -> StoreResult<StepStatus> {
        StepStatus::parse(&self.status).ok_or_else(|| StoreError::Corrupt(format!("step status {:?}", self.status)))
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = step_exercises)]
pub struct ItemRow {
    pub id: String,
    pub practice_id: String,
    pub plan_id: String,
    pub step_id: String,
    pub position: i32,
    pub exercise_id: String,
    pub title: String,
    pub category: String,
    pub instructions: String,
    pub duration_minutes: i32,
    pub intensity: i32,
    pub check_in_prompts: String,
    pub exit_strategy: String,
    pub tags: String,
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = consents)]
pub struct ConsentRow {
    pub step_id: String,
    pub user_id: String,
    pub practice_id: String,
    pub plan_id: String,
    pub answer: String,
    pub note: Option<String>,
    pub updated_at: chrono::NaiveDateTime,
}

impl ConsentRow {
    pub fn answer(&self) -> StoreResult<ConsentAnswer> {
        ConsentAnswer::parse(&self.answer).ok_or_else(|| StoreError::Corrupt(format!("consent {:?}", self.answer)))
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = consent_events)]
pub struct ConsentEventRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub plan_id: String,
    pub step_id: String,
    pub user_id: String,
    pub answer: String,
    pub note: Option<String>,
    pub created_at: chrono::NaiveDateTime,
}

/// A plan with everything its ETag covers, loaded together.
#[derive(Debug, Clone)]
pub struct PlanTree {
    pub plan: PlanRow,
    pub steps: Vec<StepRow>,
    pub items: Vec<ItemRow>,
    pub consents: Vec<ConsentRow>,
}

impl PlanTree {
    #[must_use]
    pub fn step(&self, step_id: &str) -> Option<&StepRow> {
        self.steps.iter().find(|s| s.id == step_id)
    }

    pub fn items_of<'a>(&'a self, step_id: &'a str) -> impl Iterator<Item = &'a ItemRow> + 'a {
        self.items.iter().filter(move |i| i.step_id == step_id)
    }

    /// The two partners' answers on a step, in the order of `partners`.
    #[must_use]
    pub fn answers(&self, step_id: &str, partners: [&str; 2]) -> [Option<ConsentAnswer>; 2] {
        partners.map(|p| {
            self.consents
                .iter()
                .find(|c| c.step_id == step_id && c.user_id == p)
                .and_then(|c| ConsentAnswer::parse(&c.answer))
        })
    }
}

pub fn insert_plan(conn: &mut AnyConnection, row: &PlanRow) -> StoreResult<()> {
    diesel::insert_into(plans::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find_plan(conn: &mut AnyConnection, id: &str) -> StoreResult<Option<PlanRow>> {
    Ok(plans::table.find(id).select(PlanRow::as_select()).first(conn).optional()?)
}

/// Loads a plan with its steps (in order), exercises (in order) and consents.
pub fn tree(conn: &mut AnyConnection, plan_id: &str) -> StoreResult<Option<PlanTree>> {
    let Some(plan) = find_plan(conn, plan_id)? else { return Ok(None) };
    Ok(Some(tree_of(conn, plan, true)?))
}

/// The tree of a plan already read; without the exercise snapshots (`items` empty) when
/// the caller only needs steps and consents (progress, the summary refresh).
pub fn tree_of(conn: &mut AnyConnection, plan: PlanRow, with_items: bool) -> StoreResult<PlanTree> {
    let plan_id = plan.id.as_str();
    let steps = plan_steps::table
        .filter(plan_steps::plan_id.eq(plan_id))
        .order(plan_steps::position.asc())
        .select(StepRow::as_select())
        .load(conn)?;
    let items = if with_items {
        step_exercises::table
            .filter(step_exercises::plan_id.eq(plan_id))
            .order((step_exercises::step_id.asc(), step_exercises::position.asc()))
            .select(ItemRow::as_select())
            .load(conn)?
    } else {
        Vec::new()
    };
    let consents = consents::table.filter(consents::plan_id.eq(plan_id)).select(ConsentRow::as_select()).load(conn)?;
    Ok(PlanTree { plan, steps, items, consents })
}

/// One page of a couple's plans, newest first.
pub fn list(conn: &mut AnyConnection, couple_id: &str, page: &PageRequest) -> StoreResult<Page<PlanRow>> {
    let mut query = plans::table.filter(plans::couple_id.eq(couple_id)).into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(plans::id.lt(after.clone()));
    }
    let rows = query.order(plans::id.desc()).limit(page.fetch_limit()).select(PlanRow::as_select()).load(conn)?;
    Ok(Page::from_rows(rows, page, |p| &p.id))
}

/// The couple's active or on-hold plan, if any.
pub fn running(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<Option<PlanRow>> {
    Ok(plans::table
        .filter(plans::couple_id.eq(couple_id))
        .filter(plans::status.eq_any([PlanStatus::Active.as_str(), PlanStatus::OnHold.as_str()]))
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?)
}

/// Takes the plan's optimistic lock: bumps its version if it is still `expected`.
/// Returns false when someone else changed the plan first (answer 412).
pub fn bump_version(conn: &mut AnyConnection, plan_id: &str, expected: i32, now: DateTime<Utc>) -> StoreResult<bool> {
    let n = diesel::update(plans::table.find(plan_id).filter(plans::version.eq(expected)))
        .set((plans::version.eq(expected + 1), plans::updated_at.eq(time::to_db(now))))
        .execute(conn)?;
    Ok(n == 1)
}

/// Changes to a plan row; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = plans)]
pub struct PlanChanges {
    pub title: Option<String>,
    pub goal: Option<String>,
    pub status: Option<String>,
    pub hold_cause: Option<Option<String>>,
    pub current_step_id: Option<Option<String>>,
    pub activated_at: Option<Option<chrono::NaiveDateTime>>,
    pub completed_at: Option<Option<chrono::NaiveDateTime>>,
    pub updated_at: Option<chrono::NaiveDateTime>,
}

pub fn update_plan(conn: &mut AnyConnection, plan_id: &str, changes: &PlanChanges) -> StoreResult<()> {
    diesel::update(plans::table.find(plan_id)).set(changes).execute(conn)?;
    Ok(())
}

pub fn insert_step(conn: &mut AnyConnection, row: &StepRow) -> StoreResult<()> {
    diesel::insert_into(plan_steps::table).values(row).execute(conn)?;
    Ok(())
}

pub fn save_step(conn: &mut AnyConnection, row: &StepRow) -> StoreResult<()> {
    diesel::update(plan_steps::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// Sets a step's status, and its activation time when it becomes active.
pub fn set_step_status(
    conn: &mut AnyConnection,
    step_id: &str,
    status: StepStatus,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let now = time::to_db(now);
    if status == StepStatus::Active {
        diesel::update(plan_steps::table.find(step_id))
            .set((
                plan_steps::status.eq(status.as_str()),
                plan_steps::activated_at.eq(now),
                plan_steps::updated_at.eq(now),
            ))
            .execute(conn)?;
    } else {
        diesel::update(plan_steps::table.find(step_id))
            .set((plan_steps::status.eq(status.as_str()), plan_steps::updated_at.eq(now)))
            .execute(conn)?;
    }
    Ok(())
}

/// Deletes a step with its exercises, consents and consent history.
pub fn delete_step(conn: &mut AnyConnection, step_id: &str) -> StoreResult<()> {
    diesel::delete(step_exercises::table.filter(step_exercises::step_id.eq(step_id))).execute(conn)?;
    diesel::delete(consents::table.filter(consents::step_id.eq(step_id))).execute(conn)?;
    diesel::delete(consent_events::table.filter(consent_events::step_id.eq(step_id))).execute(conn)?;
    diesel::delete(plan_steps::table.find(step_id)).execute(conn)?;
    Ok(())
}

/// Renumbers steps to the given order (ids, first to last).
pub fn reorder_steps(conn: &mut AnyConnection, ordered_ids: &[String]) -> StoreResult<()> {
    for (position, id) in ordered_ids.iter().enumerate() {
        let position = i32::try_from(position).map_err(|_| StoreError::Corrupt("too many steps".into()))?;
        diesel::update(plan_steps::table.find(id)).set(plan_steps::position.eq(position)).execute(conn)?;
    }
    Ok(())
}

pub fn insert_item(conn: &mut AnyConnection, row: &ItemRow) -> StoreResult<()> {
    diesel::insert_into(step_exercises::table).values(row).execute(conn)?;
    Ok(())
}

pub fn delete_item(conn: &mut AnyConnection, item_id: &str) -> StoreResult<()> {
    diesel::delete(step_exercises::table.find(item_id)).execute(conn)?;
    Ok(())
}

/// Records a partner's answer on a step: the current answer and a history event.
pub fn set_consent(
    conn: &mut AnyConnection,
    plan: &PlanRow,
    step_id: &str,
    user_id: &str,
    answer: ConsentAnswer,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let row = ConsentRow {
        step_id: step_id.to_owned(),
        user_id: user_id.to_owned(),
        practice_id: plan.practice_id.clone(),
        plan_id: plan.id.clone(),
        answer: answer.as_str().to_owned(),
        note: note.map(str::to_owned),
        updated_at: time::to_db(now),
    };
    crate::per_backend::upsert_consent(conn, &row)?;
    diesel::insert_into(consent_events::table)
        .values(ConsentEventRow {
            id: ids::new_id(),
            practice_id: plan.practice_id.clone(),
            couple_id: plan.couple_id.clone(),
            plan_id: plan.id.clone(),
            step_id: step_id.to_owned(),
            user_id: user_id.to_owned(),
            answer: answer.as_str().to_owned(),
            note: note.map(str::to_owned),
            created_at: time::to_db(now),
        })
        .execute(conn)?;
    Ok(())
}

/// A plan's consent history, oldest first.
pub fn consent_history(conn: &mut AnyConnection, plan_id: &str) -> StoreResult<Vec<ConsentEventRow>> {
    Ok(consent_events::table
        .filter(consent_events::plan_id.eq(plan_id))
        .order(consent_events::id.asc())
        .select(ConsentEventRow::as_select())
        .load(conn)?)
}

/// Every consent change of every plan of the couple, in one query: plans newest first
/// (as [`list`] orders them), each plan's changes oldest first (as [`consent_history`]).
pub fn consent_history_of_couple(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<Vec<ConsentEventRow>> {
    Ok(consent_events::table
        .filter(consent_events::couple_id.eq(couple_id))
        .order((consent_events::plan_id.desc(), consent_events::id.asc()))
        .select(ConsentEventRow::as_select())
        .load(conn)?)
}

/// A step's weekly target.
pub fn step_target(conn: &mut AnyConnection, step_id: &str) -> StoreResult<Option<i32>> {
    Ok(plan_steps::table.find(step_id).select(plan_steps::target_per_week).first(conn).optional()?)
}
