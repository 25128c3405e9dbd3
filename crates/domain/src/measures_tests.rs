//! Table tests of the measures' rules (`super`): every band boundary, incomplete
//! submissions, critical items, the schedule and the reminder timing.

use chrono::NaiveTime;

use super::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).unwrap_or_default()
}

/// Answers summing to `total` with every answer within its item's range.
fn answers_for(measure: Measure, total: i32) -> Vec<Option<i32>> {
    let mut left = total;
    definition(measure)
        .items
        .iter()
        .map(|item| {
            let max = item.options.iter().map(|o| o.value).max().unwrap_or(0);
            let v = left.min(max);
            left -= v;
            Some(v)
        })
        .collect()
}

#[test]
fn every_band_boundary_of_every_measure() {
    let table: &[(Measure, i32, Band)] = &[
        (Measure::Phq9, 0, Band::Minimal),
        (Measure::Phq9, 4, Band::Minimal),
        (Measure::Phq9, 5, Band::Mild),
        (Measure::Phq9, 9, Band::Mild),
        (Measure::Phq9, 10, Band::Moderate),
        (Measure::Phq9, 14, Band::Moderate),
        (Measure::Phq9, 15, Band::ModeratelySevere),
        (Measure::Phq9, 19, Band::ModeratelySevere),
        (Measure::Phq9, 20, Band::Severe),
        (Measure::Phq9, 27, Band::Severe),
        (Measure::Gad7, 0, Band::Minimal),
        (Measure::Gad7, 4, Band::Minimal),
        (Measure::Gad7, 5, Band::Mild),
        (Measure::Gad7, 9, Band::Mild),
        (Measure::Gad7, 10, Band::Moderate),
        (Measure::Gad7, 14, Band::Moderate),
        (Measure::Gad7, 15, Band::Severe),
        (Measure::Gad7, 21, Band::Severe),
        (Measure::Csi4, 0, Band::Dissatisfied),
        (Measure::Csi4, 13, Band::Dissatisfied),
        (Measure::Csi4, 14, Band::Satisfied),
        (Measure::Csi4, 21, Band::Satisfied),
    ];
    for &(measure, total, band) in table {
        assert_eq!(band_of(measure, total), band, "{measure:?} {total}");
        // Scoring real answers reaches the same band.
        let answers = answers_for(measure, total);
        let scored = score(measure, &answers).unwrap_or_else(|e| panic!("{measure:?} {total}: {e:?}"));
        assert_eq!((scored.total, scored.band), (total, band), "{measure:?} {answers:?}");
    }
}

#[test]
fn the_maximum_scores_are_the_documented_ranges() {
    for (measure, max) in [(Measure::Phq9, 27), (Measure::Gad7, 21), (Measure::Csi4, 21)] {
        let all_max: Vec<Option<i32>> =
            definition(measure).items.iter().map(|i| i.options.iter().map(|o| o.value).max()).collect();
        assert_eq!(score(measure, &all_max).map(|s| s.total), Ok(max), "{measure:?}");
    }
    assert_eq!(definition(Measure::Phq9).items.len(), 9);
    assert_eq!(definition(Measure::Gad7).items.len(), 7);
    assert_eq!(definition(Measure::Csi4).items.len(), 4);
}

#[test]
fn incomplete_or_out_of_range_submissions_are_refused_naming_the_field() {
    let fields = |r: Result<Scored, Vec<FieldError>>| -> Vec<String> {
        r.err().unwrap_or_default().into_iter().map(|e| e.field).collect()
    };
    let mut missing = vec![Some(1); 9];
    missing[3] = None;
    assert_eq!(fields(score(Measure::Phq9, &missing)), vec!["answers[3]"]);
    assert_eq!(fields(score(Measure::Phq9, &[Some(1); 8])), vec!["answers"]);
    assert_eq!(fields(score(Measure::Gad7, &[Some(1); 8])), vec!["answers"]);
    assert_eq!(fields(score(Measure::Gad7, &[])), vec!["answers"]);
    let mut high = vec![Some(0); 7];
    high[6] = Some(4);
    assert_eq!(fields(score(Measure::Gad7, &high)), vec!["answers[6]"]);
    assert_eq!(fields(score(Measure::Phq9, &[Some(-1); 9])).len(), 9);
    // CSI-4: the first item goes to 6, the others to 5.
    assert!(score(Measure::Csi4, &[Some(6), Some(5), Some(5), Some(5)]).is_ok());
    assert_eq!(fields(score(Measure::Csi4, &[Some(6), Some(6), Some(5), Some(5)])), vec!["answers[1]"]);
}

#[test]
fn phq9_item_9_above_zero_is_the_only_critical_finding() {
    let mut answers = vec![Some(0); 9];
    assert!(!score(Measure::Phq9, &answers).is_ok_and(|s| s.critical()));
    for v in 1..=3 {
        answers[8] = Some(v);
        let scored = score(Measure::Phq9, &answers).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(scored.critical_items, vec![9]);
        assert_eq!(scored.band, Band::Minimal, "critical even in the minimal band");
    }
    let all_three = vec![Some(3); 9];
    assert_eq!(score(Measure::Phq9, &all_three).map(|s| s.critical_items), Ok(vec![9]));
    assert!(!score(Measure::Gad7, &[Some(3); 7]).is_ok_and(|s| s.critical()));
    assert!(!is_critical(Measure::Phq9, 8, 3));
}

#[test]
fn worsening_is_a_rise_of_at_least_one_band() {
    assert!(worsened(Band::Mild, Band::Moderate));
    assert!(worsened(Band::Minimal, Band::Severe));
    assert!(worsened(Band::Satisfied, Band::Dissatisfied));
    assert!(!worsened(Band::Moderate, Band::Moderate));
    assert!(!worsened(Band::Severe, Band::Mild));
    assert!(!worsened(Band::Dissatisfied, Band::Satisfied));
    assert_eq!(trend(Band::Severe, Band::Mild), Trend::Improved);
    assert_eq!(trend(Band::Mild, Band::Mild), Trend::Unchanged);
    assert_eq!(trend(Band::Satisfied, Band::Dissatisfied), Trend::Worsened);
}

#[test]
fn occurrences_fall_every_n_weeks_and_an_answer_covers_those_due_before_it() {
    let start = utc("2026-11-02T09:00:00Z");
    let every2 = Schedule { starts_at: start, every_weeks: Some(2) };
    assert_eq!(every2.next_due(None), Some(start));
    assert_eq!(every2.next_due(Some(start + Duration::hours(3))), Some(start + Duration::weeks(2)));
    assert_eq!(every2.next_due(Some(start + Duration::weeks(2))), Some(start + Duration::weeks(4)), "at the instant");
    assert_eq!(every2.next_due(Some(start + Duration::days(20))), Some(start + Duration::weeks(4)));
    let once = Schedule { starts_at: start, every_weeks: None };
    assert_eq!(once.next_due(Some(start + Duration::days(1))), None);
    assert_eq!(
        once.next_due(Some(start - Duration::days(1))),
        Some(start),
        "an answer before the start covers nothing"
    );
    assert!(!is_due(&every2, None, start - Duration::seconds(1)));
    assert!(is_due(&every2, None, start));
    assert!(!is_due(&every2, Some(start), start + Duration::days(13)));
    assert!(is_due(&every2, Some(start), start + Duration::days(14)));
    assert!(!overdue(Some(start), start + Duration::days(7) - Duration::seconds(1)));
    assert!(overdue(Some(start), start + Duration::days(7)));
    assert!(!overdue(None, start + Duration::days(70)));
}

fn prefs(tz: chrono_tz::Tz, hh: u32) -> Preferences {
    Preferences { preferred_time: NaiveTime::from_hms_opt(hh, 0, 0).unwrap_or_default(), ..Preferences::defaults(tz) }
}

#[test]
fn the_reminder_goes_at_the_local_preferred_time_on_the_day_a_measure_falls_due() {
    let berlin = chrono_tz::Europe::Berlin;
    let p = prefs(berlin, 19);
    // Due Monday 10:00 Berlin (09:00 UTC); Berlin's 19:00 is 18:00 UTC in November.
    let due = utc("2026-11-23T09:00:00Z");
    let tick = |now: &str| reminder_due("u", &p, true, &[due], utc(now), Duration::minutes(15));
    assert_eq!(tick("2026-11-23T17:59:00Z"), None, "not before the preferred time");
    let sent = tick("2026-11-23T18:05:00Z");
    assert_eq!(sent.as_ref().map(|d| d.dedupe_key.as_str()), Some("u:measure_reminder:2026-11-23"));
    assert_eq!(sent.map(|d| d.at), Some(utc("2026-11-23T18:00:00Z")));
    assert_eq!(tick("2026-11-24T18:05:00Z"), None, "once: not again the next day");
    // Due after today's preferred time: tomorrow's.
    let late = utc("2026-11-23T19:30:00Z");
    assert_eq!(reminder_due("u", &p, true, &[late], utc("2026-11-23T18:05:00Z"), Duration::minutes(15)), None);
    assert!(reminder_due("u", &p, true, &[late], utc("2026-11-24T18:05:00Z"), Duration::minutes(15)).is_some());
    // The same instant in another zone is another local evening.
    let ny = prefs(chrono_tz::America::New_York, 19);
    assert_eq!(reminder_due("u", &ny, true, &[due], utc("2026-11-23T18:05:00Z"), Duration::minutes(15)), None);
    assert!(reminder_due("u", &ny, true, &[due], utc("2026-11-24T00:05:00Z"), Duration::minutes(15)).is_some());
}

#[test]
fn the_reminder_honours_switches_quiet_hours_and_treatment() {
    let due = utc("2026-11-23T08:00:00Z");
    let now = utc("2026-11-23T09:05:00Z");
    let on = prefs(chrono_tz::UTC, 9);
    assert!(reminder_due("u", &on, true, &[due], now, Duration::minutes(15)).is_some());
    assert!(reminder_due("u", &on, false, &[due], now, Duration::minutes(15)).is_none(), "discharged");
    assert!(reminder_due("u", &on, true, &[], now, Duration::minutes(15)).is_none(), "nothing due");
    let off = Preferences { measure_reminders: false, ..on.clone() };
    assert!(reminder_due("u", &off, true, &[due], now, Duration::minutes(15)).is_none());
    let quiet = Preferences {
        quiet_hours: Some((
            NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
            NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default(),
        )),
        ..on
    };
    assert!(reminder_due("u", &quiet, true, &[due], now, Duration::minutes(15)).is_none());
}
