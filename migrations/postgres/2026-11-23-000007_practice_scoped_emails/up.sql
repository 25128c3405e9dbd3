-- Accounts are scoped to their practice: the same email may hold an account in two
-- practices, so creating one never reveals that a person is known to another practice.
ALTER TABLE users DROP CONSTRAINT users_email_key;
ALTER TABLE users ADD CONSTRAINT users_practice_email_key UNIQUE (practice_id, email);
CREATE INDEX users_email_idx ON users (email);
