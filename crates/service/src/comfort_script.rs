//! The couple's comfort script: one co-written document for hard days, read by both
//! partners and the couple's clinicians, edited by both partners (optimistic
//! concurrency: the adapter compares ETags, the unique version number settles races),
//! every version kept.

use tandem_domain::Action;
use tandem_domain::comfort_script::{self as rules, Script};
use tandem_domain::validation::FieldError;
use tandem_store::comfort_scripts::{self as store, ComfortScriptRow};
use tandem_store::couples::CoupleRow;
use tandem_store::{Page, PageRequest, StoreError, ids, time};

use crate::access;
use crate::audit;
use crate::context::Ctx;
use crate::error::{Error, Result};

/// A version of the script with its couple.
#[derive(Debug, Clone)]
pub struct ScriptDoc {
    pub couple: CoupleRow,
    pub row: ComfortScriptRow,
}

/// The latest version (partners and the couple's clinicians; audited). Not found until
/// a partner writes the first.
pub fn get(cx: &Ctx, couple_id: &str) -> Result<ScriptDoc> {
    let couple = access::load_couple(cx, couple_id, Action::ReadClinical)?.couple;
    let row = cx.read(|conn| Ok(store::latest(conn, &couple.id)?))?.ok_or(Error::NotFound)?;
    cx.audit_read(cx.event("comfort_script.read", "comfort_script", &row.id, &couple.id));
    Ok(ScriptDoc { couple, row })
}

/// A page of versions, newest first, each with who wrote it (audited).
pub fn versions(cx: &Ctx, couple_id: &str, page: &PageRequest) -> Result<(CoupleRow, Page<ComfortScriptRow>)> {
    let couple = access::load_couple(cx, couple_id, Action::ReadClinical)?.couple;
    let rows = cx.read(|conn| Ok(store::versions(conn, &couple.id, page)?))?;
    cx.audit_read(cx.event("comfort_script.list", "comfort_script", &couple.id, &couple.id));
    Ok((couple, rows))
}

/// A new version, as written: what helps each partner by user id, and the shared parts.
#[derive(Debug, Clone)]
pub struct ScriptInput {
    pub helps: Vec<(String, String)>,
    pub words_to_use: String,
    pub words_to_avoid: String,
    pub time_out_signal: String,
    pub coming_back: String,
}

/// A checked new version, before its precondition is checked: the adapter compares the
/// latest version's ETag with the request's, then calls [`put`].
#[derive(Debug, Clone)]
pub struct Draft {
    pub couple: CoupleRow,
    /// The latest version now (`None` before the first).
    pub latest: Option<i32>,
    script: Script,
}

fn validate(input: ScriptInput, couple: &CoupleRow) -> Result<Script> {
    let mut errors = Vec::new();
    let mut slots: [Option<String>; 2] = [None, None];
    let mut fields = [String::new(), String::new()];
    if input.helps.len() != 2 {
        errors.push(FieldError::new("what_helps", "give exactly one entry per partner"));
    }
    for (i, (user_id, text)) in input.helps.into_iter().enumerate() {
        let Some(slot) = couple.partner_ids().iter().position(|id| *id == user_id) else {
            errors.push(FieldError::new(format!("what_helps[{i}].user_id"), "is not a partner of this couple"));
            continue;
        };
        if slots[slot].is_some() {
            errors.push(FieldError::new(format!("what_helps[{i}].user_id"), "appears twice"));
        }
        slots[slot] = Some(text);
        fields[slot] = format!("what_helps[{i}].text");
    }
    let [a, b] = slots;
    let script = Script {
        helps: [a.unwrap_or_default(), b.unwrap_or_default()],
        words_to_use: input.words_to_use,
        words_to_avoid: input.words_to_avoid,
        time_out_signal: input.time_out_signal,
        coming_back: input.coming_back,
    };
    errors.extend(rules::check(&script, |slot| fields[slot].clone()));
    Error::check_fields(errors)?;
    Ok(script.trimmed())
}

/// Checks a new version (either partner, while in treatment; clinicians read only) and
/// reads the latest version it would follow.
pub fn draft(cx: &Ctx, couple_id: &str, input: ScriptInput) -> Result<Draft> {
    let couple = access::load_couple(cx, couple_id, Action::PartnerAnswer)?.couple;
    let script = validate(input, &couple)?;
    access::require_in_treatment(&couple)?;
    let latest = cx.read(|conn| Ok(store::latest(conn, &couple.id)?.map(|r| r.version)))?;
    Ok(Draft { couple, latest, script })
}

/// Writes the drafted version after the latest. The other partner having written this
/// version number first makes it stale: nothing is overwritten, the caller reads again.
pub fn put(cx: &Ctx, draft: Draft) -> Result<ScriptDoc> {
    let Draft { couple, latest, script } = draft;
    let [a, b] = script.helps;
    let row = ComfortScriptRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        version: latest.unwrap_or(0) + 1,
        partner_a_helps: a,
        partner_b_helps: b,
        words_to_use: script.words_to_use,
        words_to_avoid: script.words_to_avoid,
        time_out_signal: script.time_out_signal,
        coming_back: script.coming_back,
        edited_by: cx.actor.user_id.clone(),
        created_at: time::to_db(cx.now),
    };
    cx.write(|conn| {
        store::insert(conn, &row).map_err(|e| match e {
            StoreError::Conflict(_) => Error::Stale,
            other => other.into(),
        })?;
        audit::record(conn, cx.event("comfort_script.update", "comfort_script", &row.id, &couple.id))?;
        Ok(())
    })?;
    Ok(ScriptDoc { couple, row })
}
