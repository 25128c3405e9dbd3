//! Each couple's safety agreement: versioned, written by the couple's clinician, read
//! whole by both partners, in effect once both acknowledged it.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::agreements::PartnerTerms;
use tandem_domain::exercises::is_known_tag;
use tandem_domain::{Action, Actor};
use tandem_store::agreements::{self as store, AgreementRow, Version};
use tandem_store::couples::CoupleRow;
use tandem_store::{AnyConnection, ids, time};
use utoipa::ToSchema;

use crate::audit;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::handlers::access;
use crate::state::AppState;
use crate::{db, etag};
use tandem_service::safety;

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
    #[schema(example = json!(["touch:genital", "clothing:removed"]))]
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

/// The latest version and the version in effect.
fn current(conn: &mut AnyConnection, couple: &CoupleRow) -> ApiResult<Option<(Version, Option<i32>)>> {
    let versions = store::versions(conn, &couple.id)?;
    let in_effect = versions
        .iter()
        .find(|v| tandem_domain::agreements::in_effect(&v.acknowledged_by(), couple.partner_ids()))
        .map(|v| v.row.version);
    Ok(versions.into_iter().next().map(|latest| (latest, in_effect)))
}

fn tag_of(couple: &CoupleRow, version: i32) -> String {
    etag::of("agreement", &couple.id, version)
}

fn respond(status: StatusCode, couple: &CoupleRow, agreement: Agreement) -> HttpResponse {
    HttpResponse::build(status).insert_header((header::ETAG, tag_of(couple, agreement.version))).json(agreement)
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
    let (couple, _) = access::load_couple(&state, &auth, path.into_inner(), Action::ReadClinical).await?;
    let c = couple.clone();
    let found = db::read(&state, move |conn| current(conn, &c)).await?;
    let Some((latest, in_effect)) = found else { return Err(ApiError::NotFound) };
    state
        .audit
        .read_event(access::event(&state, &auth, "agreement.read", "safety_agreement", &latest.row.id, &couple.id))
        .await;
    Ok(respond(StatusCode::OK, &couple, view(&auth.actor, &couple, &latest, in_effect)?))
}

fn validate(input: &AgreementInput, couple: &CoupleRow, now: DateTime<Utc>) -> ApiResult<[PartnerTerms; 2]> {
    let mut errors = Vec::new();
    if let Err(why) = tandem_domain::validation::check_review_by(input.review_by, now) {
        errors.push(FieldError::new("review_by", why));
    }
    let mut slots: [Option<PartnerTerms>; 2] = [None, None];
    if input.partners.len() != 2 {
        errors.push(FieldError::new("partners", "give exactly one entry per partner"));
    }
    for (i, p) in input.partners.iter().enumerate() {
        let Some(slot) = couple.partner_ids().iter().position(|id| *id == p.user_id) else {
            errors.push(FieldError::new(format!("partners[{i}].user_id"), "is not a partner of this couple"));
            continue;
        };
        for (field, value) in [
            ("willing_to_try", &p.willing_to_try),
            ("off_limits", &p.off_limits),
            ("pause_signal", &p.pause_signal),
            ("soft_no", &p.soft_no),
            ("tentative_yes", &p.tentative_yes),
        ] {
            if value.chars().count() > 2000 {
                errors.push(FieldError::new(format!("partners[{i}].{field}"), "must be at most 2000 characters"));
            }
        }
        if p.pause_signal.trim().is_empty() {
            errors.push(FieldError::new(format!("partners[{i}].pause_signal"), "every partner needs a pause signal"));
        }
        for tag in &p.off_limits_tags {
            if !is_known_tag(tag) {
                errors.push(FieldError::new(
                    format!("partners[{i}].off_limits_tags"),
                    format!("{tag:?} is not in the tag vocabulary"),
                ));
            }
        }
        if slots[slot].is_some() {
            errors.push(FieldError::new(format!("partners[{i}].user_id"), "appears twice"));
        }
        slots[slot] = Some(PartnerTerms {
            willing_to_try: p.willing_to_try.trim().to_owned(),
            off_limits: p.off_limits.trim().to_owned(),
            off_limits_tags: p.off_limits_tags.clone(),
            pause_signal: p.pause_signal.trim().to_owned(),
            soft_no: p.soft_no.trim().to_owned(),
            tentative_yes: p.tentative_yes.trim().to_owned(),
        });
    }
    match (errors.is_empty(), slots) {
        (true, [Some(a), Some(b)]) => Ok([a, b]),
        (true, _) => Err(ApiError::validation("partners", "give exactly one entry per partner")),
        (false, _) => Err(ApiError::Validation(errors)),
    }
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
    let (couple, _) = access::load_couple(&state, &auth, path.into_inner(), Action::WriteClinical).await?;
    access::require_in_treatment(&couple)?;
    let input = body.into_inner();
    let terms = validate(&input, &couple, state.clock.now())?;
    let c = couple.clone();
    let latest_version = db::read(&state, move |conn| Ok(current(conn, &c)?.map(|(v, _)| v.row.version))).await?;
    match latest_version {
        None if etag::if_none_match_any(&req) => {}
        None if req.headers().contains_key(header::IF_MATCH) => return Err(ApiError::PreconditionFailed),
        None => return Err(ApiError::PreconditionRequired),
        Some(_) if etag::if_none_match_any(&req) => return Err(ApiError::PreconditionFailed),
        Some(v) => etag::require_match(&req, &tag_of(&couple, v))?,
    }
    let now = state.clock.now();
    let version = latest_version.unwrap_or(0) + 1;
    let to_json = |t: &PartnerTerms| serde_json::to_string(t).map_err(|e| ApiError::internal(e));
    let row = AgreementRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        version,
        partner_a_terms: to_json(&terms[0])?,
        partner_b_terms: to_json(&terms[1])?,
        review_by: time::to_db(input.review_by),
        created_by: auth.actor.user_id.clone(),
        created_at: time::to_db(now),
    };
    let event = access::event(&state, &auth, "agreement.create", "safety_agreement", &row.id, &couple.id);
    let c = couple.clone();
    let actor = auth.actor.clone();
    let created = db::write(&state, move |conn| {
        // A concurrent writer who took this version number first makes ours stale.
        store::insert(conn, &row).map_err(|e| match e {
            tandem_store::StoreError::Conflict(_) => ApiError::PreconditionFailed,
            other => other.into(),
        })?;
        audit::record(conn, event)?;
        let (latest, in_effect) = current(conn, &c)?.ok_or(ApiError::NotFound)?;
        view(&actor, &c, &latest, in_effect)
    })
    .await?;
    Ok(respond(if version == 1 { StatusCode::CREATED } else { StatusCode::OK }, &couple, created))
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
    let (couple, _) = access::load_couple(&state, &auth, path.into_inner(), Action::ReadClinical).await?;
    let c = couple.clone();
    let actor = auth.actor.clone();
    let items = db::read(&state, move |conn| {
        let versions = store::versions(conn, &c.id)?;
        let in_effect = versions
            .iter()
            .find(|v| tandem_domain::agreements::in_effect(&v.acknowledged_by(), c.partner_ids()))
            .map(|v| v.row.version);
        versions.iter().map(|v| view(&actor, &c, v, in_effect)).collect::<ApiResult<Vec<_>>>()
    })
    .await?;
    state
        .audit
        .read_event(access::event(&state, &auth, "agreement.list", "safety_agreement", &couple.id, &couple.id))
        .await;
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
    let (couple, _) = access::load_couple(&state, &auth, path.into_inner(), Action::PartnerAnswer).await?;
    access::require_in_treatment(&couple)?;
    let now = state.clock.now();
    let c = couple.clone();
    let actor = auth.actor.clone();
    let ev_state = state.clone();
    let ev_auth = auth.clone();
    let agreement = db::write(&state, move |conn| {
        let (latest, _) = current(conn, &c)?.ok_or(ApiError::NotFound)?;
        if store::acknowledge(conn, &latest.row, &actor.user_id, now)? {
            audit::record(
                conn,
                access::event(&ev_state, &ev_auth, "agreement.acknowledge", "safety_agreement", &latest.row.id, &c.id),
            )?;
            // Taking effect may stop the running plan.
            let (latest, in_effect) = current(conn, &c)?.ok_or(ApiError::NotFound)?;
            if in_effect == Some(latest.row.version) {
                safety::stop_if_off_limits(conn, &c, now)?;
            }
            tandem_service::review::refresh_summary(conn, &c, now)?;
        }
        let (latest, in_effect) = current(conn, &c)?.ok_or(ApiError::NotFound)?;
        view(&actor, &c, &latest, in_effect)
    })
    .await?;
    Ok(respond(StatusCode::OK, &couple, agreement))
}
