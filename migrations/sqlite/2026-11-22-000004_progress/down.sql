ALTER TABLE couple_summaries DROP COLUMN diverging;
ALTER TABLE couple_summaries DROP COLUMN rising_distress;
DROP TABLE idempotency_keys;
DROP TABLE decisions;
DROP TABLE milestones;
DROP TABLE withdrawals;
DROP TABLE incidents;
DROP TABLE check_ins;
DROP TABLE reports;
