//! Couples and caseloads: creation with both partners' invitations, reading, labels and
//! discharge.

use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;
use tandem_service::couples;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Authenticated;
use crate::db;
use crate::error::ApiResult;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::couple::Couple;
use tandem_service::records::CoupleStatus;

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
    #[schema(min_items = 2, max_items = 2, example = json!([
        {"display_name": "Jordan", "email": "jordan@example.org", "time_zone": "America/Chicago"},
        {"display_name": "Sam", "email": "sam@example.org", "time_zone": "America/Chicago"}
    ]))]
    pub partners: Vec<NewPartner>,
    /// Clinicians to assign besides the creator (a clinician creating the couple is
    /// assigned automatically; an admin who is not a clinician must name at least one).
    #[serde(default)]
    #[schema(example = json!([]))]
    pub clinician_ids: Vec<String>,
}

/// Changes to a couple; omitted fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CouplePatch {
    #[schema(example = "Couple 14 (Thursdays)")]
    pub label: Option<String>,
    /// `discharged` ends treatment; `active` re-admits.
    pub status: Option<CoupleStatus>,
}

/// Caseload filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CoupleListParams {
    /// Only couples in this state.
    pub status: Option<CoupleStatus>,
    /// Clinicians: only the couples that need attention, most urgent first, whole (up to
    /// 500, no cursor), each with its `attention` flags.
    pub needs_attention: Option<bool>,
    /// How many items to return, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
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
    let q = query.into_inner();
    if q.needs_attention == Some(true) {
        let cards = db::call(&state, &auth, couples::needs_attention).await?;
        let items = cards.into_iter().map(Couple::from_card).collect::<ApiResult<_>>()?;
        return Ok(web::Json(Paginated { items, next_cursor: None }));
    }
    let page = PageParams { limit: q.limit, cursor: q.cursor }.request()?;
    let status = q.status;
    let list = db::call(&state, &auth, move |cx| couples::list(cx, status, &page)).await?;
    Ok(web::Json(Paginated::from_page(list, Couple::from_card)?))
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
    let body = body.into_inner();
    let input = couples::NewCouple {
        label: body.label,
        partners: body
            .partners
            .into_iter()
            .map(|p| couples::NewPartner { display_name: p.display_name, email: p.email, time_zone: p.time_zone })
            .collect(),
        clinician_ids: body.clinician_ids,
    };
    let card = db::call(&state, &auth, move |cx| couples::create(cx, input)).await?;
    let created = Couple::from_card(card)?;
    Ok(HttpResponse::Created().insert_header(("Location", format!("/api/v1/couples/{}", created.id))).json(created))
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
    let card = db::call(&state, &auth, move |cx| couples::get(cx, &path)).await?;
    Ok(web::Json(Couple::from_card(card)?))
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
    let CouplePatch { label, status } = body.into_inner();
    let patch = couples::CouplePatch { label, status };
    let card = db::call(&state, &auth, move |cx| couples::update(cx, &path, patch)).await?;
    Ok(web::Json(Couple::from_card(card)?))
}
