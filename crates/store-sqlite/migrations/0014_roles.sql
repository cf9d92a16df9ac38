-- Two roles beside the office and administrators' ones: the liaison of an institution a mobile unit visits, and a
-- member of a province's nationality committee.
--
-- SQLite cannot change a CHECK in place, so the table is rebuilt (copy, drop, rename). sqlx runs a SQLite
-- migration inside a transaction, where foreign keys cannot be switched off, and dropping `users` would break the
-- sessions' references to it: the sessions are set aside first and put back after.
CREATE TEMP TABLE sessions_kept AS SELECT * FROM sessions;
DELETE FROM sessions;
CREATE TABLE users_new (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('operator', 'supervisor', 'province_admin', 'national_admin',
                                                   'liaison', 'nationality_committee')),
    office_id     TEXT,
    province_code TEXT,
    created_at    TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO users_new (id, username, password_hash, role, office_id, province_code, created_at, disabled)
    SELECT id, username, password_hash, role, office_id, province_code, created_at, disabled FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
INSERT INTO sessions SELECT * FROM sessions_kept;
DROP TABLE sessions_kept;
