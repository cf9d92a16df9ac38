-- Agencies that verify people, their API keys (SHA-256 only), and the audit of every verification.

CREATE TABLE agencies (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE,
    -- Allowed purposes, separated by commas.
    purposes        TEXT    NOT NULL,
    rate_per_minute BIGINT NOT NULL CHECK (rate_per_minute > 0),
    created_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_keys (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id  BIGINT NOT NULL REFERENCES agencies (id),
    prefix     TEXT    NOT NULL UNIQUE,
    key_hash   TEXT    NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

CREATE TABLE verifications (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id     BIGINT NOT NULL REFERENCES agencies (id),
    key_id        BIGINT NOT NULL,
    purpose       TEXT    NOT NULL,
    national_code TEXT    NOT NULL,
    document      TEXT    NOT NULL,
    matched       BOOLEAN NOT NULL,
    at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX verifications_by_person ON verifications (national_code, id);
