//! Accounts as the caller may see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::{UserKind, UserStatus};
use tandem_service::records::{UserRow, time};
use utoipa::ToSchema;

use crate::error::ApiResult;

/// A staff role. Rights add up: a solo therapist holds both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Runs the practice: users, settings, the audit log.
    Admin,
    /// Works a caseload.
    Clinician,
}

/// A user account as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e5f")]
    pub id: String,
    /// Shown to admins and to the user themself; `null` in a clinician's staff directory.
    #[schema(example = "dr.rivera@example.org")]
    pub email: Option<String>,
    #[schema(example = "Dr. Sam Rivera")]
    pub display_name: String,
    pub kind: UserKind,
    /// Staff roles; empty for clients.
    pub roles: Vec<StaffRole>,
    pub status: UserStatus,
    /// IANA time zone.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    pub created_at: DateTime<Utc>,
    /// Shown to admins and to the user themself.
    pub last_login_at: Option<DateTime<Utc>>,
}

impl User {
    /// Builds the view; `full` shows contact and sign-in details.
    pub fn from_row(row: UserRow, full: bool) -> ApiResult<Self> {
        let kind = row.kind()?;
        let mut roles = Vec::new();
        if row.is_admin {
            roles.push(StaffRole::Admin);
        }
        if row.is_clinician {
            roles.push(StaffRole::Clinician);
        }
        Ok(Self {
            status: row.status()?,
            id: row.id,
            email: full.then_some(row.email),
            display_name: row.display_name,
            kind,
            roles,
            time_zone: row.time_zone,
            created_at: time::from_db(row.created_at),
            last_login_at: if full { row.last_login_at.map(time::from_db) } else { None },
        })
    }
}
