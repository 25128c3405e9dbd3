//! Who is acting: the facts about a signed-in user that access rules depend on.

use serde::{Deserialize, Serialize};

/// Staff run the practice or work a caseload; clients are partners in a couple.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AccountKind))]
#[serde(rename_all = "snake_case")]
pub enum UserKind {
    Staff,
    Client,
}

impl UserKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Staff => "staff",
            Self::Client => "client",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "staff" => Some(Self::Staff),
            "client" => Some(Self::Client),
            _ => None,
        }
    }
}

/// A user's account state. Invited users have no password yet; deactivated users
/// cannot sign in and their live tokens stop working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AccountStatus))]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Invited; has not chosen a password yet.
    Invited,
    /// Can sign in.
    Active,
    /// Cannot sign in; sessions were ended.
    Deactivated,
}

impl UserStatus {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::Active => "active",
            Self::Deactivated => "deactivated",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "invited" => Some(Self::Invited),
            "active" => Some(Self::Active),
            "deactivated" => Some(Self::Deactivated),
            _ => None,
        }
    }
}

/// A role as written into the audit log: the strongest one the actor used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Clinician,
    Client,
}

impl Role {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Clinician => "clinician",
            Self::Client => "client",
        }
    }
}

/// The signed-in caller. Built from the database on each request (cached briefly), never
/// from a request body, so a client can never grant itself a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: String,
    pub practice_id: String,
    pub kind: UserKind,
    pub is_admin: bool,
    pub is_clinician: bool,
}

impl Actor {
    #[must_use]
    pub fn is_staff(&self) -> bool {
        self.kind == UserKind::Staff
    }

    /// The role recorded in audit events for this actor.
    #[must_use]
    pub fn primary_role(&self) -> Role {
        match (self.kind, self.is_admin, self.is_clinician) {
            (UserKind::Client, _, _) => Role::Client,
            (UserKind::Staff, _, true) => Role::Clinician,
            (UserKind::Staff, _, false) => Role::Admin,
        }
    }
}
