//! "Who needs me today?": the caseload's attention flags, in order of urgency, from the
//! facts a per-couple summary holds. Time-dependent flags are computed at read time.

use chrono::{DateTime, Duration, Utc};

use crate::plans::text_enum;

text_enum!(
    /// One reason a couple needs the clinician, most urgent first: a critical questionnaire
    /// answer not yet acknowledged (PHQ-9 item 9); an open incident or a withdrawal; paused
    /// by a soft no or no; step back recommended; rising distress; partners diverging; a
    /// questionnaire score worsened by a severity band; an advance waiting for a decision;
    /// agreement review due within 7 days; a questionnaire overdue by 7 days; no activity
    /// for 7 days.
    #[cfg_attr(feature = "openapi", schema(as = AttentionFlag))]
    Flag {
        CriticalItem = "critical_item",
        IncidentOrWithdrawal = "incident_or_withdrawal",
        PausedByConsent = "paused_by_consent",
        StepBackRecommended = "step_back_recommended",
        RisingDistress = "rising_distress",
        PartnersDiverging = "partners_diverging",
        MeasureWorsened = "measure_worsened",
        AdvanceWaiting = "advance_waiting",
        AgreementReviewDue = "agreement_review_due",
        MeasureOverdue = "measure_overdue",
        Inactive = "inactive",
    }
);

/// What the summary row knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SummaryFacts {
    pub open_incidents: i32,
    pub withdrawn: bool,
    pub pause_cause: Option<String>,
    pub recommendation: Option<String>,
    pub rising_distress: bool,
    pub diverging: bool,
    pub last_activity_at: Option<DateTime<Utc>>,
    pub agreement_review_due_at: Option<DateTime<Utc>>,
    pub couple_created_at: Option<DateTime<Utc>>,
    /// Critical questionnaire answers no clinician has acknowledged yet.
    pub critical_items: i32,
    /// A partner's latest score on a measure is a band worse than their one before.
    pub measure_worsened: bool,
    /// The earliest instant an open questionnaire occurrence fell due.
    pub measure_due_since: Option<DateTime<Utc>>,
}

/// The couple's flags, most urgent first.
#[must_use]
pub fn flags(f: &SummaryFacts, now: DateTime<Utc>) -> Vec<Flag> {
    let mut out = Vec::new();
    if f.critical_items > 0 {
        out.push(Flag::CriticalItem);
    }
    if f.open_incidents > 0 || f.withdrawn {
        out.push(Flag::IncidentOrWithdrawal);
    }
    if f.pause_cause.as_deref() == Some("consent_withdrawn") {
        out.push(Flag::PausedByConsent);
    }
    if f.recommendation.as_deref() == Some("step_back") {
        out.push(Flag::StepBackRecommended);
    }
    if f.rising_distress {
        out.push(Flag::RisingDistress);
    }
    if f.diverging {
        out.push(Flag::PartnersDiverging);
    }
    if f.measure_worsened {
        out.push(Flag::MeasureWorsened);
    }
    if matches!(f.recommendation.as_deref(), Some("advance" | "advance_awaiting_consent")) {
        out.push(Flag::AdvanceWaiting);
    }
    if f.agreement_review_due_at.is_some_and(|due| due <= now + Duration::days(7)) {
        out.push(Flag::AgreementReviewDue);
    }
    if crate::measures::overdue(f.measure_due_since, now) {
        out.push(Flag::MeasureOverdue);
    }
    let quiet_since = f.last_activity_at.or(f.couple_created_at);
    if quiet_since.is_some_and(|t| now - t >= Duration::days(7)) {
        out.push(Flag::Inactive);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_fact_raises_its_flag_in_urgency_order() {
        let now = Utc::now();
        let all = SummaryFacts {
            open_incidents: 1,
            withdrawn: false,
            pause_cause: Some("consent_withdrawn".into()),
            recommendation: Some("step_back".into()),
            rising_distress: true,
            diverging: true,
            last_activity_at: Some(now - Duration::days(8)),
            agreement_review_due_at: Some(now + Duration::days(3)),
            couple_created_at: None,
            critical_items: 1,
            measure_worsened: true,
            measure_due_since: Some(now - Duration::days(7)),
        };
        let got = flags(&all, now);
        let mut sorted = got.clone();
        sorted.sort_by_key(|f| Flag::ALL.iter().position(|x| x == f));
        assert_eq!(got, sorted, "most urgent first");
        assert_eq!(got.len(), Flag::ALL.len() - 1, "all but the incident flag: {got:?}");
        assert_eq!(got[0], Flag::CriticalItem, "a critical answer is the most urgent");
        let soon = SummaryFacts { measure_due_since: Some(now - Duration::days(6)), ..SummaryFacts::default() };
        assert!(flags(&soon, now).is_empty(), "due 6 days ago is not overdue yet");
        assert!(
            flags(&SummaryFacts { withdrawn: true, ..SummaryFacts::default() }, now)
                .contains(&Flag::IncidentOrWithdrawal)
        );
        assert_eq!(
            flags(
                &SummaryFacts { recommendation: Some("advance_awaiting_consent".into()), ..SummaryFacts::default() },
                now
            ),
            vec![Flag::AdvanceWaiting]
        );
        let calm = SummaryFacts {
            last_activity_at: Some(now - Duration::days(2)),
            agreement_review_due_at: Some(now + Duration::days(30)),
            ..SummaryFacts::default()
        };
        assert!(flags(&calm, now).is_empty());
        let new = SummaryFacts { couple_created_at: Some(now - Duration::days(8)), ..SummaryFacts::default() };
        assert_eq!(flags(&new, now), vec![Flag::Inactive]);
    }
}
