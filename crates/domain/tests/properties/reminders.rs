//! Reminders in each client's own local time (domain.md, "Reminders").

use chrono::{DateTime, Duration, LocalResult, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use proptest::prelude::*;
use tandem_domain::reminders::{ClientFacts, Preferences, ReminderKind, due, exercise_days, in_quiet_hours, resolve};

use crate::{config, t0};

/// Zones with the awkward cases: DST at 2:00 or 0:00, half-hour offsets and half-hour
/// DST shifts, the southern hemisphere, the date line.
const ZONES: [Tz; 9] = [
    chrono_tz::UTC,
    chrono_tz::Europe::Berlin,
    chrono_tz::America::New_York,
    chrono_tz::America::Havana,
    chrono_tz::America::Santiago,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Asia::Kolkata,
    chrono_tz::Pacific::Chatham,
    chrono_tz::Pacific::Kiritimati,
];

const WEEK: [Weekday; 7] =
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

fn time_of_day() -> impl Strategy<Value = NaiveTime> {
    (0..24 * 60u32).prop_map(|m| NaiveTime::from_hms_opt(m / 60, m % 60, 0).unwrap())
}

fn preferences() -> impl Strategy<Value = Preferences> {
    (
        prop::sample::select(&ZONES[..]),
        time_of_day(),
        prop::sample::subsequence(WEEK.to_vec(), 0..=7),
        prop::option::of((time_of_day(), time_of_day())),
        [any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()],
    )
        .prop_map(|(tz, preferred_time, days, quiet_hours, [exercise, check_in, review, nudge])| Preferences {
            exercise_reminders: exercise,
            daily_check_in: check_in,
            agreement_review: review,
            inactivity_nudge: nudge,
            measure_reminders: true,
            reconnect_window: true,
            time_zone: tz,
            preferred_time,
            days,
            quiet_hours,
        })
}

/// An instant within a year, so every DST change of the zones comes up.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0..365 * 24 * 60i64).prop_map(|m| t0() - Duration::days(180) + Duration::minutes(m))
}

fn facts() -> impl Strategy<Value = ClientFacts> {
    (prop::bool::weighted(0.8), prop::option::of(0..8u32), prop::option::of(instant()), prop::option::of(instant()))
        .prop_map(|(couple_active, target, review_by, last_activity)| ClientFacts {
            couple_active,
            active_step_target_per_week: target,
            agreement_review_by: review_by,
            last_activity,
        })
}

proptest! {
    #![proptest_config(config())]

    /// What is due is due now (within the look-back), in the client's waking hours, of
    /// a kind they left on, once per kind and local day.
    #[test]
    fn due_reminders_respect_every_preference(
        prefs in preferences(),
        facts in facts(),
        now in instant(),
        lookback in 1..180i64,
    ) {
        let got = due("u", &prefs, &facts, now, Duration::minutes(lookback));
        let mut keys = Vec::new();
        for d in &got {
            prop_assert!(d.at <= now && d.at > now - Duration::minutes(lookback), "{:?}", d);
            let local = d.at.with_timezone(&prefs.time_zone);
            prop_assert!(!in_quiet_hours(local.time(), prefs.quiet_hours), "in quiet hours: {:?} {:?}", local, prefs.quiet_hours);
            prop_assert!(prefs.enabled(d.kind), "{:?} is switched off", d.kind);
            prop_assert_eq!(&d.dedupe_key, &format!("u:{}:{}", d.kind.as_str(), d.local_date));
            keys.push(d.dedupe_key.clone());
        }
        let count = keys.len();
        keys.sort();
        keys.dedup();
        prop_assert_eq!(keys.len(), count, "one reminder per kind and local day");
    }

    /// Nothing is due for a couple out of treatment (discharged or withdrawn), and no
    /// exercise reminder while no step is active (a paused or finished plan).
    #[test]
    fn nothing_for_couples_out_of_treatment_or_paused(prefs in preferences(), facts in facts(), now in instant()) {
        let out = ClientFacts { couple_active: false, ..facts.clone() };
        prop_assert!(due("u", &prefs, &out, now, Duration::hours(3)).is_empty());
        let paused = ClientFacts { active_step_target_per_week: None, ..facts };
        prop_assert!(due("u", &prefs, &paused, now, Duration::hours(3)).iter().all(|d| d.kind != ReminderKind::ExerciseReminder));
    }

    /// Exercise reminders go out on at most the weekly target of the client's own days.
    #[test]
    fn exercise_days_are_the_clients_days_up_to_the_target(days in prop::collection::vec(prop::sample::select(&WEEK[..]), 0..10), target in 0..9u32) {
        let chosen = exercise_days(&days, target);
        prop_assert!(chosen.len() <= usize::try_from(target).unwrap());
        prop_assert!(chosen.iter().all(|d| days.contains(d)));
        let mut distinct = chosen.clone();
        distinct.dedup();
        prop_assert_eq!(distinct.len(), chosen.len(), "a day once");
    }

    /// Ticking the scheduler every few minutes over three days, each local day's
    /// check-in comes due exactly at one instant (so its dedupe key sends it once) and
    /// none is missed, except those skipped for quiet hours; DST changes included.
    #[test]
    fn ticks_send_each_days_check_in_once_and_miss_none(
        prefs in preferences(),
        start in instant(),
        interval in 1..60i64,
    ) {
        let prefs = Preferences { daily_check_in: true, ..prefs };
        let facts = ClientFacts { couple_active: true, ..ClientFacts::default() };
        let lookback = Duration::minutes(interval * 2 + 1);
        let end = start + Duration::days(3);
        let mut seen: std::collections::BTreeMap<String, DateTime<Utc>> = std::collections::BTreeMap::new();
        let mut tick = start;
        while tick <= end {
            for d in due("u", &prefs, &facts, tick, lookback) {
                if d.kind == ReminderKind::DailyCheckIn {
                    let first = *seen.entry(d.dedupe_key.clone()).or_insert(d.at);
                    prop_assert_eq!(first, d.at, "{} came due at two instants", d.dedupe_key);
                }
            }
            tick += Duration::minutes(interval);
        }
        // Every local day whose preferred time fell well inside the ticked period.
        let tz = prefs.time_zone;
        let first_day = start.with_timezone(&tz).date_naive();
        for offset in 0..=4 {
            let date = first_day + Duration::days(offset);
            let Some(at) = resolve(tz, date, prefs.preferred_time) else { continue };
            if at < start + lookback || at > end - Duration::minutes(interval) {
                continue;
            }
            let key = format!("u:daily_check_in:{date}");
            let quiet = in_quiet_hours(at.with_timezone(&tz).time(), prefs.quiet_hours);
            prop_assert_eq!(seen.contains_key(&key), !quiet, "{} at {} (quiet: {})", key, at, quiet);
        }
    }

    /// A local time that does not exist moves forward, never back, and by at most the
    /// size of the gap; one that exists resolves to itself.
    #[test]
    fn local_times_resolve_forward(tz in prop::sample::select(&ZONES[..]), day in instant(), time in time_of_day()) {
        let date = day.with_timezone(&tz).date_naive();
        let at = resolve(tz, date, time).unwrap();
        let local = at.with_timezone(&tz).naive_local();
        let wanted = date.and_time(time);
        prop_assert!(local >= wanted, "moved back: {} for {}", local, wanted);
        prop_assert!(local - wanted <= Duration::hours(1), "moved {} for {}", local - wanted, wanted);
        if !matches!(tz.from_local_datetime(&wanted), LocalResult::None) {
            prop_assert_eq!(local, wanted, "a time that exists is kept");
        }
    }
}
