//! Needs-map items with their revisions, and compromises with their events.

use diesel::prelude::*;

use crate::AnyConnection;
use crate::error::{StoreError, StoreResult};
use crate::records::Reader;
use crate::schema::{compromise_events, compromises, needs_map_items, needs_map_revisions};

const SHARED: &str = "shared";
const CLINICIAN: &str = "clinician";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = needs_map_items)]
pub struct ItemRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub author_id: String,
    pub kind: String,
    pub text: String,
    pub note: Option<String>,
    pub visibility: String,
    pub revision: i32,
    pub deleted: bool,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl ItemRow {
    /// The revision that records this state of the item.
    #[must_use]
    pub fn revision_row(&self, id: String) -> RevisionRow {
        RevisionRow {
            id,
            practice_id: self.practice_id.clone(),
            couple_id: self.couple_id.clone(),
            item_id: self.id.clone(),
            author_id: self.author_id.clone(),
            revision: self.revision,
            kind: self.kind.clone(),
            text: self.text.clone(),
            note: self.note.clone(),
            visibility: self.visibility.clone(),
            deleted: self.deleted,
            created_at: self.updated_at,
        }
    }
}

/// One state of an item, as it was from `created_at` on.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = needs_map_revisions)]
pub struct RevisionRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub item_id: String,
    pub author_id: String,
    pub revision: i32,
    pub kind: String,
    pub text: String,
    pub note: Option<String>,
    pub visibility: String,
    pub deleted: bool,
    pub created_at: chrono::NaiveDateTime,
}

/// The fields an edit sets; `None` leaves a field as it is (`Some(None)` clears the note).
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = needs_map_items)]
pub struct ItemChanges {
    pub kind: Option<String>,
    pub text: Option<String>,
    pub note: Option<Option<String>>,
    pub visibility: Option<String>,
    pub deleted: Option<bool>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = compromises)]
pub struct CompromiseRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub proposed_by: String,
    pub text: String,
    pub note: Option<String>,
    pub status: String,
    pub proposed_at: chrono::NaiveDateTime,
    pub agreed_at: Option<chrono::NaiveDateTime>,
    pub withdrawn_at: Option<chrono::NaiveDateTime>,
}

/// A compromise was proposed, agreed or withdrawn. It names nobody: the proposer is on the
/// compromise, the one who agrees is the other partner, and who withdrew is never kept.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = compromise_events)]
pub struct CompromiseEventRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub compromise_id: String,
    pub event: String,
    pub created_at: chrono::NaiveDateTime,
}

/// An id that carries no time (unlike [`crate::ids::new_id`]): an item shared later must
/// not tell the other partner when it was first written privately.
#[must_use]
pub fn timeless_id(random: [u8; 16]) -> String {
    uuid::Builder::from_random_bytes(random).into_uuid().to_string()
}

/// Writes a new item and its first revision.
pub fn insert_item(conn: &mut AnyConnection, row: &ItemRow, revision_id: String) -> StoreResult<()> {
    diesel::insert_into(needs_map_items::table).values(row).execute(conn)?;
    diesel::insert_into(needs_map_revisions::table).values(&row.revision_row(revision_id)).execute(conn)?;
    Ok(())
}

/// A live (not deleted) item of a couple.
pub fn find_item(conn: &mut AnyConnection, couple_id: &str, id: &str) -> StoreResult<Option<ItemRow>> {
    Ok(needs_map_items::table
        .find(id)
        .filter(needs_map_items::couple_id.eq(couple_id))
        .filter(needs_map_items::deleted.eq(false))
        .select(ItemRow::as_select())
        .first(conn)
        .optional()?)
}

/// Applies `changes` to a live item as one revision, and records that revision; returns
/// the item as it now is (`None` if it is gone). The fields are set by the update itself,
/// so concurrent edits of different fields both land, each as its own revision.
pub fn change_item(
    conn: &mut AnyConnection,
    id: &str,
    changes: &ItemChanges,
    now: chrono::NaiveDateTime,
    revision_id: String,
) -> StoreResult<Option<ItemRow>> {
    let n = diesel::update(needs_map_items::table.find(id).filter(needs_map_items::deleted.eq(false)))
        .set((
            changes,
            needs_map_items::revision.eq(needs_map_items::revision + 1),
            needs_map_items::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    let row: ItemRow = needs_map_items::table.find(id).select(ItemRow::as_select()).first(conn)?;
    diesel::insert_into(needs_map_revisions::table).values(&row.revision_row(revision_id)).execute(conn)?;
    Ok(Some(row))
}

/// A couple's live items `reader` may see, oldest change first: a partner their own and the
/// other's shared ones, a clinician every shared and clinician item (never a private one).
pub fn live_items(conn: &mut AnyConnection, couple_id: &str, reader: &Reader) -> StoreResult<Vec<ItemRow>> {
    let mut query = needs_map_items::table
        .filter(needs_map_items::couple_id.eq(couple_id))
        .filter(needs_map_items::deleted.eq(false))
        .into_boxed();
    query = match reader {
        Reader::Partner(me) => {
            query.filter(needs_map_items::author_id.eq(me.clone()).or(needs_map_items::visibility.eq(SHARED)))
        }
        Reader::Clinician => query.filter(needs_map_items::visibility.eq_any([SHARED, CLINICIAN])),
    };
    Ok(query
        .order((needs_map_items::updated_at.asc(), needs_map_items::id.asc()))
        .select(ItemRow::as_select())
        .load(conn)?)
}

/// Every revision of a couple's items `reader` may see, oldest first (timeline, export).
/// Each revision is judged by its own visibility: a revision made private stays hidden
/// even when the item is shared later, and one shared stays in the history it joined.
pub fn revisions(conn: &mut AnyConnection, couple_id: &str, reader: &Reader) -> StoreResult<Vec<RevisionRow>> {
    let mut query = needs_map_revisions::table.filter(needs_map_revisions::couple_id.eq(couple_id)).into_boxed();
    query = match reader {
        Reader::Partner(me) => {
            query.filter(needs_map_revisions::author_id.eq(me.clone()).or(needs_map_revisions::visibility.eq(SHARED)))
        }
        Reader::Clinician => query.filter(needs_map_revisions::visibility.eq_any([SHARED, CLINICIAN])),
    };
    Ok(query.order(needs_map_revisions::id.asc()).select(RevisionRow::as_select()).load(conn)?)
}

/// Writes a new compromise and its `proposed` event.
pub fn insert_compromise(conn: &mut AnyConnection, row: &CompromiseRow, event_id: String) -> StoreResult<()> {
    diesel::insert_into(compromises::table).values(row).execute(conn)?;
    insert_event(conn, row, event_id, "proposed", row.proposed_at)
}

fn insert_event(
    conn: &mut AnyConnection,
    row: &CompromiseRow,
    id: String,
    event: &str,
    at: chrono::NaiveDateTime,
) -> StoreResult<()> {
    let event = CompromiseEventRow {
        id,
        practice_id: row.practice_id.clone(),
        couple_id: row.couple_id.clone(),
        compromise_id: row.id.clone(),
        event: event.to_owned(),
        created_at: at,
    };
    diesel::insert_into(compromise_events::table).values(&event).execute(conn)?;
    Ok(())
}

/// A compromise of a couple.
pub fn find_compromise(conn: &mut AnyConnection, couple_id: &str, id: &str) -> StoreResult<Option<CompromiseRow>> {
    Ok(compromises::table
        .find(id)
        .filter(compromises::couple_id.eq(couple_id))
        .select(CompromiseRow::as_select())
        .first(conn)
        .optional()?)
}

/// Moves a compromise from `from` to `to` (`agreed` or `withdrawn`) and records the event.
/// A concurrent change that got there first makes this a conflict (the caller reads
/// again and decides).
pub fn move_compromise(
    conn: &mut AnyConnection,
    row: &CompromiseRow,
    to: &str,
    now: chrono::NaiveDateTime,
    event_id: String,
) -> StoreResult<()> {
    let target = compromises::table.find(&row.id).filter(compromises::status.eq(&row.status));
    let n = if to == "agreed" {
        diesel::update(target).set((compromises::status.eq(to), compromises::agreed_at.eq(now))).execute(conn)?
    } else {
        diesel::update(target).set((compromises::status.eq(to), compromises::withdrawn_at.eq(now))).execute(conn)?
    };
    if n == 0 {
        return Err(StoreError::Conflict("compromise status".into()));
    }
    insert_event(conn, row, event_id, to, now)
}

/// A couple's compromises, oldest first (both partners and the clinicians see them all).
pub fn compromises(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<Vec<CompromiseRow>> {
    Ok(compromises::table
        .filter(compromises::couple_id.eq(couple_id))
        .order(compromises::id.asc())
        .select(CompromiseRow::as_select())
        .load(conn)?)
}

/// A couple's compromise events with their compromises, oldest first (timeline).
pub fn compromise_events(
    conn: &mut AnyConnection,
    couple_id: &str,
) -> StoreResult<Vec<(CompromiseEventRow, CompromiseRow)>> {
    Ok(compromise_events::table
        .inner_join(compromises::table)
        .filter(compromise_events::couple_id.eq(couple_id))
        .order(compromise_events::id.asc())
        .select((CompromiseEventRow::as_select(), CompromiseRow::as_select()))
        .load(conn)?)
}
