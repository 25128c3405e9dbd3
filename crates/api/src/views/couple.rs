//! A couple as the caller may see it (answered by the couple routes and by clinician
//! assignment).

use chrono::{DateTime, Utc};
use serde::Serialize;
use tandem_service::couples::CoupleCard;
use tandem_service::records::{CoupleStatus, time};
use utoipa::ToSchema;

use crate::error::ApiResult;

/// How much of the couple the caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CoupleAccess {
    /// People and (in later resources) the clinical record: assigned clinicians, partners.
    Full,
    /// Existence, label, status and clinicians only: admins not assigned to the couple.
    StatusOnly,
}

/// One partner as the caller may see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Partner {
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e60")]
    pub id: String,
    #[schema(example = "Jordan")]
    pub display_name: String,
    /// Shown to the couple's clinicians and to the partner themself.
    #[schema(example = "jordan@example.org")]
    pub email: Option<String>,
    /// `invited` until they accept their invitation.
    pub status: tandem_domain::UserStatus,
}

/// A clinician assigned to the couple.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoupleClinician {
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e5f")]
    pub id: String,
    #[schema(example = "Dr. Sam Rivera")]
    pub display_name: String,
}

/// A couple.
#[derive(Debug, Serialize, ToSchema)]
pub struct Couple {
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e70")]
    pub id: String,
    /// A non-identifying label chosen by the clinician.
    #[schema(example = "Couple 14 (Tuesdays)")]
    pub label: String,
    pub status: CoupleStatus,
    /// What this caller may see of the couple.
    pub access: CoupleAccess,
    /// Both partners; `null` when `access` is `status_only`.
    pub partners: Option<Vec<Partner>>,
    /// The assigned clinicians, in order of assignment.
    pub clinicians: Vec<CoupleClinician>,
    pub created_at: DateTime<Utc>,
    pub discharged_at: Option<DateTime<Utc>>,
    /// Only with `needs_attention=true`: why the couple needs the clinician.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attention: Option<Attention>,
}

/// Why a couple is in the needs-attention list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attention {
    /// Most urgent first.
    pub flags: Vec<tandem_domain::attention::Flag>,
    /// 1 (most urgent) to 11: the rank of the first flag.
    pub urgency: u8,
}

impl Couple {
    /// Renders a couple as the use case let the caller see it.
    pub fn from_card(card: CoupleCard) -> ApiResult<Self> {
        let c = card.row;
        Ok(Self {
            status: c.status()?,
            access: if card.full { CoupleAccess::Full } else { CoupleAccess::StatusOnly },
            partners: card.partners.map(|list| {
                list.into_iter()
                    .map(|p| Partner { id: p.id, display_name: p.display_name, email: p.email, status: p.status })
                    .collect()
            }),
            clinicians: card
                .clinicians
                .into_iter()
                .map(|u| CoupleClinician { id: u.id, display_name: u.display_name })
                .collect(),
            created_at: time::from_db(c.created_at),
            discharged_at: c.discharged_at.map(time::from_db),
            attention: card.attention.map(|(flags, urgency)| Attention { flags, urgency }),
            id: c.id,
            label: c.label,
        })
    }
}
