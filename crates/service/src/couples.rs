//! Couples and caseloads: creation with both partners' invitations, reading, labels and
//! discharge, clinician assignment, and re-sent invitations.

use std::collections::HashMap;

use tandem_domain::attention::{Flag, SummaryFacts};
use tandem_domain::lifetimes::INVITATION_TTL;
use tandem_domain::refusal::Code;
use tandem_domain::validation::{FieldError, check_display_name, check_time_zone, normalize_email};
use tandem_domain::{Access, Action, CoupleRelation, Resource, UserKind, UserStatus, authorize};
use tandem_notification::EmailKind;
use tandem_notification::outbox;
use tandem_store::couples::{self, CoupleChanges, CoupleRow, CoupleStatus, Scope};
use tandem_store::tokens::{self as one_time, TokenKind};
use tandem_store::users::{self, NewUser, UserRow};
use tandem_store::{AnyConnection, Page, PageRequest, StoreError, ids, shared, time};

use crate::access;
use crate::audit;
use crate::context::Ctx;
use crate::error::{Error, Result};

/// The most couples the urgency-sorted caseload returns (it comes whole, not paged).
pub const ATTENTION_LIMIT: i64 = 500;

/// One partner as the caller may see them.
#[derive(Debug, Clone)]
pub struct PartnerCard {
    pub id: String,
    pub display_name: String,
    /// Only for the couple's assigned clinicians and the partner themself.
    pub email: Option<String>,
    pub status: UserStatus,
}

/// A clinician assigned to the couple.
#[derive(Debug, Clone)]
pub struct ClinicianCard {
    pub id: String,
    pub display_name: String,
}

/// A couple as the caller may see it.
#[derive(Debug, Clone)]
pub struct CoupleCard {
    pub row: CoupleRow,
    /// Whether the caller sees its people (else status only).
    pub full: bool,
    /// Both partners; `None` unless `full`.
    pub partners: Option<Vec<PartnerCard>>,
    /// In order of assignment.
    pub clinicians: Vec<ClinicianCard>,
    /// Only in the needs-attention list: why, most urgent first, and the urgency rank
    /// (1 to 8).
    pub attention: Option<(Vec<Flag>, u8)>,
}

/// A partner to create with a new couple.
#[derive(Debug, Clone)]
pub struct NewPartner {
    pub display_name: String,
    pub email: String,
    pub time_zone: Option<String>,
}

/// A new couple.
#[derive(Debug, Clone)]
pub struct NewCouple {
    pub label: String,
    pub partners: Vec<NewPartner>,
    pub clinician_ids: Vec<String>,
}

/// An invitation secret: the link's token (emailed) and its stored hash.
#[derive(Debug, Clone)]
struct Invitation {
    token: String,
    hash: String,
}

impl Invitation {
    fn fresh() -> Self {
        let token = crate::tokens::generate();
        let hash = crate::tokens::hash(&token);
        Self { token, hash }
    }
}

/// Changes to a couple; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct CouplePatch {
    pub label: Option<String>,
    pub status: Option<CoupleStatus>,
}

/// Builds the cards of couples, loading their people in two queries.
fn cards(conn: &mut AnyConnection, cx: &Ctx, rows: Vec<CoupleRow>) -> Result<Vec<CoupleCard>> {
    let actor = &cx.actor;
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
    rows.into_iter()
        .map(|c| {
            let clinician_ids = by_couple.get(c.id.as_str()).cloned().unwrap_or_default();
            let rel = CoupleRelation {
                assigned_clinician: actor.is_clinician && clinician_ids.contains(&actor.user_id.as_str()),
                partner: c.has_partner(&actor.user_id),
                break_glass: false,
            };
            let full = authorize(actor, Action::ReadCouple, &access::resource(&c, rel)) == Access::Allow;
            let partners = if full {
                let mut list = Vec::new();
                for id in [&c.partner_a_id, &c.partner_b_id] {
                    let p = people.get(id).ok_or(StoreError::Corrupt(format!("partner {id} missing")))?;
                    let show_email = rel.assigned_clinician || p.id == actor.user_id;
                    list.push(PartnerCard {
                        id: p.id.clone(),
                        display_name: p.display_name.clone(),
                        email: show_email.then(|| p.email.clone()),
                        status: p.status()?,
                    });
                }
                Some(list)
            } else {
                None
            };
            let clinicians = clinician_ids
                .iter()
                .filter_map(|id| people.get(*id))
                .map(|u| ClinicianCard { id: u.id.clone(), display_name: u.display_name.clone() })
                .collect();
            Ok(CoupleCard { row: c, full, partners, clinicians, attention: None })
        })
        .collect()
}

fn card(conn: &mut AnyConnection, cx: &Ctx, couple_id: &str) -> Result<CoupleCard> {
    let row = couples::find(conn, couple_id)?.ok_or(Error::NotFound)?;
    cards(conn, cx, vec![row])?.pop().ok_or(Error::NotFound)
}

fn practice(cx: &Ctx) -> Resource<'_> {
    Resource::Practice { practice_id: &cx.actor.practice_id }
}

/// A page of the caller's couples: a clinician's caseload, an admin's practice, a
/// partner's own couple.
pub fn list(cx: &Ctx, status: Option<CoupleStatus>, page: &PageRequest) -> Result<Page<CoupleCard>> {
    access::allow(&cx.actor, Action::ListCouples, &practice(cx))?;
    let actor = &cx.actor;
    let scope = match actor.kind {
        UserKind::Client => Scope::Partner(actor.user_id.clone()),
        UserKind::Staff if actor.is_admin => Scope::Practice(actor.practice_id.clone()),
        UserKind::Staff => Scope::Clinician(actor.user_id.clone()),
    };
    let list = cx.read(|conn| {
        let page = couples::list(conn, &scope, status, page)?;
        let next_after = page.next_after.clone();
        let items = cards(conn, cx, page.items)?;
        Ok(Page { items, next_after })
    })?;
    cx.audit_read(cx.practice_event("couple.list", "couple"));
    Ok(list)
}

/// The clinician's caseload that needs attention, most urgent first, read from the
/// per-couple summaries only (never from reports).
pub fn needs_attention(cx: &Ctx) -> Result<Vec<CoupleCard>> {
    access::allow(&cx.actor, Action::ListCouples, &practice(cx))?;
    if !cx.actor.is_clinician {
        return Err(Error::Forbidden);
    }
    let items = cx.read(|conn| {
        let rows = couples::caseload_summaries(conn, &cx.actor.user_id, ATTENTION_LIMIT)?;
        let mut flagged = Vec::new();
        for (couple, summary) in rows {
            let facts = SummaryFacts {
                open_incidents: summary.open_incidents,
                withdrawn: summary.withdrawn,
                pause_cause: summary.pause_cause,
                recommendation: summary.recommendation,
                rising_distress: summary.rising_distress,
                diverging: summary.diverging,
                last_activity_at: summary.last_activity_at.map(time::from_db),
                agreement_review_due_at: summary.agreement_review_due_at.map(time::from_db),
                couple_created_at: Some(time::from_db(couple.created_at)),
                critical_items: summary.critical_items,
                measure_worsened: summary.measure_worsened,
                measure_due_since: summary.measure_due_since.map(time::from_db),
            };
            let flags = tandem_domain::attention::flags(&facts, cx.now);
            if let Some(first) = flags.first() {
                let rank = Flag::ALL.iter().position(|f| f == first).unwrap_or(7);
                flagged.push((rank, couple, flags));
            }
        }
        flagged.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
        let ranks: Vec<(usize, Vec<Flag>)> = flagged.iter().map(|(r, _, f)| (*r, f.clone())).collect();
        let mut list = cards(conn, cx, flagged.into_iter().map(|(_, c, _)| c).collect())?;
        for (card, (rank, flags)) in list.iter_mut().zip(ranks) {
            card.attention = Some((flags, u8::try_from(rank + 1).unwrap_or(8)));
        }
        Ok(list)
    })?;
    cx.audit_read(cx.practice_event("couple.attention", "couple"));
    Ok(items)
}

/// The partners to create: (display name, normalized email, time zone).
fn validate_new_couple(input: &NewCouple) -> Result<Vec<(String, String, String)>> {
    let mut errors = Vec::new();
    if let Err(m) = check_display_name(&input.label) {
        errors.push(FieldError::new("label", m));
    }
    if input.partners.len() != 2 {
        errors.push(FieldError::new("partners", "a couple has exactly two partners"));
    }
    let mut partners = Vec::new();
    for (i, p) in input.partners.iter().enumerate() {
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
    Error::check_fields(errors)?;
    Ok(partners)
}

/// Checks that every id names an active or invited clinician of the practice, in one
/// query for the whole list.
fn check_clinicians(conn: &mut AnyConnection, practice_id: &str, ids: &[String], field: &str) -> Result<()> {
    let valid: Vec<String> = ids.iter().filter(|id| ids::is_valid(id)).cloned().collect();
    let found = users::assignable_clinicians(conn, practice_id, &valid)?;
    if ids.iter().all(|id| found.contains(id)) {
        Ok(())
    } else {
        Err(Error::invalid(field, "must name a clinician of this practice"))
    }
}

/// Creates both partners' accounts (invited) and the couple, assigns the creating
/// clinician and any others named, and queues both invitations: all or nothing.
pub fn create(cx: &Ctx, input: NewCouple) -> Result<CoupleCard> {
    let invitations = [Invitation::fresh(), Invitation::fresh()];
    let actor = &cx.actor;
    access::allow(actor, Action::CreateCouple, &practice(cx))?;
    let partners = validate_new_couple(&input)?;
    let mut clinician_ids = Vec::new();
    if actor.is_clinician {
        clinician_ids.push(actor.user_id.clone());
    }
    for id in input.clinician_ids {
        if !clinician_ids.contains(&id) {
            clinician_ids.push(id);
        }
    }
    if clinician_ids.is_empty() {
        return Err(Error::invalid("clinician_ids", "name at least one clinician to care for the couple"));
    }
    let now = cx.now;
    let couple_id = ids::new_id();
    cx.write(|conn| {
        check_clinicians(conn, &actor.practice_id, &clinician_ids, "clinician_ids")?;
        let mut partner_ids = Vec::new();
        for ((name, email, tz), invitation) in partners.iter().zip(&invitations) {
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
                StoreError::Conflict(_) => {
                    Error::refused(Code::AlreadyExists, format!("{email} already has an account"))
                }
                other => other.into(),
            })?;
            let row = users::find(conn, &id)?.ok_or(Error::NotFound)?;
            one_time::issue(conn, TokenKind::Invitation, &row, &invitation.hash, now, now + INVITATION_TTL)?;
            outbox::enqueue(
                conn,
                &actor.practice_id,
                Some(&id),
                EmailKind::Invitation,
                email,
                Some(&invitation.token),
                now,
            )?;
            partner_ids.push(id);
        }
        let couple = CoupleRow {
            id: couple_id.clone(),
            practice_id: actor.practice_id.clone(),
            label: input.label.trim().to_owned(),
            status: CoupleStatus::Active.as_str().into(),
            partner_a_id: partner_ids[0].clone(),
            partner_b_id: partner_ids[1].clone(),
            created_by: actor.user_id.clone(),
            created_at: time::to_db(now),
            updated_at: time::to_db(now),
            discharged_at: None,
        };
        couples::insert(conn, &couple, &clinician_ids, now)?;
        audit::record(conn, cx.event("couple.create", "couple", &couple_id, &couple_id))?;
        Ok(())
    })?;
    cx.read(|conn| card(conn, cx, &couple_id))
}

/// A couple as the caller may see it (every read is audited).
pub fn get(cx: &Ctx, couple_id: &str) -> Result<CoupleCard> {
    let couple = access::load_couple(cx, couple_id, Action::ReadCoupleStatus)?.couple;
    let found = cx.read(|conn| card(conn, cx, &couple.id))?;
    cx.audit_read(cx.event("couple.read", "couple", &couple.id, &couple.id));
    Ok(found)
}

/// Relabels, discharges or re-admits a couple (its assigned clinicians).
pub fn update(cx: &Ctx, couple_id: &str, patch: CouplePatch) -> Result<CoupleCard> {
    let couple = access::load_couple(cx, couple_id, Action::UpdateCouple)?.couple;
    if let Some(Err(m)) = patch.label.as_deref().map(check_display_name) {
        return Err(Error::invalid("label", m));
    }
    let mut changes = CoupleChanges {
        label: patch.label.map(|l| l.trim().to_owned()),
        updated_at: Some(time::to_db(cx.now)),
        ..CoupleChanges::default()
    };
    let current = couple.status()?;
    let action = match patch.status {
        Some(CoupleStatus::Discharged) if current == CoupleStatus::Active => {
            changes.status = Some(CoupleStatus::Discharged.as_str().into());
            changes.discharged_at = Some(Some(time::to_db(cx.now)));
            "couple.discharge"
        }
        Some(CoupleStatus::Active) if current == CoupleStatus::Discharged => {
            changes.status = Some(CoupleStatus::Active.as_str().into());
            changes.discharged_at = Some(None);
            "couple.readmit"
        }
        _ => "couple.update",
    };
    cx.write(|conn| {
        couples::update(conn, &couple.id, &changes)?;
        audit::record(conn, cx.event(action, "couple", &couple.id, &couple.id))?;
        card(conn, cx, &couple.id)
    })
}

/// Assigns a clinician of the practice to the couple; assigning someone already
/// assigned changes nothing.
pub fn assign_clinician(cx: &Ctx, couple_id: &str, user_id: &str) -> Result<CoupleCard> {
    let couple = access::load_couple(cx, couple_id, Action::ManageCoupleClinicians)?.couple;
    cx.write(|conn| {
        check_clinicians(conn, &couple.practice_id, &[user_id.to_owned()], "user_id")?;
        if couples::assign(conn, &couple, user_id, &cx.actor.user_id, cx.now)? {
            audit::record(conn, cx.event("couple.assign_clinician", "couple", &couple.id, &couple.id))?;
        }
        card(conn, cx, &couple.id)
    })
}

/// Removes a clinician from the couple; an active couple keeps at least one. Other
/// instances are told the clinician's rights changed; the caller forgets its own cached
/// sessions of that user.
pub fn unassign_clinician(cx: &Ctx, couple_id: &str, user_id: &str) -> Result<()> {
    let couple = access::load_couple(cx, couple_id, Action::ManageCoupleClinicians)?.couple;
    cx.write(|conn| {
        if !couples::is_assigned(conn, &couple.id, user_id)? {
            return Err(Error::NotFound);
        }
        if couple.status()? == CoupleStatus::Active && couples::clinician_count(conn, &couple.id)? <= 1 {
            return Err(Error::refused(
                Code::LastClinician,
                "an active couple needs at least one clinician; assign another clinician first",
            ));
        }
        couples::unassign(conn, &couple.id, user_id)?;
        shared::announce(conn, &shared::Revocation::User(user_id.to_owned()))?;
        audit::record(conn, cx.event("couple.unassign_clinician", "couple", &couple.id, &couple.id))?;
        Ok(())
    })
}

/// Issues a new invitation to a partner who has not accepted yet (the previous link stops
/// working) and queues its email.
pub fn resend_invitation(cx: &Ctx, couple_id: &str, user_id: &str) -> Result<()> {
    let invitation = Invitation::fresh();
    let couple = access::load_couple(cx, couple_id, Action::ResendInvitation)?.couple;
    if !couple.has_partner(user_id) {
        return Err(Error::NotFound);
    }
    let now = cx.now;
    cx.write(|conn| {
        let partner = users::find(conn, user_id)?.ok_or(Error::NotFound)?;
        if partner.status()? != UserStatus::Invited {
            return Err(Error::refused(Code::InvitationAccepted, "this partner has already accepted their invitation"));
        }
        one_time::issue(conn, TokenKind::Invitation, &partner, &invitation.hash, now, now + INVITATION_TTL)?;
        outbox::enqueue(
            conn,
            &partner.practice_id,
            Some(&partner.id),
            EmailKind::Invitation,
            &partner.email,
            Some(&invitation.token),
            now,
        )?;
        let event = cx.event("couple.resend_invitation", "couple", &couple.id, &couple.id).resource(&partner.id);
        audit::record(conn, event)?;
        Ok(())
    })
}
