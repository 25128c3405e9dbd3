//! The needs map and the comfort script as a reader may see them; shared by their own
//! routes, the timeline and the export.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tandem_domain::needs_map::{CompromiseStatus, ItemKind};
use tandem_domain::vocabulary::EntryVisibility;
use tandem_service::needs_map::NeedsMap as Map;
use tandem_service::records::{
    ComfortScriptRow, CompromiseRow, CoupleRow, NeedsMapItemRow, NeedsMapRevisionRow, Reader, time,
};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};

/// One desire or boundary of a partner's map.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedsMapItem {
    #[schema(example = "0b8e2f4c-5d1a-4c3e-9f7b-2a6d8e1c4b90")]
    pub id: String,
    /// The partner whose map it is (only they change it).
    #[schema(example = "01939a8e-7c1f-7a00-8000-0000000000a1")]
    pub author_id: String,
    #[schema(value_type = ItemKind, example = "desire")]
    pub kind: String,
    #[schema(example = "Unhurried mornings together at the weekend")]
    pub text: String,
    #[schema(example = "Coffee in bed, no phones")]
    pub note: Option<String>,
    /// `private`: only the author; `clinician`: also the couple's clinicians; `shared`:
    /// also the other partner.
    #[schema(value_type = EntryVisibility, example = "shared")]
    pub visibility: String,
    /// When it was last written (created, edited or re-shared).
    pub updated_at: DateTime<Utc>,
}

impl NeedsMapItem {
    #[must_use]
    pub fn of(r: NeedsMapItemRow) -> Self {
        Self {
            kind: r.kind,
            visibility: r.visibility,
            id: r.id,
            author_id: r.author_id,
            text: r.text,
            note: r.note,
            updated_at: time::from_db(r.updated_at),
        }
    }
}

/// One state of an item, from the moment it was written (timeline, export).
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedsMapRevision {
    /// The item this is a state of.
    #[schema(example = "0b8e2f4c-5d1a-4c3e-9f7b-2a6d8e1c4b90")]
    pub item_id: String,
    #[schema(example = "01939a8e-7c1f-7a00-8000-0000000000a1")]
    pub author_id: String,
    #[schema(value_type = ItemKind, example = "desire")]
    pub kind: String,
    #[schema(example = "Unhurried mornings together at the weekend")]
    pub text: String,
    #[schema(example = "Coffee in bed, no phones")]
    pub note: Option<String>,
    #[schema(value_type = EntryVisibility, example = "shared")]
    pub visibility: String,
    /// The author deleted the item with this revision.
    #[schema(example = false)]
    pub deleted: bool,
    pub at: DateTime<Utc>,
}

impl NeedsMapRevision {
    #[must_use]
    pub fn of(r: NeedsMapRevisionRow) -> Self {
        Self {
            kind: r.kind,
            visibility: r.visibility,
            item_id: r.item_id,
            author_id: r.author_id,
            text: r.text,
            note: r.note,
            deleted: r.deleted,
            at: time::from_db(r.created_at),
        }
    }
}

/// A compromise between the partners. Both partners and the couple's clinicians see every
/// compromise; a withdrawn one never says who withdrew it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Compromise {
    #[schema(example = "01939a8f-2b40-7c00-8000-0000000000c3")]
    pub id: String,
    #[schema(example = "01939a8e-7c1f-7a00-8000-0000000000a1")]
    pub proposed_by: String,
    #[schema(example = "Cuddles on the sofa on Sundays, clothes on, no expectations")]
    pub text: String,
    #[schema(example = "Either of us can end it at any time")]
    pub note: Option<String>,
    #[schema(value_type = CompromiseStatus, example = "agreed")]
    pub status: String,
    pub proposed_at: DateTime<Utc>,
    /// When the other partner agreed it (`null` if they never did).
    pub agreed_at: Option<DateTime<Utc>>,
    /// When it stopped being agreed or on the table (`null` while it is).
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl Compromise {
    #[must_use]
    pub fn of(r: CompromiseRow) -> Self {
        Self {
            status: r.status,
            id: r.id,
            proposed_by: r.proposed_by,
            text: r.text,
            note: r.note,
            proposed_at: time::from_db(r.proposed_at),
            agreed_at: r.agreed_at.map(time::from_db),
            withdrawn_at: r.withdrawn_at.map(time::from_db),
        }
    }
}

/// One partner's column of the map, as a clinician sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerColumn {
    #[schema(example = "01939a8e-7c1f-7a00-8000-0000000000a1")]
    pub user_id: String,
    /// The partner's shared and clinician items (never private ones).
    pub items: Vec<NeedsMapItem>,
}

/// A couple's needs map as the caller may see it. Partners get `mine` and `partner`;
/// clinicians get `partners`. Nothing in it (its ETag included) changes because of an
/// item the caller may not read.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedsMap {
    #[schema(example = "01939a8d-0000-7000-8000-00000000c0c1")]
    pub couple_id: String,
    /// Partners: the caller's own items, every visibility.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mine: Option<Vec<NeedsMapItem>>,
    /// Partners: the other partner's shared items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner: Option<Vec<NeedsMapItem>>,
    /// Clinicians: both partners side by side (partner A first), shared and clinician
    /// items only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partners: Option<Vec<PartnerColumn>>,
    /// Every compromise, oldest first: proposed, agreed and withdrawn.
    pub compromises: Vec<Compromise>,
}

impl NeedsMap {
    #[must_use]
    pub fn of(map: Map) -> Self {
        let Map { couple, reader, items, compromises } = map;
        let mut columns: Vec<(String, Vec<NeedsMapItem>)> =
            couple.partner_ids().iter().map(|p| ((*p).to_owned(), Vec::new())).collect();
        for item in items {
            if let Some((_, column)) = columns.iter_mut().find(|(p, _)| *p == item.author_id) {
                column.push(NeedsMapItem::of(item));
            }
        }
        let compromises = compromises.into_iter().map(Compromise::of).collect();
        let mut map = Self { couple_id: couple.id, mine: None, partner: None, partners: None, compromises };
        match reader {
            Reader::Partner(me) => {
                let (mine, other): (Vec<_>, Vec<_>) = columns.into_iter().partition(|(p, _)| *p == me);
                map.mine = Some(mine.into_iter().flat_map(|(_, items)| items).collect());
                map.partner = Some(other.into_iter().flat_map(|(_, items)| items).collect());
            }
            Reader::Clinician => {
                map.partners =
                    Some(columns.into_iter().map(|(user_id, items)| PartnerColumn { user_id, items }).collect());
            }
        }
        map
    }

    /// An ETag of exactly what this caller sees: another caller's view, or anything this
    /// caller cannot read, does not enter it.
    pub fn etag(&self) -> ApiResult<String> {
        let json = serde_json::to_vec(self).map_err(ApiError::internal)?;
        let digest = URL_SAFE_NO_PAD.encode(Sha256::digest(json));
        Ok(format!("\"needs-map-{}\"", &digest[..22]))
    }
}

/// What helps one partner on a hard day.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhatHelps {
    #[schema(example = "01939a8e-7c1f-7a00-8000-0000000000a1")]
    pub user_id: String,
    #[schema(example = "A hand on my back, and time to finish my sentence")]
    pub text: String,
}

/// A version of the couple's comfort script.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComfortScript {
    #[schema(example = "01939a90-1a00-7d00-8000-0000000000d4")]
    pub id: String,
    #[schema(example = "01939a8d-0000-7000-8000-00000000c0c1")]
    pub couple_id: String,
    /// Counts up from 1 with every edit.
    #[schema(example = 3)]
    pub version: i32,
    /// One entry per partner, partner A first.
    pub what_helps: Vec<WhatHelps>,
    #[schema(example = "\"I'm here\", \"we'll figure it out together\"")]
    pub words_to_use: String,
    #[schema(example = "\"always\", \"never\", \"calm down\"")]
    pub words_to_avoid: String,
    #[schema(example = "A hand raised flat: twenty minutes apart, no questions")]
    pub time_out_signal: String,
    #[schema(example = "Whoever called the time-out comes back with a cup of tea and one sentence")]
    pub coming_back: String,
    /// The partner who wrote this version.
    #[schema(example = "01939a8e-7c1f-7a00-8000-0000000000a1")]
    pub edited_by: String,
    pub created_at: DateTime<Utc>,
}

impl ComfortScript {
    /// The version of `couple`'s script.
    #[must_use]
    pub fn of(couple: &CoupleRow, r: ComfortScriptRow) -> Self {
        Self::with_partners(couple.partner_ids(), r)
    }

    /// The version, its texts belonging to partners `[a, b]`.
    #[must_use]
    pub fn with_partners([a, b]: [&str; 2], r: ComfortScriptRow) -> Self {
        Self {
            what_helps: vec![
                WhatHelps { user_id: a.to_owned(), text: r.partner_a_helps },
                WhatHelps { user_id: b.to_owned(), text: r.partner_b_helps },
            ],
            id: r.id,
            couple_id: r.couple_id,
            version: r.version,
            words_to_use: r.words_to_use,
            words_to_avoid: r.words_to_avoid,
            time_out_signal: r.time_out_signal,
            coming_back: r.coming_back,
            edited_by: r.edited_by,
            created_at: time::from_db(r.created_at),
        }
    }
}
