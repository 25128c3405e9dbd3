//! Couples and caseloads: creation with both partners' invitations, reading, labels and
//! discharge, clinician assignment, and re-sent invitations.

use std::collections::HashMap;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::lifetimes::INVITATION_TTL;
use tandem_domain::validation::{check_display_name, check_time_zone, normalize_email};
use tandem_domain::{Access, Action, Actor, CoupleRelation, Resource, UserKind, UserStatus, authorize};
use tandem_notification::EmailKind;
use tandem_store::couples::{self, CoupleChanges, CoupleRow, CoupleStatus, Scope};
use tandem_store::tokens::{self as one_time, TokenKind};
use tandem_store::users::{self, NewUser, UserRow};
use tandem_store::{AnyConnection, StoreError, ids, time};
use utoipa::{IntoParams, ToSchema};

use crate::audit::{self, Event};
use crate::auth::{Authenticated, tokens};
use crate::db;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::handlers::{access, allow};
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::user::AccountStatus;

/// Whether a couple is in treatment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CoupleStatusView {
    /// In treatment.
    Active,
    /// Treatment ended: partners can still read their record but submit nothing.
    Discharged,
}

impl From<CoupleStatus> for CoupleStatusView {
    fn from(s: CoupleStatus) -> Self {
        match s {
            CoupleStatus::Active => Self::Active,
            CoupleStatus::Discharged => Self::Discharged,
        }
    }
}

/// How much of the couple the caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CoupleAccess {
    /// People and (in later resources) the clinical record: assigned clinicians, partners.
    Full,
    /// Existence, label, status and clinicians only: admins not assigned to the couple.
    StatusOnly,
}

/// One partner as the caller may see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Partner {
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e60")]
    pub id: String,
    #[schema(example = "Jordan")]
    pub display_name: String,
    /// Shown to the couple's clinicians and to the partner themself.
    #[schema(example = "jordan@example.org")]
    pub email: Option<String>,
    /// `invited` until they accept their invitation.
    pub status: AccountStatus,
}

/// A clinician assigned to the couple.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoupleClinician {
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e5f")]
    pub id: String,
    #[schema(example = "Dr. Sam Rivera")]
    pub display_name: String,
}

/// A couple.
#[derive(Debug, Serialize, ToSchema)]
pub struct Couple {
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e70")]
    pub id: String,
    /// A non-identifying label chosen by the clinician.
    #[schema(example = "Couple 14 (Tuesdays)")]
    pub label: String,
    pub status: CoupleStatusView,
    /// What this caller may see of the couple.
    pub access: CoupleAccess,
    /// Both partners; `null` when `access` is `status_only`.
    pub partners: Option<Vec<Partner>>,
    /// The assigned clinicians, in order of assignment.
    pub clinicians: Vec<CoupleClinician>,
    pub created_at: DateTime<Utc>,
    pub discharged_at: Option<DateTime<Utc>>,
    /// Only with `needs_attention=true`: why the couple needs the clinician.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attention: Option<Attention>,
}

/// Why a couple is in the needs-attention list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attention {
    /// Most urgent first.
    pub flags: Vec<tandem_domain::attention::Flag>,
    /// 1 (most urgent) to 8: the rank of the first flag.
    pub urgency: u8,
}

/// The most couples the urgency-sorted caseload returns (it comes whole, not paged).
pub const ATTENTION_LIMIT: i64 = 500;

/// A partner to create with a new couple.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPartner {
    #[schema(example = "Jordan")]
    pub display_name: String,
    /// Their own login; an invitation is sent here.
    #[schema(example = "jordan@example.org")]
    pub email: String,
    /// IANA time zone, for reminders (default `UTC`).
    #[schema(example = "America/Chicago")]
    pub time_zone: Option<String>,
}

/// A new couple: a label, exactly two partners and, optionally, more clinicians.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCoupleRequest {
    #[schema(example = "Couple 14 (Tuesdays)")]
    pub label: String,
    /// Exactly two partners, each with their own email.
    #[schema(min_items = 2, max_items = 2)]
    pub partners: Vec<NewPartner>,
    /// Clinicians to assign besides the creator (a clinician creating the couple is
    /// assigned automatically; an admin who is not a clinician must name at least one).
    #[serde(default)]
    pub clinician_ids: Vec<String>,
}

/// Changes to a couple; omitted fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CouplePatch {
    #[schema(example = "Couple 14 (Thursdays)")]
    pub label: Option<String>,
    /// `discharged` ends treatment; `active` re-admits.
    pub status: Option<CoupleStatusView>,
}

/// A clinician to assign.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignClinicianRequest {
    /// A clinician of the same practice.
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e5f")]
    pub user_id: String,
}

/// Caseload filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CoupleListParams {
    /// Only couples in this state.
    pub status: Option<CoupleStatusView>,
    /// Clinicians: only the couples that need attention, most urgent first, whole (up to
    /// 500, no cursor), each with its `attention` flags.
    pub needs_attention: Option<bool>,
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Builds views for couples, loading their people in two queries.
fn views(conn: &mut AnyConnection, actor: &Actor, rows: Vec<CoupleRow>) -> ApiResult<Vec<Couple>> {
    let couple_ids: Vec<String> = rows.iter().map(|c| c.id.clone()).collect();
    let assignments = couples::clinician_ids_for(conn, &couple_ids)?;
    let mut people_ids: Vec<String> = assignments.iter().map(|(_, u)| u.clone()).collect();
    for c in &rows {
        people_ids.push(c.partner_a_id.clone());
        people_ids.push(c.partner_b_id.clone());
    }
    people_ids.sort();
    people_ids.dedup();
    let people: HashMap<String, UserRow> =
        users::find_many(conn, &people_ids)?.into_iter().map(|u| (u.id.clone(), u)).collect();
    let mut by_couple: HashMap<&str, Vec<&str>> = HashMap::new();
    for (couple_id, user_id) in &assignments {
        by_couple.entry(couple_id.as_str()).or_default().push(user_id.as_str());
    }
    rows.iter()
        .map(|c| {
            let clinician_ids = by_couple.get(c.id.as_str()).cloned().unwrap_or_default();
            let rel = CoupleRelation {
                assigned_clinician: actor.is_clinician && clinician_ids.contains(&actor.user_id.as_str()),
                partner: c.has_partner(&actor.user_id),
                break_glass: false,
            };
            let full = authorize(actor, Action::ReadCouple, &access::resource(c, rel)) == Access::Allow;
            let partners = if full {
                let mut list = Vec::new();
                for id in [&c.partner_a_id, &c.partner_b_id] {
                    let p = people.get(id).ok_or_else(|| ApiError::internal(format!("partner {id} missing")))?;
                    let show_email = rel.assigned_clinician || p.id == actor.user_id;
                    list.push(Partner {
                        id: p.id.clone(),
                        display_name: p.display_name.clone(),
                        email: show_email.then(|| p.email.clone()),
                        status: p.status()?.into(),
                    });
                }
                Some(list)
            } else {
                None
            };
            let clinicians = clinician_ids
                .iter()
                .filter_map(|id| people.get(*id))
                .map(|u| CoupleClinician { id: u.id.clone(), display_name: u.display_name.clone() })
                .collect();
            Ok(Couple {
                id: c.id.clone(),
                label: c.label.clone(),
                status: c.status()?.into(),
                access: if full { CoupleAccess::Full } else { CoupleAccess::StatusOnly },
                partners,
                clinicians,
                created_at: time::from_db(c.created_at),
                discharged_at: c.discharged_at.map(time::from_db),
                attention: None,
            })
        })
        .collect()
}

fn view(conn: &mut AnyConnection, actor: &Actor, couple_id: &str) -> ApiResult<Couple> {
    let row = couples::find(conn, couple_id)?.ok_or(ApiError::NotFound)?;
    views(conn, actor, vec![row])?.pop().ok_or(ApiError::NotFound)
}

fn event(state: &AppState, auth: &Authenticated, action: &str, couple_id: &str) -> Event {
    Event::new(&auth.actor.practice_id, Some(&auth.actor), action, "couple", state.clock.now())
        .resource(couple_id)
        .couple(couple_id)
        .request(auth.request_id.as_deref())
}

#[utoipa::path(
    tag = "couples",
    operation_id = "listCouples",
    summary = "The caller's couples: caseload, practice or own couple",
    description = "A clinician gets the couples assigned to them; an admin gets every couple of the practice (status only, unless also the assigned clinician); a partner gets their own couple. Oldest first, cursor-paginated; couples added while paging appear on a later page, never twice. With `needs_attention=true` (clinicians only; 403 otherwise) the caseload comes whole (up to 500), most urgent first, each couple with its attention flags.",
    params(CoupleListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of couples.", body = Paginated<Couple>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/couples")]
pub async fn list_couples(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<CoupleListParams>,
) -> ApiResult<web::Json<Paginated<Couple>>> {
    let actor = auth.actor.clone();
    allow(&actor, Action::ListCouples, &Resource::Practice { practice_id: &actor.practice_id })?;
    let q = query.into_inner();
    if q.needs_attention == Some(true) {
        return needs_attention(&state, &auth).await;
    }
    let page = PageParams { limit: q.limit, cursor: q.cursor }.request()?;
    let scope = match actor.kind {
        UserKind::Client => Scope::Partner(actor.user_id.clone()),
        UserKind::Staff if actor.is_admin => Scope::Practice(actor.practice_id.clone()),
        UserKind::Staff => Scope::Clinician(actor.user_id.clone()),
    };
    let status = q.status.map(|s| match s {
        CoupleStatusView::Active => CoupleStatus::Active,
        CoupleStatusView::Discharged => CoupleStatus::Discharged,
    });
    let list = db::read(&state, move |conn| {
        let page = couples::list(conn, &scope, status, &page)?;
        let next_after = page.next_after.clone();
        let items = views(conn, &actor, page.items)?;
        Ok(tandem_store::Page { items, next_after })
    })
    .await?;
    state
        .audit
        .read_event(
            Event::new(&auth.actor.practice_id, Some(&auth.actor), "couple.list", "couple", state.clock.now())
                .request(auth.request_id.as_deref()),
        )
        .await;
    Ok(web::Json(Paginated::from_page(list, Ok)?))
}

/// The clinician's caseload that needs attention, most urgent first, read from the
/// per-couple summaries only (never from reports).
async fn needs_attention(state: &AppState, auth: &Authenticated) -> ApiResult<web::Json<Paginated<Couple>>> {
    if !auth.actor.is_clinician {
        return Err(ApiError::Forbidden);
    }
    let actor = auth.actor.clone();
    let now = state.clock.now();
    let items = db::read(state, move |conn| {
        let rows = couples::caseload_summaries(conn, &actor.user_id, ATTENTION_LIMIT)?;
        let mut flagged = Vec::new();
        for (couple, summary) in rows {
            let facts = tandem_domain::attention::SummaryFacts {
                open_incidents: summary.open_incidents,
                withdrawn: summary.withdrawn,
                pause_cause: summary.pause_cause,
                recommendation: summary.recommendation,
                rising_distress: summary.rising_distress,
                diverging: summary.diverging,
                last_activity_at: summary.last_activity_at.map(time::from_db),
                agreement_review_due_at: summary.agreement_review_due_at.map(time::from_db),
                couple_created_at: Some(time::from_db(couple.created_at)),
            };
            let flags = tandem_domain::attention::flags(&facts, now);
            if let Some(first) = flags.first() {
                let rank = tandem_domain::attention::Flag::ALL.iter().position(|f| f == first).unwrap_or(7);
                flagged.push((rank, couple, flags));
            }
        }
        flagged.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
        let ranks: Vec<(usize, Vec<tandem_domain::attention::Flag>)> =
            flagged.iter().map(|(r, _, f)| (*r, f.clone())).collect();
        let mut list = views(conn, &actor, flagged.into_iter().map(|(_, c, _)| c).collect())?;
        for (view, (rank, flags)) in list.iter_mut().zip(ranks) {
            view.attention = Some(Attention { flags, urgency: u8::try_from(rank + 1).unwrap_or(8) });
        }
        Ok(list)
    })
    .await?;
    state
        .audit
        .read_event(
            Event::new(&auth.actor.practice_id, Some(&auth.actor), "couple.attention", "couple", now)
                .request(auth.request_id.as_deref()),
        )
        .await;
    Ok(web::Json(Paginated { items, next_cursor: None }))
}

fn validate_new_couple(body: &NewCoupleRequest) -> Result<Vec<(String, String, String)>, ApiError> {
    let mut errors = Vec::new();
    if let Err(m) = check_display_name(&body.label) {
        errors.push(FieldError::new("label", m));
    }
    if body.partners.len() != 2 {
        errors.push(FieldError::new("partners", "a couple has exactly two partners"));
    }
    let mut partners = Vec::new();
    for (i, p) in body.partners.iter().enumerate() {
        if let Err(m) = check_display_name(&p.display_name) {
            errors.push(FieldError::new(format!("partners[{i}].display_name"), m));
        }
        let tz = p.time_zone.clone().unwrap_or_else(|| "UTC".into());
        if let Err(m) = check_time_zone(&tz) {
            errors.push(FieldError::new(format!("partners[{i}].time_zone"), m));
        }
        match normalize_email(&p.email) {
            Ok(email) => partners.push((p.display_name.trim().to_owned(), email, tz)),
            Err(m) => errors.push(FieldError::new(format!("partners[{i}].email"), m)),
        }
    }
    if partners.len() == 2 && partners[0].1 == partners[1].1 {
        errors.push(FieldError::new("partners[1].email", "each partner needs their own email"));
    }
    if errors.is_empty() { Ok(partners) } else { Err(ApiError::Validation(errors)) }
}

/// Checks that every id names an active or invited clinician of the practice.
fn check_clinicians(conn: &mut AnyConnection, practice_id: &str, ids: &[String], field: &str) -> ApiResult<()> {
    for id in ids {
        let ok = ids::is_valid(id)
            && users::find(conn, id)?.is_some_and(|u| {
                u.practice_id == practice_id
                    && u.is_clinician
                    && u.kind == UserKind::Staff.as_str()
                    && u.status != UserStatus::Deactivated.as_str()
            });
        if !ok {
            return Err(ApiError::validation(field, "must name a clinician of this practice"));
        }
    }
    Ok(())
}

#[utoipa::path(
    tag = "couples",
    operation_id = "createCouple",
    summary = "Create a couple and invite both partners",
    description = "Creates two client accounts (one login each) and the couple, assigns the creating clinician (and any `clinician_ids`), and emails each partner an invitation valid for 7 days. All or nothing: if either email already has an account in this practice, nothing is created (409). Accounts belong to one practice: an address known to another practice gets a new, separate account here, and the answer is the same as for an unused address.",
    request_body = NewCoupleRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The couple exists and both invitations are on their way.", body = Couple),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples")]
pub async fn create_couple(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: crate::input::Json<NewCoupleRequest>,
) -> ApiResult<HttpResponse> {
    let actor = auth.actor.clone();
    allow(&actor, Action::CreateCouple, &Resource::Practice { practice_id: &actor.practice_id })?;
    let body = body.into_inner();
    let partners = validate_new_couple(&body)?;
    let mut clinician_ids = Vec::new();
    if actor.is_clinician {
        clinician_ids.push(actor.user_id.clone());
    }
    for id in body.clinician_ids {
        if !clinician_ids.contains(&id) {
            clinician_ids.push(id);
        }
    }
    if clinician_ids.is_empty() {
        return Err(ApiError::validation("clinician_ids", "name at least one clinician to care for the couple"));
    }
    let invitations: Vec<String> = partners.iter().map(|_| tokens::generate()).collect();
    let hashes: Vec<String> = invitations.iter().map(|t| tokens::hash(t)).collect();
    let now = state.clock.now();
    let label = body.label.trim().to_owned();
    let couple_id = ids::new_id();
    let ev = event(&state, &auth, "couple.create", &couple_id);
    let new_id = couple_id.clone();
    db::write(&state, move |conn| {
        check_clinicians(conn, &actor.practice_id, &clinician_ids, "clinician_ids")?;
        let mut partner_ids = Vec::new();
        for (((name, email, tz), hash), token) in partners.iter().zip(&hashes).zip(&invitations) {
            let id = ids::new_id();
            let new = NewUser {
                id: &id,
                practice_id: &actor.practice_id,
                email,
                display_name: name,
                kind: UserKind::Client,
                is_admin: false,
                is_clinician: false,
                status: UserStatus::Invited,
                password_hash: None,
                time_zone: tz,
            };
            users::insert(conn, &new, now).map_err(|e| match e {
                StoreError::Conflict(_) => ApiError::conflict(
                    tandem_domain::refusal::Code::AlreadyExists,
                    format!("{email} already has an account"),
                ),
                other => other.into(),
            })?;
            let row = users::find(conn, &id)?.ok_or(ApiError::NotFound)?;
            one_time::issue(conn, TokenKind::Invitation, &row, hash, now, now + INVITATION_TTL)?;
            tandem_notification::outbox::enqueue(
                conn,
                &actor.practice_id,
                Some(&id),
                EmailKind::Invitation,
                email,
                Some(token),
                now,
            )?;
            partner_ids.push(id);
        }
        let couple = CoupleRow {
            id: new_id,
            practice_id: actor.practice_id.clone(),
            label,
            status: CoupleStatus::Active.as_str().into(),
            partner_a_id: partner_ids[0].clone(),
            partner_b_id: partner_ids[1].clone(),
            created_by: actor.user_id.clone(),
            created_at: time::to_db(now),
            updated_at: time::to_db(now),
            discharged_at: None,
        };
        couples::insert(conn, &couple, &clinician_ids, now)?;
        audit::record(conn, ev)?;
        Ok(())
    })
    .await?;
    let actor = auth.actor.clone();
    let id = couple_id.clone();
    let created = db::read(&state, move |conn| view(conn, &actor, &id)).await?;
    Ok(HttpResponse::Created().insert_header(("Location", format!("/api/v1/couples/{couple_id}"))).json(created))
}

#[utoipa::path(
    tag = "couples",
    operation_id = "getCouple",
    summary = "Read a couple",
    description = "Assigned clinicians and the couple's partners see its people; an admin not assigned to it sees existence, label, status and clinicians (`access: status_only`). Anyone else gets 404. Every read is audited.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The couple as the caller may see it.", body = Couple)
    )
)]
#[get("/couples/{couple_id}")]
pub async fn get_couple(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<web::Json<Couple>> {
    let (couple, _) = access::load_couple(&state, &auth, path.into_inner(), Action::ReadCoupleStatus).await?;
    let actor = auth.actor.clone();
    let id = couple.id.clone();
    let found = db::read(&state, move |conn| view(conn, &actor, &id)).await?;
    state.audit.read_event(event(&state, &auth, "couple.read", &couple.id)).await;
    Ok(web::Json(found))
}

#[utoipa::path(
    tag = "couples",
    operation_id = "updateCouple",
    summary = "Relabel or discharge a couple",
    description = "Assigned clinicians only. Discharging ends treatment: the partners keep read access to their own record but can no longer submit anything.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    request_body = CouplePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The couple as changed.", body = Couple)
    )
)]
#[patch("/couples/{couple_id}")]
pub async fn update_couple(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<CouplePatch>,
) -> ApiResult<web::Json<Couple>> {
    let (couple, _) = access::load_couple(&state, &auth, path.into_inner(), Action::UpdateCouple).await?;
    let patch = body.into_inner();
    if let Some(Err(m)) = patch.label.as_deref().map(check_display_name) {
        return Err(ApiError::validation("label", m));
    }
    let now = state.clock.now();
    let mut changes = CoupleChanges {
        label: patch.label.map(|l| l.trim().to_owned()),
        updated_at: Some(time::to_db(now)),
        ..CoupleChanges::default()
    };
    let action = match patch.status {
        Some(CoupleStatusView::Discharged) if couple.status()? == CoupleStatus::Active => {
            changes.status = Some(CoupleStatus::Discharged.as_str().into());
            changes.discharged_at = Some(Some(time::to_db(now)));
            "couple.discharge"
        }
        Some(CoupleStatusView::Active) if couple.status()? == CoupleStatus::Discharged => {
            changes.status = Some(CoupleStatus::Active.as_str().into());
            changes.discharged_at = Some(None);
            "couple.readmit"
        }
        _ => "couple.update",
    };
    let ev = event(&state, &auth, action, &couple.id);
    let actor = auth.actor.clone();
    let updated = db::write(&state, move |conn| {
        couples::update(conn, &couple.id, &changes)?;
        audit::record(conn, ev)?;
        view(conn, &actor, &couple.id)
    })
    .await?;
    Ok(web::Json(updated))
}

#[utoipa::path(
    tag = "couples",
    operation_id = "assignClinician",
    summary = "Assign a clinician to a couple",
    description = "Admins and the couple's assigned clinicians may add a colleague. Assigning someone already assigned changes nothing (200).",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    request_body = AssignClinicianRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The couple with its clinicians.", body = Couple)
    )
)]
#[post("/couples/{couple_id}/clinicians")]
pub async fn assign_clinician(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<AssignClinicianRequest>,
) -> ApiResult<web::Json<Couple>> {
    let (couple, _) = access::load_couple(&state, &auth, path.into_inner(), Action::ManageCoupleClinicians).await?;
    let user_id = body.into_inner().user_id;
    let now = state.clock.now();
    let ev = event(&state, &auth, "couple.assign_clinician", &couple.id);
    let actor = auth.actor.clone();
    let updated = db::write(&state, move |conn| {
        check_clinicians(conn, &couple.practice_id, std::slice::from_ref(&user_id), "user_id")?;
        if couples::assign(conn, &couple, &user_id, &actor.user_id, now)? {
            audit::record(conn, ev)?;
        }
        view(conn, &actor, &couple.id)
    })
    .await?;
    Ok(web::Json(updated))
}

#[utoipa::path(
    tag = "couples",
    operation_id = "unassignClinician",
    summary = "Remove a clinician from a couple",
    description = "Admins and the couple's assigned clinicians may remove a clinician. An active couple always keeps at least one clinician: removing the last one is refused (409); assign the successor first.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("user_id" = String, Path, description = "The clinician to remove.")
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed."),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[delete("/couples/{couple_id}/clinicians/{user_id}")]
pub async fn unassign_clinician(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (couple_id, user_id) = path.into_inner();
    let (couple, _) = access::load_couple(&state, &auth, couple_id, Action::ManageCoupleClinicians).await?;
    let ev = event(&state, &auth, "couple.unassign_clinician", &couple.id);
    let removed_user = user_id.clone();
    db::write(&state, move |conn| {
        if !couples::is_assigned(conn, &couple.id, &user_id)? {
            return Err(ApiError::NotFound);
        }
        if couple.status()? == CoupleStatus::Active && couples::clinician_count(conn, &couple.id)? <= 1 {
            return Err(ApiError::conflict(
                tandem_domain::refusal::Code::LastClinician,
                "an active couple needs at least one clinician; assign another clinician first".into(),
            ));
        }
        couples::unassign(conn, &couple.id, &user_id)?;
        tandem_store::shared::announce(conn, &tandem_store::shared::Revocation::User(user_id.clone()))?;
        audit::record(conn, ev)?;
        Ok(())
    })
    .await?;
    // The removed clinician's rights change now, not when their cache entry expires.
    state.sessions.forget_user(&removed_user);
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    tag = "couples",
    operation_id = "resendInvitation",
    summary = "Re-send a partner's invitation",
    description = "Assigned clinicians only. Sends a new invitation link (valid 7 days); the previous link stops working. Refused (409) once the partner has accepted.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("user_id" = String, Path, description = "The partner's user id.")
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "A new invitation is on its way."),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/partners/{user_id}/invitation")]
pub async fn resend_invitation(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (couple_id, user_id) = path.into_inner();
    let (couple, _) = access::load_couple(&state, &auth, couple_id, Action::ResendInvitation).await?;
    if !couple.has_partner(&user_id) {
        return Err(ApiError::NotFound);
    }
    let token = tokens::generate();
    let hash = tokens::hash(&token);
    let now = state.clock.now();
    let ev = event(&state, &auth, "couple.resend_invitation", &couple.id);
    db::write(&state, move |conn| {
        let partner = users::find(conn, &user_id)?.ok_or(ApiError::NotFound)?;
        if partner.status()? != UserStatus::Invited {
            return Err(ApiError::conflict(
                tandem_domain::refusal::Code::InvitationAccepted,
                "this partner has already accepted their invitation".into(),
            ));
        }
        one_time::issue(conn, TokenKind::Invitation, &partner, &hash, now, now + INVITATION_TTL)?;
        tandem_notification::outbox::enqueue(
            conn,
            &partner.practice_id,
            Some(&partner.id),
            EmailKind::Invitation,
            &partner.email,
            Some(&token),
            now,
        )?;
        audit::record(conn, ev.resource(&partner.id))?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Accepted().finish())
}
