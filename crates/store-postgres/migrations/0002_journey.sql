-- The citizen's journey: applications and their history, payments, bookings, staff, idempotency keys and the
-- sandbox bank's ledger. Instants are TIMESTAMPTZ; identifiers are text.

CREATE TABLE applications (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tracking_code   TEXT    NOT NULL UNIQUE,
    national_code   TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    channel         TEXT    NOT NULL CHECK (channel IN ('portal', 'office')),
    mobile          TEXT    NOT NULL,
    fee_rials       BIGINT NOT NULL CHECK (fee_rials >= 0),
    state           TEXT    NOT NULL,
    -- Kept by the store from the state: one active application per person, enforced by the index below.
    active          BOOLEAN NOT NULL,
    filing_office   TEXT,
    province_code   TEXT,
    -- The office handling the application now (the booked one, later the one the card is sent to).
    office_id       TEXT,
    paid_payment_id BIGINT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX applications_one_active ON applications (national_code) WHERE active;
CREATE INDEX applications_by_person ON applications (national_code);

CREATE TABLE application_events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    at             TIMESTAMPTZ NOT NULL,
    actor          TEXT    NOT NULL,
    from_state     TEXT,
    to_state       TEXT    NOT NULL,
    event          TEXT    NOT NULL,
    reason         TEXT
);
CREATE INDEX application_events_by_application ON application_events (application_id);

CREATE TABLE payments (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    amount_rials   BIGINT NOT NULL CHECK (amount_rials > 0),
    gateway        TEXT    NOT NULL,
    token          TEXT    UNIQUE,
    state          TEXT    NOT NULL CHECK (state IN ('pending', 'verified', 'settled', 'failed', 'reversed')),
    bank_ref       TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX payments_by_application ON payments (application_id);
CREATE INDEX payments_unfinished ON payments (id) WHERE state IN ('pending', 'verified');

CREATE TABLE payment_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id BIGINT NOT NULL REFERENCES payments (id),
    at         TIMESTAMPTZ NOT NULL,
    state      TEXT    NOT NULL,
    detail     TEXT    NOT NULL
);
CREATE INDEX payment_log_by_payment ON payment_log (payment_id);

-- Places taken per office and day: the row every booking of that office-day updates, so none passes capacity.
CREATE TABLE office_days (
    office_id TEXT    NOT NULL,
    day       TEXT    NOT NULL,
    booked    BIGINT NOT NULL CHECK (booked >= 0),
    PRIMARY KEY (office_id, day)
);

CREATE TABLE appointments (
    application_id BIGINT PRIMARY KEY REFERENCES applications (id),
    office_id      TEXT    NOT NULL,
    day            TEXT    NOT NULL,
    slot           BIGINT NOT NULL CHECK (slot > 0),
    booked_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (office_id, day, slot)
);

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('operator', 'supervisor', 'province_admin', 'national_admin')),
    office_id     TEXT,
    province_code TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE
);

-- Session tokens are kept only as their SHA-256.
CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE idempotency_keys (
    scope        TEXT    NOT NULL,
    idem_key     TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       BIGINT,
    body         BYTEA,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, idem_key)
);

-- The built-in sandbox bank keeps its own ledger, as a real bank would.
CREATE TABLE bank_transactions (
    token        TEXT    PRIMARY KEY NOT NULL,
    order_id     BIGINT NOT NULL,
    amount_rials BIGINT NOT NULL,
    callback_url TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    ref_id       TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
