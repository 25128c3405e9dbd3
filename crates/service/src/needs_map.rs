//! Each partner's needs map (desires and boundaries, with per-item visibility and every
//! change kept) and the compromises between the partners.
//!
//! Creating is two parts, as for check-ins, so the HTTP edge can run the write inside its
//! idempotency claim: `prepare_*` checks access and fields, `record_*` writes.
//!
//! None of these writes refreshes the couple summary or touches anything else the other
//! partner reads: a private item leaves no trace outside the author's own view.

use rand::RngCore;
use tandem_domain::Action;
use tandem_domain::needs_map::{self as rules, CompromiseStatus, ItemKind, Transition};
use tandem_domain::validation::{FieldError, one_of};
use tandem_domain::vocabulary::EntryVisibility;
use tandem_store::couples::CoupleRow;
use tandem_store::needs_map::{self as store, CompromiseRow, ItemChanges, ItemRow};
use tandem_store::records::Reader;
use tandem_store::{AnyConnection, StoreError, ids, time};

use crate::access;
use crate::audit::{self, Event};
use crate::context::Ctx;
use crate::error::{Error, Result};

/// What the caller may see of a couple's needs map.
#[derive(Debug, Clone)]
pub struct NeedsMap {
    pub couple: CoupleRow,
    /// A partner reads their own items and the other's shared ones; a clinician the shared
    /// and clinician items of both.
    pub reader: Reader,
    /// Live items the caller may see, oldest change first.
    pub items: Vec<ItemRow>,
    /// Every compromise, oldest first.
    pub compromises: Vec<CompromiseRow>,
}

/// The needs map as the caller may see it (partners and the couple's clinicians;
/// audited).
pub fn get(cx: &Ctx, couple_id: &str) -> Result<NeedsMap> {
    let couple = access::load_couple(cx, couple_id, Action::ReadClinical)?.couple;
    let reader = access::reader(&cx.actor);
    let (items, compromises) =
        cx.read(|conn| Ok((store::live_items(conn, &couple.id, &reader)?, store::compromises(conn, &couple.id)?)))?;
    cx.audit_read(cx.event("needs_map.read", "couple", &couple.id, &couple.id));
    Ok(NeedsMap { couple, reader, items, compromises })
}

fn trimmed(v: Option<String>) -> Option<String> {
    v.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty())
}

fn kind(value: &str, errors: &mut Vec<FieldError>) -> Option<ItemKind> {
    one_of("kind", value, ItemKind::ALL, ItemKind::as_str).map_err(|e| errors.push(e)).ok()
}

fn visibility(value: &str, errors: &mut Vec<FieldError>) -> Option<EntryVisibility> {
    one_of("visibility", value, EntryVisibility::ALL, EntryVisibility::as_str).map_err(|e| errors.push(e)).ok()
}

fn random_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    store::timeless_id(bytes)
}

/// A new item, as written.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub kind: String,
    pub text: String,
    pub note: Option<String>,
    pub visibility: String,
}

/// A checked item, ready to be written.
#[derive(Debug, Clone)]
pub struct PreparedItem {
    row: ItemRow,
    revision_id: String,
    event: Event,
}

/// Checks a partner's new item: every field at once, then that the couple is in
/// treatment.
pub fn prepare_item(cx: &Ctx, couple_id: &str, input: NewItem) -> Result<PreparedItem> {
    let couple = access::load_couple(cx, couple_id, Action::PartnerAnswer)?.couple;
    let mut errors = Vec::new();
    let k = kind(&input.kind, &mut errors);
    let vis = visibility(&input.visibility, &mut errors);
    rules::check_text(Some(&input.text), input.note.as_deref(), &mut errors);
    let (Some(k), Some(vis), true) = (k, vis, errors.is_empty()) else { return Err(Error::Invalid(errors)) };
    access::require_in_treatment(&couple)?;
    let now = time::to_db(cx.now);
    let row = ItemRow {
        id: random_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        author_id: cx.actor.user_id.clone(),
        kind: k.as_str().to_owned(),
        text: input.text.trim().to_owned(),
        note: trimmed(input.note),
        visibility: vis.as_str().to_owned(),
        revision: 1,
        deleted: false,
        created_at: now,
        updated_at: now,
    };
    let event = cx.event("needs_map_item.create", "needs_map_item", &row.id, &couple.id);
    Ok(PreparedItem { row, revision_id: ids::new_id(), event })
}

/// Writes a prepared item (and its first revision) in the caller's transaction.
pub fn record_item(conn: &mut AnyConnection, p: PreparedItem) -> Result<ItemRow> {
    store::insert_item(conn, &p.row, p.revision_id)?;
    audit::record(conn, p.event)?;
    Ok(p.row)
}

/// An edit: `None` leaves a field as it is; `note: Some(None)` clears the note.
#[derive(Debug, Clone, Default)]
pub struct ItemPatch {
    pub kind: Option<String>,
    pub text: Option<String>,
    pub note: Option<Option<String>>,
    pub visibility: Option<String>,
}

/// The author's own live item of the couple. Anyone else gets "not found", whatever the
/// item's visibility: an edit route never tells that a private item exists.
fn own_item(conn: &mut AnyConnection, cx: &Ctx, couple_id: &str, item_id: &str) -> Result<ItemRow> {
    if !ids::is_valid(item_id) {
        return Err(Error::NotFound);
    }
    match store::find_item(conn, couple_id, item_id)? {
        Some(item) if item.author_id == cx.actor.user_id => Ok(item),
        _ => Err(Error::NotFound),
    }
}

fn change(cx: &Ctx, couple: &CoupleRow, item_id: &str, changes: &ItemChanges, action: &str) -> Result<ItemRow> {
    cx.write(|conn| {
        let item = own_item(conn, cx, &couple.id, item_id)?;
        let row =
            store::change_item(conn, &item.id, changes, time::to_db(cx.now), ids::new_id())?.ok_or(Error::NotFound)?;
        audit::record(conn, cx.event(action, "needs_map_item", &row.id, &couple.id))?;
        Ok(row)
    })
}

/// The author edits their item; every edit is kept as a revision. Only the author: to
/// anyone else the item does not exist.
pub fn update_item(cx: &Ctx, couple_id: &str, item_id: &str, patch: ItemPatch) -> Result<ItemRow> {
    let couple = access::load_couple(cx, couple_id, Action::PartnerAnswer)?.couple;
    let mut errors = Vec::new();
    let k = patch.kind.as_deref().map(|v| kind(v, &mut errors));
    let vis = patch.visibility.as_deref().map(|v| visibility(v, &mut errors));
    rules::check_text(patch.text.as_deref(), patch.note.as_ref().and_then(Option::as_deref), &mut errors);
    Error::check_fields(errors)?;
    access::require_in_treatment(&couple)?;
    let changes = ItemChanges {
        kind: k.flatten().map(|k| k.as_str().to_owned()),
        text: patch.text.map(|t| t.trim().to_owned()),
        note: patch.note.map(trimmed),
        visibility: vis.flatten().map(|v| v.as_str().to_owned()),
        deleted: None,
    };
    change(cx, &couple, item_id, &changes, "needs_map_item.update")
}

/// The author deletes their item: it leaves the map, and the deletion is kept in its
/// history (with the visibility it had, so only those who could read it see it go).
pub fn delete_item(cx: &Ctx, couple_id: &str, item_id: &str) -> Result<()> {
    let couple = access::load_couple(cx, couple_id, Action::PartnerAnswer)?.couple;
    access::require_in_treatment(&couple)?;
    let changes = ItemChanges { deleted: Some(true), ..ItemChanges::default() };
    change(cx, &couple, item_id, &changes, "needs_map_item.delete").map(|_| ())
}

/// A compromise, as proposed.
#[derive(Debug, Clone)]
pub struct NewCompromise {
    pub text: String,
    pub note: Option<String>,
}

/// A checked proposal, ready to be written.
#[derive(Debug, Clone)]
pub struct PreparedCompromise {
    row: CompromiseRow,
    event_id: String,
    event: Event,
}

/// Checks a partner's proposal: fields first, then that the couple is in treatment.
pub fn prepare_compromise(cx: &Ctx, couple_id: &str, input: NewCompromise) -> Result<PreparedCompromise> {
    let couple = access::load_couple(cx, couple_id, Action::PartnerAnswer)?.couple;
    let mut errors = Vec::new();
    rules::check_text(Some(&input.text), input.note.as_deref(), &mut errors);
    Error::check_fields(errors)?;
    access::require_in_treatment(&couple)?;
    let row = CompromiseRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        proposed_by: cx.actor.user_id.clone(),
        text: input.text.trim().to_owned(),
        note: trimmed(input.note),
        status: CompromiseStatus::Proposed.as_str().to_owned(),
        proposed_at: time::to_db(cx.now),
        agreed_at: None,
        withdrawn_at: None,
    };
    let event = cx.event("compromise.propose", "compromise", &row.id, &couple.id);
    Ok(PreparedCompromise { row, event_id: ids::new_id(), event })
}

/// Writes a prepared proposal in the caller's transaction.
pub fn record_compromise(conn: &mut AnyConnection, p: PreparedCompromise) -> Result<CompromiseRow> {
    store::insert_compromise(conn, &p.row, p.event_id)?;
    audit::record(conn, p.event)?;
    Ok(p.row)
}

/// Applies `decide` to the compromise's current status and writes the move, with its
/// audit event. A concurrent move that got there first is read again and decided anew.
fn transition(
    cx: &Ctx,
    couple_id: &str,
    compromise_id: &str,
    action: &str,
    decide: impl Fn(&CompromiseRow) -> Result<Transition>,
) -> Result<CompromiseRow> {
    let couple = access::load_couple(cx, couple_id, Action::PartnerAnswer)?.couple;
    if !ids::is_valid(compromise_id) {
        return Err(Error::NotFound);
    }
    access::require_in_treatment(&couple)?;
    let attempt = || {
        cx.write(|conn| {
            let row = store::find_compromise(conn, &couple.id, compromise_id)?.ok_or(Error::NotFound)?;
            let Transition::To(to) = decide(&row)? else { return Ok(row) };
            let now = time::to_db(cx.now);
            store::move_compromise(conn, &row, to.as_str(), now, ids::new_id())?;
            // The audit log (admins only) is the one place that records who did it.
            audit::record(conn, cx.event(action, "compromise", &row.id, &couple.id))?;
            store::find_compromise(conn, &couple.id, compromise_id)?.ok_or(Error::NotFound)
        })
    };
    match attempt() {
        Err(Error::Store { source: StoreError::Conflict(_), .. }) => attempt(),
        other => other,
    }
}

fn status(row: &CompromiseRow) -> Result<CompromiseStatus> {
    CompromiseStatus::parse(&row.status)
        .ok_or_else(|| StoreError::Corrupt(format!("compromise status {:?}", row.status)).into())
}

/// The partner who did not propose it agrees the compromise (see
/// [`tandem_domain::needs_map::accept`]).
pub fn accept(cx: &Ctx, couple_id: &str, compromise_id: &str) -> Result<CompromiseRow> {
    let me = cx.actor.user_id.clone();
    transition(cx, couple_id, compromise_id, "compromise.accept", |row| {
        rules::accept(status(row)?, row.proposed_by == me).map_err(|r| Error::Refused(vec![r]))
    })
}

/// Either partner withdraws the compromise; both then see only that it is no longer
/// agreed (see [`tandem_domain::needs_map::withdraw`]).
pub fn withdraw(cx: &Ctx, couple_id: &str, compromise_id: &str) -> Result<CompromiseRow> {
    transition(cx, couple_id, compromise_id, "compromise.withdraw", |row| Ok(rules::withdraw(status(row)?)))
}
