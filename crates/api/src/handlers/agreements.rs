//! Each couple's safety agreement: versioned, written by the couple's clinician, read
//! whole by both partners, in effect once both acknowledged it.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::Actor;
use tandem_domain::agreements::PartnerTerms;
use tandem_service::agreements::{self, AgreementDoc, PartnerInput};
use tandem_service::records::{CoupleRow, Version, time};
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::{db, etag};

/// One partner's side of the agreement.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerTermsView {
    /// The partner these terms belong to.
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e60")]
    pub user_id: String,
    /// What they are willing to try, in their words.
    #[schema(example = "Holding hands, cuddling with clothes on, slow massages")]
    pub willing_to_try: String,
    /// What is off-limits, in their words.
    #[schema(example = "Nothing below the waist for now")]
    pub off_limits: String,
    /// Exercise tags that are off-limits (from the exercise tag vocabulary); plans cannot
    /// include exercises with these tags.
    #[serde(default)]
    #[schema(value_type = Vec<tandem_domain::vocabulary::ExerciseTag>, example = json!(["touch:genital", "clothing:removed"]))]
    pub off_limits_tags: Vec<String>,
    /// The word or gesture that means "stop now".
    #[schema(example = "Saying 'pineapple'")]
    pub pause_signal: String,
    /// How they will say a soft no.
    #[schema(example = "Not tonight, but ask me again")]
    pub soft_no: String,
    /// How they will say a tentative yes.
    #[schema(example = "I'd like to try, slowly")]
    pub tentative_yes: String,
}

impl PartnerTermsView {
    fn into_input(self) -> PartnerInput {
        PartnerInput {
            user_id: self.user_id,
            terms: PartnerTerms {
                willing_to_try: self.willing_to_try,
                off_limits: self.off_limits,
                off_limits_tags: self.off_limits_tags,
                pause_signal: self.pause_signal,
                soft_no: self.soft_no,
                tentative_yes: self.tentative_yes,
            },
        }
    }
}

/// A new version of the agreement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementInput {
    /// When the couple and clinician review it next (RFC 3339).
    pub review_by: DateTime<Utc>,
    /// Exactly one entry per partner.
    #[schema(min_items = 2, max_items = 2)]
    pub partners: Vec<PartnerTermsView>,
}

/// A partner's acknowledgement, shown to clinicians.
#[derive(Debug, Serialize, ToSchema)]
pub struct Acknowledgement {
    pub user_id: String,
    pub acknowledged_at: DateTime<Utc>,
}

/// A version of a couple's safety agreement.
#[derive(Debug, Serialize, ToSchema)]
pub struct Agreement {
    pub couple_id: String,
    /// 1 for the first version, then 2, 3, …
    #[schema(example = 2)]
    pub version: i32,
    pub review_by: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// Both partners' terms: each must know the other's limits to respect them.
    pub partners: Vec<PartnerTermsView>,
    /// Whether both partners acknowledged this version.
    pub in_effect: bool,
    /// The version in effect now (this one, or an earlier one until both acknowledge).
    pub version_in_effect: Option<i32>,
    /// Who acknowledged it and when; shown to clinicians only (`null` for partners).
    pub acknowledgements: Option<Vec<Acknowledgement>>,
    /// For partners: whether the caller has acknowledged this version.
    pub acknowledged_by_me: Option<bool>,
}

fn view(actor: &Actor, couple: &CoupleRow, version: &Version, in_effect: Option<i32>) -> ApiResult<Agreement> {
    let terms = version.row.terms()?;
    let partners = couple
        .partner_ids()
        .iter()
        .zip(terms)
        .map(|(user_id, t)| PartnerTermsView {
            user_id: (*user_id).to_owned(),
            willing_to_try: t.willing_to_try,
            off_limits: t.off_limits,
            off_limits_tags: t.off_limits_tags,
            pause_signal: t.pause_signal,
            soft_no: t.soft_no,
            tentative_yes: t.tentative_yes,
        })
        .collect();
    let is_partner = couple.has_partner(&actor.user_id);
    let acknowledged = version.acknowledged_by();
    Ok(Agreement {
        couple_id: couple.id.clone(),
        version: version.row.version,
        review_by: time::from_db(version.row.review_by),
        created_at: time::from_db(version.row.created_at),
        partners,
        in_effect: tandem_domain::agreements::in_effect(&acknowledged, couple.partner_ids()),
        version_in_effect: in_effect,
        acknowledgements: (!is_partner).then(|| {
            version
                .acknowledgements
                .iter()
                .map(|(u, at)| Acknowledgement { user_id: u.clone(), acknowledged_at: time::from_db(*at) })
                .collect()
        }),
        acknowledged_by_me: is_partner.then(|| acknowledged.contains(&actor.user_id)),
    })
}

fn tag_of(couple: &CoupleRow, version: i32) -> String {
    etag::of("agreement", &couple.id, version)
}

fn respond(status: StatusCode, actor: &Actor, doc: &AgreementDoc) -> ApiResult<HttpResponse> {
    let agreement = view(actor, &doc.couple, &doc.version, doc.in_effect)?;
    Ok(HttpResponse::build(status)
        .insert_header((header::ETAG, tag_of(&doc.couple, agreement.version)))
        .json(agreement))
}

#[utoipa::path(
    tag = "agreements",
    operation_id = "getSafetyAgreement",
    summary = "The couple's current safety agreement",
    description = "The latest version with both partners' terms, whether it is in effect, and which version is. The couple's clinicians see who acknowledged it; each partner sees whether they have. Every read is audited.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The latest version, with its ETag.", body = Agreement)
    )
)]
#[get("/couples/{couple_id}/safety-agreement")]
pub async fn get_agreement(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let doc = db::call(&state, &auth, move |cx| agreements::get(cx, &path)).await?;
    respond(StatusCode::OK, &auth.actor, &doc)
}

#[utoipa::path(
    tag = "agreements",
    operation_id = "putSafetyAgreement",
    summary = "Write a new version of the safety agreement",
    description = "The couple's clinicians only. Creates the first version with `If-None-Match: *`, and each later version with `If-Match` carrying the current ETag (428 without, 412 when stale). A new version needs both partners' acknowledgements; until then the previous version stays in effect. When a version takes effect that makes an exercise of the current step off-limits, the running plan is put on hold at once.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("If-Match" = Option<String>, Header, description = "The ETag of the current version. Required for every version after the first (428 without it, 412 when stale); only the first version is written without it, with `If-None-Match: *`."),
        ("If-None-Match" = Option<String>, Header, description = "`*` to create the first version.")
    ),
    request_body = AgreementInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A new version, awaiting both acknowledgements.", body = Agreement),
        (status = 201, description = "The first version, awaiting both acknowledgements.", body = Agreement),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[put("/couples/{couple_id}/safety-agreement")]
pub async fn put_agreement(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<AgreementInput>,
) -> ApiResult<HttpResponse> {
    let AgreementInput { review_by, partners } = body.into_inner();
    let partners = partners.into_iter().map(PartnerTermsView::into_input).collect();
    let input = agreements::AgreementInput { review_by, partners };
    let draft = db::call(&state, &auth, move |cx| agreements::draft(cx, &path, input)).await?;
    match draft.latest {
        None if etag::if_none_match_any(&req) => {}
        None if req.headers().contains_key(header::IF_MATCH) => return Err(ApiError::PreconditionFailed),
        None => return Err(ApiError::PreconditionRequired),
        Some(_) if etag::if_none_match_any(&req) => return Err(ApiError::PreconditionFailed),
        Some(v) => etag::require_match(&req, &tag_of(&draft.couple, v))?,
    }
    let first = draft.latest.is_none();
    let doc = db::call(&state, &auth, move |cx| agreements::put(cx, draft)).await?;
    respond(if first { StatusCode::CREATED } else { StatusCode::OK }, &auth.actor, &doc)
}

/// One page of versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementVersions {
    /// Every version, newest first (a couple has few).
    pub items: Vec<Agreement>,
    /// Always `null`: the whole history fits in one page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    tag = "agreements",
    operation_id = "listSafetyAgreementVersions",
    summary = "Every version of the safety agreement",
    description = "Newest first. The history is short, so it comes whole (`next_cursor` is always null).",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "All versions.", body = AgreementVersions)
    )
)]
#[get("/couples/{couple_id}/safety-agreement/versions")]
pub async fn list_versions(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<web::Json<AgreementVersions>> {
    let (couple, versions, in_effect) = db::call(&state, &auth, move |cx| agreements::versions(cx, &path)).await?;
    let items = versions.iter().map(|v| view(&auth.actor, &couple, v, in_effect)).collect::<ApiResult<_>>()?;
    Ok(web::Json(AgreementVersions { items, next_cursor: None }))
}

#[utoipa::path(
    tag = "agreements",
    operation_id = "acknowledgeSafetyAgreement",
    summary = "Acknowledge the current version (partners)",
    description = "The calling partner acknowledges the latest version. Once both have, it is in effect; if it makes an exercise of the current step off-limits, the plan is put on hold at once. Acknowledging twice changes nothing.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The version as acknowledged.", body = Agreement),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/safety-agreement/acknowledgements")]
pub async fn acknowledge(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let doc = db::call(&state, &auth, move |cx| agreements::acknowledge(cx, &path)).await?;
    respond(StatusCode::OK, &auth.actor, &doc)
}
