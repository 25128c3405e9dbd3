//! Plan templates: a practice's reusable plans (title, goal, ordered steps with criteria
//! and exercises), and the two built-in templates every practice has, read-only.
//!
//! A template is a plan's content without a couple: drafting a plan from it copies each
//! step and takes a snapshot of each exercise, exactly as adding them by hand would, so a
//! later edit of the template never changes a plan made from it.

use serde::{Deserialize, Serialize};

use crate::plans::{Criteria, MAX_EXERCISES_PER_STEP, MAX_STEPS, text_enum};
use crate::validation::FieldError;

/// Length limits, the same as a plan's and a step's.
pub const MAX_TITLE: usize = 200;
pub const MAX_GOAL: usize = 2000;
pub const MAX_DESCRIPTION: usize = 4000;

/// One step of a template: what a plan's step gets when a plan is drafted from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateStep {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Attempts per week to aim for, 1-21.
    pub target_per_week: i32,
    pub criteria: Criteria,
    /// The step's exercises, in order: exercise ids of the practice's library (a
    /// built-in template names starters by their key instead; see [`builtin_template`]).
    pub exercises: Vec<String>,
}

/// A template's content (what its version covers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub title: String,
    pub goal: String,
    pub steps: Vec<TemplateStep>,
}

fn check_len(errors: &mut Vec<FieldError>, field: &str, value: &str, min: usize, max: usize) {
    let n = value.trim().chars().count();
    if n < min {
        errors.push(FieldError::new(field, "must not be empty"));
    } else if n > max {
        errors.push(FieldError::new(field, format!("must be at most {max} characters")));
    }
}

impl Template {
    /// The field rules of a template, all problems at once: a title (1-200 characters), a
    /// goal (at most 2000), 1 to 20 steps, each with a title (1-200), a description (at
    /// most 4000), a weekly target of 1-21, valid progression criteria, and at most 10
    /// exercises, none twice in the same step. (Whether each exercise is in the practice's
    /// library is the caller's to check: it needs the library.)
    #[must_use]
    pub fn problems(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        check_len(&mut errors, "title", &self.title, 1, MAX_TITLE);
        check_len(&mut errors, "goal", &self.goal, 0, MAX_GOAL);
        if self.steps.is_empty() {
            errors.push(FieldError::new("steps", "a template needs at least one step"));
        } else if self.steps.len() > MAX_STEPS {
            errors.push(FieldError::new("steps", format!("a template has at most {MAX_STEPS} steps")));
        }
        for (i, step) in self.steps.iter().enumerate() {
            let at = |field: &str| format!("steps[{i}].{field}");
            check_len(&mut errors, &at("title"), &step.title, 1, MAX_TITLE);
            check_len(&mut errors, &at("description"), &step.description, 0, MAX_DESCRIPTION);
            if !(1..=21).contains(&step.target_per_week) {
                errors.push(FieldError::new(at("target_per_week"), "must be between 1 and 21"));
            }
            for (field, message) in step.criteria.problems() {
                errors.push(FieldError::new(at(&format!("criteria.{field}")), message));
            }
            if step.exercises.len() > MAX_EXERCISES_PER_STEP {
                errors.push(FieldError::new(
                    at("exercise_ids"),
                    format!("a step has at most {MAX_EXERCISES_PER_STEP} exercises"),
                ));
            }
            for (j, id) in step.exercises.iter().enumerate() {
                if step.exercises[..j].contains(id) {
                    errors.push(FieldError::new(format!("steps[{i}].exercise_ids[{j}]"), "names an exercise twice"));
                }
            }
        }
        errors
    }

    /// The same content with every text trimmed (what is stored).
    #[must_use]
    pub fn trimmed(mut self) -> Self {
        self.title = self.title.trim().to_owned();
        self.goal = self.goal.trim().to_owned();
        for step in &mut self.steps {
            step.title = step.title.trim().to_owned();
            step.description = step.description.trim().to_owned();
        }
        self
    }
}

text_enum!(
    /// Why an exercise of a template was not put into the plan drafted from it. The step
    /// itself is always created, so the clinician decides what to do instead.
    LeftOutReason {
        /// A tag of the exercise is off-limits under the couple's safety agreement.
        OffLimits = "off_limits",
        /// The exercise was archived from the library since the template was written.
        Archived = "archived",
    }
);

/// A step of a built-in template, naming starters by their key.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinStep {
    pub title: &'static str,
    pub description: &'static str,
    pub target_per_week: i32,
    /// Keys of [`crate::exercises::STARTER_LIBRARY`].
    pub exercises: &'static [&'static str],
}

/// A built-in template: the same in every practice, read-only, copyable.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinTemplate {
    /// A stable id, UUID-shaped like every id of the API, and lower than any generated id
    /// (so built-ins come first in an oldest-first list).
    pub id: &'static str,
    pub title: &'static str,
    pub goal: &'static str,
    pub steps: &'static [BuiltinStep],
}

/// A built-in template's version: built-ins never change under a practice's feet (a new
/// wording would be a new template).
pub const BUILTIN_VERSION: i32 = 1;

/// The built-in templates, written for Tandem.
pub const BUILTIN_TEMPLATES: &[BuiltinTemplate] = &[
    BuiltinTemplate {
        id: "00000000-0000-7000-8000-000000000001",
        title: "Gradual return to touch",
        goal: "For couples who have come to avoid sexual contact: rebuild ease with touch one small step at a time, with no goal of arousal, so that closeness feels safe again for both partners.",
        steps: &[
            BuiltinStep {
                title: "Reconnect window",
                description: "Start with talking and listening only: a short, regular time that belongs to the two of you.",
                target_per_week: 3,
                exercises: &["reconnect-window", "paced-breathing"],
            },
            BuiltinStep {
                title: "Holding hands",
                description: "The first touch: hands only, clothed, for a few minutes.",
                target_per_week: 3,
                exercises: &["holding-hands"],
            },
            BuiltinStep {
                title: "Clothed cuddle",
                description: "Lying or sitting close, fully clothed; the partner less at ease chooses the position.",
                target_per_week: 3,
                exercises: &["clothed-cuddle"],
            },
            BuiltinStep {
                title: "Hand and foot massage",
                description: "Giving and receiving slow, non-sexual massage, guided by the receiver's words.",
                target_per_week: 3,
                exercises: &["hand-and-foot-massage"],
            },
            BuiltinStep {
                title: "Sensate focus, stage 1",
                description: "Touch for its own sake, avoiding breasts and genitals; noticing rather than performing.",
                target_per_week: 2,
                exercises: &["sensate-focus-1", "paced-breathing"],
            },
            BuiltinStep {
                title: "Sensate focus, stage 2",
                description: "Breasts and genitals included as just another area, still with no aim of arousal or orgasm.",
                target_per_week: 2,
                exercises: &["sensate-focus-2", "paced-breathing"],
            },
        ],
    },
    BuiltinTemplate {
        id: "00000000-0000-7000-8000-000000000002",
        title: "Grief and reconnection",
        goal: "For couples after a loss of sexual function (illness, surgery, medication, age): grieve what has changed together, learn what each of you needs now, and find closeness that does not depend on what was lost.",
        steps: &[
            BuiltinStep {
                title: "Naming the grief together",
                description: "Each partner says what they miss, and is heard without being fixed.",
                target_per_week: 1,
                exercises: &["naming-the-grief"],
            },
            BuiltinStep {
                title: "Needs map",
                description: "What each of you needs to feel safe, what you would like to explore, and what is not for now.",
                target_per_week: 1,
                exercises: &["needs-map"],
            },
            BuiltinStep {
                title: "Journaling",
                description: "Writing alone about moments of closeness, shared only if you wish.",
                target_per_week: 3,
                exercises: &["journaling-prompt"],
            },
            BuiltinStep {
                title: "Nonsexual touch",
                description: "Comfort touch that is agreed to lead nowhere else.",
                target_per_week: 3,
                exercises: &["nonsexual-touch"],
            },
            BuiltinStep {
                title: "Breathing together",
                description: "Calming the body side by side, without words.",
                target_per_week: 3,
                exercises: &["synchronised-breathing"],
            },
            BuiltinStep {
                title: "Reconnect nights",
                description: "A weekly evening for closeness without performance.",
                target_per_week: 1,
                exercises: &["reconnect-night"],
            },
        ],
    },
];

/// The built-in template with this id, if it is one.
#[must_use]
pub fn builtin(id: &str) -> Option<&'static BuiltinTemplate> {
    BUILTIN_TEMPLATES.iter().find(|t| t.id == id)
}

/// A built-in template's content, its steps with the default progression criteria and
/// its exercises named by starter key (the caller maps keys to the practice's copies).
#[must_use]
pub fn builtin_template(t: &BuiltinTemplate) -> Template {
    Template {
        title: t.title.to_owned(),
        goal: t.goal.to_owned(),
        steps: t
            .steps
            .iter()
            .map(|s| TemplateStep {
                title: s.title.to_owned(),
                description: s.description.to_owned(),
                target_per_week: s.target_per_week,
                criteria: Criteria::default(),
                exercises: s.exercises.iter().map(|k| (*k).to_owned()).collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercises::STARTER_LIBRARY;

    fn step(title: &str, exercises: &[&str]) -> TemplateStep {
        TemplateStep {
            title: title.into(),
            description: String::new(),
            target_per_week: 3,
            criteria: Criteria::default(),
            exercises: exercises.iter().map(|e| (*e).to_owned()).collect(),
        }
    }

    #[test]
    fn built_ins_are_valid_and_use_only_starters() {
        assert_eq!(BUILTIN_TEMPLATES.len(), 2);
        for t in BUILTIN_TEMPLATES {
            assert!(uuid_shaped(t.id), "{}", t.id);
            assert_eq!(builtin(t.id).map(|b| b.title), Some(t.title));
            let content = builtin_template(t);
            assert!(content.problems().is_empty(), "{}: {:?}", t.title, content.problems());
            for s in t.steps {
                for key in s.exercises {
                    assert!(STARTER_LIBRARY.iter().any(|x| x.key == *key), "{}: {key}", t.title);
                }
            }
        }
        let touch = builtin_template(&BUILTIN_TEMPLATES[0]);
        let keys: Vec<&str> = touch.steps.iter().map(|s| s.exercises[0].as_str()).collect();
        assert_eq!(
            keys,
            [
                "reconnect-window",
                "holding-hands",
                "clothed-cuddle",
                "hand-and-foot-massage",
                "sensate-focus-1",
                "sensate-focus-2"
            ]
        );
        let grief = builtin_template(&BUILTIN_TEMPLATES[1]);
        let keys: Vec<&str> = grief.steps.iter().map(|s| s.exercises[0].as_str()).collect();
        assert_eq!(
            keys,
            [
                "naming-the-grief",
                "needs-map",
                "journaling-prompt",
                "nonsexual-touch",
                "synchronised-breathing",
                "reconnect-night"
            ]
        );
    }

    fn uuid_shaped(id: &str) -> bool {
        id.len() == 36
            && id
                .chars()
                .enumerate()
                .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
    }

    #[test]
    fn template_rules_name_every_field() {
        let ok = Template { title: "T".into(), goal: String::new(), steps: vec![step("S", &["a", "b"])] };
        assert!(ok.problems().is_empty());
        let mut bad_step = step(" ", &["a", "a"]);
        bad_step.target_per_week = 0;
        bad_step.criteria.window_days = 0;
        let bad = Template { title: String::new(), goal: "g".repeat(2001), steps: vec![step("S", &[]), bad_step] };
        let fields: Vec<String> = bad.problems().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "title",
                "goal",
                "steps[1].title",
                "steps[1].target_per_week",
                "steps[1].criteria.window_days",
                "steps[1].exercise_ids[1]"
            ]
        );
        let empty = Template { title: "T".into(), goal: String::new(), steps: vec![] };
        assert_eq!(empty.problems()[0].field, "steps");
        let many = Template { steps: vec![step("S", &[]); MAX_STEPS + 1], ..empty.clone() };
        assert_eq!(many.problems()[0].field, "steps");
        let ids: Vec<String> = (0..=MAX_EXERCISES_PER_STEP).map(|i| i.to_string()).collect();
        let crowded = Template { steps: vec![TemplateStep { exercises: ids, ..step("S", &[]) }], ..empty };
        assert_eq!(crowded.problems()[0].field, "steps[0].exercise_ids");
    }

    #[test]
    fn left_out_reasons_round_trip() {
        for r in LeftOutReason::ALL {
            assert_eq!(LeftOutReason::parse(r.as_str()), Some(*r));
        }
    }
}
