//! Tandem's rules as plain functions of plain data.
//!
//! Nothing here touches a database, the network or the system clock directly, so every
//! rule is unit-tested without infrastructure and the same rule serves every caller.

pub mod actor;
pub mod agreements;
pub mod attention;
pub mod clock;
pub mod comfort_script;
pub mod exercises;
pub mod journal;
pub mod lifetimes;
pub mod measures;
pub mod needs_map;
pub mod plans;
pub mod policy;
pub mod progression;
pub mod reconnect;
pub mod refusal;
pub mod reminders;
pub mod templates;
pub mod validation;
pub mod vocabulary;

pub use actor::{Actor, Role, UserKind, UserStatus};
pub use clock::{Clock, ManualClock, SystemClock};
pub use policy::{Access, Action, CoupleRelation, Resource, authorize};
