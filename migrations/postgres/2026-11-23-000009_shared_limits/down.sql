DROP TABLE auth_attempts;
