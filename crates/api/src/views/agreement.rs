//! A couple's safety agreement as a reader may see it (its own routes and the export).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::Actor;
use tandem_domain::agreements::PartnerTerms;
use tandem_service::agreements::PartnerInput;
use tandem_service::records::{CoupleRow, Version, time};
use utoipa::ToSchema;

use crate::error::ApiResult;

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
    pub fn into_input(self) -> PartnerInput {
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

pub fn view(actor: &Actor, couple: &CoupleRow, version: &Version, in_effect: Option<i32>) -> ApiResult<Agreement> {
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
