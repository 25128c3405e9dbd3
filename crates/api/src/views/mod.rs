//! Response bodies shared by more than one route group (the plan document, accounts, a
//! couple's record), so no route module imports another.

pub mod agreement;
pub mod couple;
pub mod export;
pub mod journal;
pub mod measure;
pub mod needs_map;
pub mod plan;
pub mod plan_template;
pub mod reconnect;
pub mod record;
pub mod session;
pub mod timeline;
pub mod user;
