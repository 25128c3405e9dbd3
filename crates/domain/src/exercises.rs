//! The exercise library's vocabulary and the built-in starter library.

use crate::plans::text_enum;

text_enum!(
    /// The kind of exercise.
    #[cfg_attr(feature = "openapi", schema(as = ExerciseCategory))]
    Category {
        Connection = "connection",
        Touch = "touch",
        Regulation = "regulation",
        Reflection = "reflection",
        Agreements = "agreements",
    }
);

/// The documented tag vocabulary: what an exercise involves. Safety agreements name
/// these to mark content off-limits, so tags must come from this list.
pub const TAGS: &[(&str, &str)] = &[
    ("conversation", "talking together"),
    ("solo", "done alone"),
    ("writing", "writing or journaling"),
    ("breathing", "breathing practice"),
    ("eye_contact", "sustained eye contact"),
    ("touch:hands", "holding or stroking hands"),
    ("touch:hugging", "hugging or cuddling, clothed"),
    ("touch:massage", "massage of back, shoulders or feet"),
    ("touch:non-genital", "touch anywhere except breasts and genitals"),
    ("touch:breasts", "touch that includes breasts"),
    ("touch:genital", "touch that includes genitals"),
    ("clothing:on", "fully clothed"),
    ("clothing:partial", "some clothing removed"),
    ("clothing:removed", "undressed"),
    ("setting:bed", "in bed"),
];

/// Whether `tag` is in the vocabulary.
#[must_use]
pub fn is_known_tag(tag: &str) -> bool {
    TAGS.iter().any(|(t, _)| *t == tag)
}

/// A built-in exercise. Every practice has these, read-only; a practice copies one to
/// adapt it.
#[derive(Debug, Clone, Copy)]
pub struct Starter {
    /// A stable key, unique within the library.
    pub key: &'static str,
    pub title: &'static str,
    pub category: Category,
    pub instructions: &'static str,
    pub duration_minutes: i32,
    /// Anticipated distress, 0-100.
    pub intensity: i32,
    pub check_in_prompts: &'static [&'static str],
    pub exit_strategy: &'static str,
    pub tags: &'static [&'static str],
}

const STOP_GENTLY: &str = "Either of you can stop at any moment with your pause signal. Stop, take three slow breaths together, and say one kind thing. Stopping is always fine.";

/// The starter library, written for Tandem.
pub const STARTER_LIBRARY: &[Starter] = &[
    Starter {
        key: "reconnect-window",
        title: "Reconnect window",
        category: Category::Connection,
        instructions: "Set a timer for 15 minutes with phones away. Take turns: one talks about their day for five minutes while the other only listens, then swap. Finish by naming one thing you appreciated hearing.",
        duration_minutes: 15,
        intensity: 10,
        check_in_prompts: &["Did you feel heard?", "Was anything hard to listen to?"],
        exit_strategy: STOP_GENTLY,
        tags: &["conversation", "clothing:on"],
    },
    Starter {
        key: "end-of-day-check-in",
        title: "End-of-day check-in",
        category: Category::Connection,
        instructions: "Before sleep, each of you answers three questions out loud: what went well today, what was hard, and one thing you need tomorrow. Listen without fixing.",
        duration_minutes: 10,
        intensity: 10,
        check_in_prompts: &["How settled do you feel now?"],
        exit_strategy: STOP_GENTLY,
        tags: &["conversation", "clothing:on"],
    },
    Starter {
        key: "appreciation-exchange",
        title: "Appreciation exchange",
        category: Category::Connection,
        instructions: "Each of you names three specific things the other did this week that you valued. Receive each one with a simple thank you.",
        duration_minutes: 10,
        intensity: 5,
        check_in_prompts: &["Which appreciation landed most?"],
        exit_strategy: STOP_GENTLY,
        tags: &["conversation", "clothing:on"],
    },
    Starter {
        key: "holding-hands",
        title: "Holding hands",
        category: Category::Touch,
        instructions: "Sit side by side, clothed, and hold hands for five minutes. Notice warmth, pressure and texture. No other touch; talking is optional.",
        duration_minutes: 5,
        intensity: 15,
        check_in_prompts: &["What did you notice in your body?", "Would you like more or less pressure next time?"],
        exit_strategy: STOP_GENTLY,
        tags: &["touch:hands", "clothing:on"],
    },
    Starter {
        key: "clothed-cuddle",
        title: "Clothed cuddle",
        category: Category::Touch,
        instructions: "Lie or sit together fully clothed in a position you both choose for ten minutes. The partner who feels less at ease picks the position and can change it at any time.",
        duration_minutes: 10,
        intensity: 25,
        check_in_prompts: &["How relaxed were you at the start and at the end?"],
        exit_strategy: STOP_GENTLY,
        tags: &["touch:hugging", "clothing:on"],
    },
    Starter {
        key: "hand-and-foot-massage",
        title: "Hand and foot massage",
        category: Category::Touch,
        instructions: "Take turns giving a slow hand and foot massage for ten minutes each, with lotion if you like. The receiver guides with words: slower, softer, there.",
        duration_minutes: 20,
        intensity: 25,
        check_in_prompts: &["Was it easier to give or to receive?"],
        exit_strategy: STOP_GENTLY,
        tags: &["touch:massage", "clothing:on"],
    },
    Starter {
        key: "sensate-focus-1",
        title: "Sensate focus, stage 1",
        category: Category::Touch,
        instructions: "Take turns touching each other's body for 15 minutes each, avoiding breasts and genitals, with curiosity rather than a goal. The toucher notices what they feel; the receiver only notices. No touch leads anywhere else.",
        duration_minutes: 30,
        intensity: 45,
        check_in_prompts: &["Where did your attention go?", "Did any moment feel like pressure?"],
        exit_strategy: STOP_GENTLY,
        tags: &["touch:non-genital", "clothing:partial", "setting:bed"],
    },
    Starter {
        key: "sensate-focus-2",
        title: "Sensate focus, stage 2",
        category: Category::Touch,
        instructions: "As in stage 1, and now including breasts and genitals as just another area, with no aim of arousal or orgasm. The receiver may place a hand over the toucher's to guide.",
        duration_minutes: 30,
        intensity: 65,
        check_in_prompts: &["What helped you stay present?", "What would you change next time?"],
        exit_strategy: STOP_GENTLY,
        tags: &["touch:non-genital", "touch:breasts", "touch:genital", "clothing:removed", "setting:bed"],
    },
    Starter {
        key: "paced-breathing",
        title: "Paced breathing",
        category: Category::Regulation,
        instructions: "Breathe in for four counts and out for six, for five minutes. Do it alone or side by side. Use it before and after any harder exercise.",
        duration_minutes: 5,
        intensity: 0,
        check_in_prompts: &["How calm do you feel, 0-10?"],
        exit_strategy: "Return to normal breathing whenever you like.",
        tags: &["breathing", "solo", "clothing:on"],
    },
    Starter {
        key: "grounding-5-4-3-2-1",
        title: "Grounding: five senses",
        category: Category::Regulation,
        instructions: "Name five things you see, four you can touch, three you hear, two you smell and one you taste. Useful whenever distress rises.",
        duration_minutes: 5,
        intensity: 0,
        check_in_prompts: &["Did your distress go down?"],
        exit_strategy: "Stop whenever you feel steady again.",
        tags: &["solo", "clothing:on"],
    },
    Starter {
        key: "synchronised-breathing",
        title: "Breathing together",
        category: Category::Regulation,
        instructions: "Sit back to back and slowly match your breathing for five minutes, without talking.",
        duration_minutes: 5,
        intensity: 10,
        check_in_prompts: &["Did you find a shared rhythm?"],
        exit_strategy: STOP_GENTLY,
        tags: &["breathing", "touch:hugging", "clothing:on"],
    },
    Starter {
        key: "journaling-prompt",
        title: "Journaling prompt",
        category: Category::Reflection,
        instructions: "Write for ten minutes about one moment of closeness this week: what made it possible, and what you felt. Share it only if you want to.",
        duration_minutes: 10,
        intensity: 10,
        check_in_prompts: &["Did writing bring anything up?"],
        exit_strategy: "Put the pen down whenever you want; nothing has to be finished.",
        tags: &["writing", "solo", "clothing:on"],
    },
    Starter {
        key: "needs-map",
        title: "Needs map",
        category: Category::Reflection,
        instructions: "Each of you draws three circles: what you need to feel safe, what you would like to explore, and what is not for now. Compare the maps and notice overlaps without negotiating.",
        duration_minutes: 20,
        intensity: 20,
        check_in_prompts: &["What surprised you in your partner's map?"],
        exit_strategy: STOP_GENTLY,
        tags: &["writing", "conversation", "clothing:on"],
    },
    Starter {
        key: "safety-agreement-review",
        title: "Safety agreement review",
        category: Category::Agreements,
        instructions: "Read your safety agreement together. Each of you says whether your pause signal, soft no and limits still fit, and notes any change to bring to your clinician.",
        duration_minutes: 15,
        intensity: 15,
        check_in_prompts: &["Is anything in the agreement out of date?"],
        exit_strategy: STOP_GENTLY,
        tags: &["conversation", "clothing:on"],
    },
    Starter {
        key: "soft-no-practice",
        title: "Practising the soft no",
        category: Category::Agreements,
        instructions: "Take turns asking small, everyday requests and answering with your agreed soft no. The asker's only job is to say: thank you for telling me.",
        duration_minutes: 10,
        intensity: 20,
        check_in_prompts: &["How did it feel to say no?", "How did it feel to hear it?"],
        exit_strategy: STOP_GENTLY,
        tags: &["conversation", "clothing:on"],
    },
    Starter {
        key: "naming-the-grief",
        title: "Naming the grief together",
        category: Category::Reflection,
        instructions: "Sit together somewhere quiet. Each of you in turn names, in a few sentences, what you miss or have lost in your intimate life and how it has felt, starting with \"What I miss is...\". The listener does not answer, fix or reassure; they only say: \"I hear you.\" Then swap. End by naming one thing you still share.",
        duration_minutes: 20,
        intensity: 35,
        check_in_prompts: &["What was it like to say it out loud?", "What did you hear that you had not heard before?"],
        exit_strategy: STOP_GENTLY,
        tags: &["conversation", "clothing:on"],
    },
    Starter {
        key: "nonsexual-touch",
        title: "Comfort touch without expectation",
        category: Category::Touch,
        instructions: "Agree beforehand that this touch leads nowhere else. Fully clothed, offer each other ten minutes of simple comfort: holding hands, a hug, or a slow shoulder rub, whichever the receiver asks for. The receiver may change or end it at any time.",
        duration_minutes: 10,
        intensity: 20,
        check_in_prompts: &[
            "Could you receive the touch without waiting for something more?",
            "What kind of touch felt most comforting?",
        ],
        exit_strategy: STOP_GENTLY,
        tags: &["touch:hands", "touch:hugging", "touch:massage", "clothing:on"],
    },
    Starter {
        key: "reconnect-night",
        title: "Reconnect night",
        category: Category::Connection,
        instructions: "Set aside one evening a week for closeness without performance: cook or walk together, then sit close on the sofa, clothed, for a while. Nothing is expected to happen; the aim is simply to enjoy each other's company. Plan it together in advance.",
        duration_minutes: 90,
        intensity: 15,
        check_in_prompts: &["What made the evening feel close?", "Was there any moment of pressure?"],
        exit_strategy: STOP_GENTLY,
        tags: &["conversation", "touch:hugging", "clothing:on"],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_library_covers_every_category_with_known_tags() {
        assert!((12..=20).contains(&STARTER_LIBRARY.len()));
        for category in Category::ALL {
            assert!(STARTER_LIBRARY.iter().any(|s| s.category == *category), "{category:?}");
        }
        let mut keys: Vec<_> = STARTER_LIBRARY.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), STARTER_LIBRARY.len(), "keys are unique");
        for s in STARTER_LIBRARY {
            assert!((0..=100).contains(&s.intensity), "{}", s.key);
            assert!(!s.tags.is_empty(), "{}", s.key);
            for tag in s.tags {
                assert!(is_known_tag(tag), "{}: {tag}", s.key);
            }
        }
    }
}
