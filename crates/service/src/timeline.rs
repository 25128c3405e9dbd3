//! A couple's timeline: everything that happened, oldest first, as the caller may see it.

use chrono::{DateTime, SecondsFormat, Utc};
use tandem_domain::Action;
use tandem_domain::needs_map::CompromiseStatus;
use tandem_store::comfort_scripts::{self, ComfortScriptRow};
use tandem_store::couples::CoupleRow;
use tandem_store::decisions::{self, DecisionRow};
use tandem_store::incidents::{self, IncidentRow, WithdrawalRow};
use tandem_store::needs_map::{self, CompromiseEventRow, CompromiseRow, RevisionRow};
use tandem_store::plans::{self, ConsentEventRow};
use tandem_store::records::{self, CheckInRow, MilestoneRow, Reader, ReportRow};
use tandem_store::{AnyConnection, Page, PageRequest, time};

use crate::access;
use crate::context::Ctx;
use crate::error::{Error, Result};

/// What a timeline entry is.
#[derive(Debug, Clone)]
pub enum Item {
    Report(ReportRow),
    CheckIn(CheckInRow),
    Milestone(MilestoneRow),
    Incident(IncidentRow),
    Decision(DecisionRow),
    Withdrawal(WithdrawalRow),
    Consent(ConsentEventRow),
    /// A revision of a needs-map item the caller may read.
    NeedsMapRevision(RevisionRow),
    /// A compromise was proposed, agreed or withdrawn.
    Compromise(CompromiseEvent),
    /// A version of the comfort script, with the couple's partners (A, B) its texts
    /// belong to.
    ComfortScript(ComfortScriptRow, [String; 2]),
    JournalEntry(tandem_store::journal::Entry),
    MeasureResponse(tandem_store::measures::ResponseRow),
    ReconnectCheckIn(tandem_store::reconnect_windows::CheckInRow),
}

/// A compromise event with its compromise and whom it may name: the proposer for a
/// proposal, the other partner for an agreement, nobody for a withdrawal.
#[derive(Debug, Clone)]
pub struct CompromiseEvent {
    pub event: CompromiseEventRow,
    pub compromise: CompromiseRow,
    pub by: Option<String>,
}

/// One entry of the timeline.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub at: DateTime<Utc>,
    /// Who wrote or decided it (empty for a withdrawn compromise: who withdrew is never
    /// shown; see [`CompromiseEvent::by`]).
    pub actor_id: String,
    pub item: Item,
}

/// Reports, check-ins (daily and weekly talks), reconnect check-ins, milestones, journal
/// entries, needs-map revisions, compromises, comfort-script versions, measure responses,
/// incidents, consent changes and (for clinicians) decisions and withdrawals, oldest
/// first. A partner sees their own entries, the other partner's shared reports,
/// check-ins, reconnect check-ins, journal entries and needs-map items, the milestones,
/// compromises and comfort script; never decisions, the other's consent or measure
/// responses, incidents or withdrawals. A clinician never sees a private entry. Audited.
///
/// Paged by `(at, id)`: the cursor is the last entry's time and id, so a page neither
/// skips nor repeats entries when later ones are added. The couple's record is read whole
/// for each page (one couple's rows, each source on its couple index).
pub fn get(cx: &Ctx, couple_id: &str, page: &PageRequest) -> Result<Page<Entry>> {
    let after = page.after.as_deref().map(parse_cursor).transpose()?;
    let couple = access::load_couple(cx, couple_id, Action::ReadClinical)?.couple;
    let actor = &cx.actor;
    let r = access::reader(actor);
    let clinician = matches!(r, Reader::Clinician);
    let mut out = Vec::new();
    cx.read(|conn| {
        let entry = |id: String, at, actor_id: String, item| Entry { id, at, actor_id, item };
        for x in records::all_reports(conn, &couple.id, &r)? {
            out.push(entry(x.id.clone(), time::from_db(x.occurred_at), x.author_id.clone(), Item::Report(x)));
        }
        for x in records::all_check_ins(conn, &couple.id, &r)? {
            out.push(entry(x.id.clone(), time::from_db(x.created_at), x.author_id.clone(), Item::CheckIn(x)));
        }
        for x in records::all_milestones(conn, &couple.id)? {
            out.push(entry(x.id.clone(), time::from_db(x.achieved_at), x.author_id.clone(), Item::Milestone(x)));
        }
        for x in tandem_store::journal::all_entries(conn, &couple.id, &r)? {
            let (id, at, author) = (x.row.id.clone(), time::from_db(x.row.created_at), x.row.author_id.clone());
            out.push(entry(id, at, author, Item::JournalEntry(x)));
        }
        let own_only = (!clinician).then(|| actor.user_id.clone());
        let all = PageRequest { after: None, limit: 100_000 };
        for x in incidents::list(conn, &couple.id, own_only.as_deref(), &all)?.items {
            out.push(entry(x.id.clone(), time::from_db(x.opened_at), x.author_id.clone(), Item::Incident(x)));
        }
        if clinician {
            for x in decisions::for_couple(conn, &couple.id)? {
                out.push(entry(x.id.clone(), time::from_db(x.created_at), x.decided_by.clone(), Item::Decision(x)));
            }
            for x in incidents::withdrawals(conn, &couple.id)? {
                out.push(entry(x.id.clone(), time::from_db(x.created_at), x.user_id.clone(), Item::Withdrawal(x)));
            }
        }
        // Scored measures: a partner sees only their own responses.
        for x in tandem_store::measures::all_responses(conn, &couple.id, own_only.as_deref())? {
            let (id, at, actor) = (x.id.clone(), time::from_db(x.created_at), x.respondent_id.clone());
            out.push(entry(id, at, actor, Item::MeasureResponse(x)));
        }
        for x in tandem_store::reconnect_windows::check_ins_of_couple(conn, &couple.id, &r)? {
            let (id, at, author) = (x.id.clone(), time::from_db(x.created_at), x.author_id.clone());
            out.push(entry(id, at, author, Item::ReconnectCheckIn(x)));
        }
        // Every plan's consent history in one query.
        for x in plans::consent_history_of_couple(conn, &couple.id)? {
            if clinician || x.user_id == actor.user_id {
                out.push(entry(x.id.clone(), time::from_db(x.created_at), x.user_id.clone(), Item::Consent(x)));
            }
        }
        toolkit(conn, &couple, &r, &mut out)?;
        Ok(())
    })?;
    out.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    if let Some((at, id)) = &after {
        out.retain(|e| (e.at, e.id.as_str()) > (*at, id.as_str()));
    }
    let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
    let next_after = (out.len() > limit).then(|| {
        out.truncate(limit);
        out.last().map(|e| format!("{}|{}", e.at.to_rfc3339_opts(SecondsFormat::Micros, true), e.id))
    });
    cx.audit_read(cx.event("timeline.read", "couple", &couple.id, &couple.id));
    Ok(Page { items: out, next_after: next_after.flatten() })
}

/// The needs-map revisions `reader` may read (each judged by its own visibility), every
/// compromise event (a withdrawal naming nobody) and every comfort-script version.
fn toolkit(conn: &mut AnyConnection, couple: &CoupleRow, reader: &Reader, out: &mut Vec<Entry>) -> Result<()> {
    for x in needs_map::revisions(conn, &couple.id, reader)? {
        let (id, at, actor_id) = (x.id.clone(), time::from_db(x.created_at), x.author_id.clone());
        out.push(Entry { id, at, actor_id, item: Item::NeedsMapRevision(x) });
    }
    for (event, compromise) in needs_map::compromise_events(conn, &couple.id)? {
        let other = couple.partner_ids().into_iter().find(|p| *p != compromise.proposed_by).map(str::to_owned);
        let by = match CompromiseStatus::parse(&event.event) {
            Some(CompromiseStatus::Proposed) => Some(compromise.proposed_by.clone()),
            Some(CompromiseStatus::Agreed) => other,
            Some(CompromiseStatus::Withdrawn) | None => None,
        };
        let (id, at) = (event.id.clone(), time::from_db(event.created_at));
        let actor_id = by.clone().unwrap_or_default();
        out.push(Entry { id, at, actor_id, item: Item::Compromise(CompromiseEvent { event, compromise, by }) });
    }
    let partners = couple.partner_ids().map(str::to_owned);
    for x in comfort_scripts::all_versions(conn, &couple.id)? {
        let (id, at, actor_id) = (x.id.clone(), time::from_db(x.created_at), x.edited_by.clone());
        out.push(Entry { id, at, actor_id, item: Item::ComfortScript(x, partners.clone()) });
    }
    Ok(())
}

/// The `(at, id)` a timeline cursor names.
fn parse_cursor(cursor: &str) -> Result<(DateTime<Utc>, String)> {
    let bad = || Error::invalid("cursor", "is not a cursor this API issued");
    let (at, id) = cursor.split_once('|').ok_or_else(bad)?;
    let at = DateTime::parse_from_rfc3339(at).map_err(|_| bad())?.with_timezone(&Utc);
    if !tandem_store::ids::is_valid(id) {
        return Err(bad());
    }
    Ok((at, id.to_owned()))
}
