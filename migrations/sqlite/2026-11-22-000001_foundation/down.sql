DROP TABLE audit_events;
DROP TABLE password_resets;
DROP TABLE invitations;
DROP TABLE refresh_tokens;
DROP TABLE session_families;
DROP TABLE users;
DROP TABLE practices;
