//! The records use cases return, as the store reads them, and the few store helpers an
//! adapter needs to render them (ids, times, paging). Adapters render these; they never
//! query the store themselves.

pub use tandem_store::agreements::{AgreementRow, Version};
pub use tandem_store::audit::{AuditFilter, AuditRow};
pub use tandem_store::break_glass::GrantRow;
pub use tandem_store::comfort_scripts::ComfortScriptRow;
pub use tandem_store::couples::{CoupleRow, CoupleStatus, Scope, SummaryRow};
pub use tandem_store::decisions::DecisionRow;
pub use tandem_store::exercises::{ExerciseFilter, ExerciseRow, Visible, json_list};
pub use tandem_store::incidents::{IncidentRow, WithdrawalRow};
pub use tandem_store::journal::{AssignmentRow, Entry as JournalEntryRecord, EntryRow as JournalEntryRow, PromptRow};
pub use tandem_store::measures::{AssignmentRow as MeasureAssignmentRow, ResponseRow as MeasureResponseRow};
pub use tandem_store::needs_map::{
    CompromiseEventRow, CompromiseRow, ItemRow as NeedsMapItemRow, RevisionRow as NeedsMapRevisionRow,
};
pub use tandem_store::outbox::OutboxRow;
pub use tandem_store::pagination::{DEFAULT_LIMIT, MAX_LIMIT};
pub use tandem_store::plans::{ItemRow, PlanRow, PlanTree, StepRow};
pub use tandem_store::preferences::PreferencesRow;
pub use tandem_store::records::{CheckInRow, MilestoneRow, Reader, ReportFilter, ReportRow};
pub use tandem_store::users::{UserFilter, UserRow};
pub use tandem_store::{Page, PageRequest, ids, time};
