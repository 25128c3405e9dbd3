DROP TABLE couple_summaries;
DROP TABLE couple_clinicians;
DROP TABLE couples;
