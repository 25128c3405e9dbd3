//! Each couple's safety agreement: versioned, written by the couple's clinician, read
//! whole by both partners, in effect once both acknowledged it.

use chrono::{DateTime, Utc};
use tandem_domain::Action;
use tandem_domain::agreements::PartnerTerms;
use tandem_domain::exercises::is_known_tag;
use tandem_domain::validation::FieldError;
use tandem_store::agreements::{self, AgreementRow, Version};
use tandem_store::couples::CoupleRow;
use tandem_store::{AnyConnection, StoreError, ids, time};

use crate::access;
use crate::audit;
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::review;
use crate::safety;

/// A version of the agreement with its couple and the version in effect now.
#[derive(Debug, Clone)]
pub struct AgreementDoc {
    pub couple: CoupleRow,
    pub version: Version,
    pub in_effect: Option<i32>,
}

/// One partner's side of a new version, as written (trimmed when stored).
#[derive(Debug, Clone)]
pub struct PartnerInput {
    pub user_id: String,
    pub terms: PartnerTerms,
}

/// A new version of the agreement, as written.
#[derive(Debug, Clone)]
pub struct AgreementInput {
    pub review_by: DateTime<Utc>,
    pub partners: Vec<PartnerInput>,
}

/// A checked new version, before its precondition is checked: the adapter compares the
/// latest version's ETag with the request's, then calls [`put`].
#[derive(Debug, Clone)]
pub struct Draft {
    pub couple: CoupleRow,
    /// The latest version now (`None` before the first).
    pub latest: Option<i32>,
    terms: [PartnerTerms; 2],
    review_by: DateTime<Utc>,
}

/// The latest version and the version in effect.
fn current(conn: &mut AnyConnection, couple: &CoupleRow) -> Result<Option<(Version, Option<i32>)>> {
    let versions = agreements::versions(conn, &couple.id)?;
    let in_effect = in_effect_of(&versions, couple);
    Ok(versions.into_iter().next().map(|latest| (latest, in_effect)))
}

fn in_effect_of(versions: &[Version], couple: &CoupleRow) -> Option<i32> {
    versions
        .iter()
        .find(|v| tandem_domain::agreements::in_effect(&v.acknowledged_by(), couple.partner_ids()))
        .map(|v| v.row.version)
}

fn current_doc(conn: &mut AnyConnection, couple: &CoupleRow) -> Result<AgreementDoc> {
    let (version, in_effect) = current(conn, couple)?.ok_or(Error::NotFound)?;
    Ok(AgreementDoc { couple: couple.clone(), version, in_effect })
}

/// The latest version (every read is audited).
pub fn get(cx: &Ctx, couple_id: &str) -> Result<AgreementDoc> {
    let couple = access::load_couple(cx, couple_id, Action::ReadClinical)?.couple;
    let doc = cx.read(|conn| current_doc(conn, &couple))?;
    cx.audit_read(cx.event("agreement.read", "safety_agreement", &doc.version.row.id, &couple.id));
    Ok(doc)
}

/// Every version, newest first, and the version in effect.
pub fn versions(cx: &Ctx, couple_id: &str) -> Result<(CoupleRow, Vec<Version>, Option<i32>)> {
    let couple = access::load_couple(cx, couple_id, Action::ReadClinical)?.couple;
    let versions = cx.read(|conn| Ok(agreements::versions(conn, &couple.id)?))?;
    let in_effect = in_effect_of(&versions, &couple);
    cx.audit_read(cx.event("agreement.list", "safety_agreement", &couple.id, &couple.id));
    Ok((couple, versions, in_effect))
}

fn validate(input: &AgreementInput, couple: &CoupleRow, now: DateTime<Utc>) -> Result<[PartnerTerms; 2]> {
    let mut errors = Vec::new();
    if let Err(why) = tandem_domain::validation::check_review_by(input.review_by, now) {
        errors.push(FieldError::new("review_by", why));
    }
    let mut slots: [Option<PartnerTerms>; 2] = [None, None];
    if input.partners.len() != 2 {
        errors.push(FieldError::new("partners", "give exactly one entry per partner"));
    }
    for (i, PartnerInput { user_id, terms: p }) in input.partners.iter().enumerate() {
        let Some(slot) = couple.partner_ids().iter().position(|id| id == user_id) else {
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
        (true, _) => Err(Error::invalid("partners", "give exactly one entry per partner")),
        (false, _) => Err(Error::Invalid(errors)),
    }
}

/// Checks a new version (the couple's clinicians, while in treatment) and reads the
/// latest version it would follow.
pub fn draft(cx: &Ctx, couple_id: &str, input: AgreementInput) -> Result<Draft> {
    let couple = access::load_couple(cx, couple_id, Action::WriteClinical)?.couple;
    access::require_in_treatment(&couple)?;
    let terms = validate(&input, &couple, cx.now)?;
    let latest = cx.read(|conn| Ok(current(conn, &couple)?.map(|(v, _)| v.row.version)))?;
    Ok(Draft { couple, latest, terms, review_by: input.review_by })
}

/// Writes the drafted version after the latest. A concurrent writer who took this
/// version number first makes it stale.
pub fn put(cx: &Ctx, draft: Draft) -> Result<AgreementDoc> {
    let Draft { couple, latest, terms, review_by } = draft;
    let to_json = |t: &PartnerTerms| serde_json::to_string(t).map_err(|e| StoreError::Corrupt(e.to_string()));
    let row = AgreementRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        version: latest.unwrap_or(0) + 1,
        partner_a_terms: to_json(&terms[0])?,
        partner_b_terms: to_json(&terms[1])?,
        review_by: time::to_db(review_by),
        created_by: cx.actor.user_id.clone(),
        created_at: time::to_db(cx.now),
    };
    cx.write(|conn| {
        agreements::insert(conn, &row).map_err(|e| match e {
            StoreError::Conflict(_) => Error::Stale,
            other => other.into(),
        })?;
        audit::record(conn, cx.event("agreement.create", "safety_agreement", &row.id, &couple.id))?;
        current_doc(conn, &couple)
    })
}

/// The calling partner acknowledges the latest version. Once both have, it is in effect
/// and may stop the running plan; acknowledging twice changes nothing.
pub fn acknowledge(cx: &Ctx, couple_id: &str) -> Result<AgreementDoc> {
    let couple = access::load_couple(cx, couple_id, Action::PartnerAnswer)?.couple;
    access::require_in_treatment(&couple)?;
    let now = cx.now;
    cx.write(|conn| {
        let (latest, _) = current(conn, &couple)?.ok_or(Error::NotFound)?;
        if agreements::acknowledge(conn, &latest.row, &cx.actor.user_id, now)? {
            audit::record(conn, cx.event("agreement.acknowledge", "safety_agreement", &latest.row.id, &couple.id))?;
            // Taking effect may stop the running plan.
            let (latest, in_effect) = current(conn, &couple)?.ok_or(Error::NotFound)?;
            if in_effect == Some(latest.row.version) {
                safety::stop_if_off_limits(conn, &couple, now)?;
            }
            review::refresh_summary(conn, &couple, now)?;
        }
        current_doc(conn, &couple)
    })
}
