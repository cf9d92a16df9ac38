-- Agencies that verify people, their API keys (SHA-256 only), and the audit of every verification.

CREATE TABLE agencies (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE,
    -- Allowed purposes, separated by commas.
    purposes        TEXT    NOT NULL,
    rate_per_minute INTEGER NOT NULL CHECK (rate_per_minute > 0),
    created_at      TEXT    NOT NULL
);

CREATE TABLE api_keys (
    id         INTEGER PRIMARY KEY,
    agency_id  INTEGER NOT NULL REFERENCES agencies (id),
    prefix     TEXT    NOT NULL UNIQUE,
    key_hash   TEXT    NOT NULL UNIQUE,
    created_at TEXT    NOT NULL,
    revoked_at TEXT
);

CREATE TABLE verifications (
    id            INTEGER PRIMARY KEY,
    agency_id     INTEGER NOT NULL REFERENCES agencies (id),
    key_id        INTEGER NOT NULL,
    purpose       TEXT    NOT NULL,
    national_code TEXT    NOT NULL,
    document      TEXT    NOT NULL,
    matched       INTEGER NOT NULL,
    at            TEXT    NOT NULL
);
CREATE INDEX verifications_by_person ON verifications (national_code, id);
