DROP TABLE consent_events;
DROP TABLE consents;
DROP TABLE step_exercises;
DROP TABLE plan_steps;
DROP TABLE plans;
DROP TABLE agreement_acknowledgements;
DROP TABLE safety_agreements;
DROP TABLE exercises;
