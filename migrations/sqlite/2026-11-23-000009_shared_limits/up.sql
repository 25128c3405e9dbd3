-- Credential attempts per client address in 10-second buckets, shared by every replica
-- on PostgreSQL (the rate limiter sums the last minute). Rows older than two minutes are
-- deleted by the replicas as they go. SQLite (one process) keeps its in-process limiter
-- and leaves this table empty; it exists there so both trees keep the same shape.
CREATE TABLE auth_attempts (
    client TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL,
    PRIMARY KEY (client, window_start)
);
