-- After the journey: enrollment, de-duplication, manufacturers and batches, cards, shipments, the SMS outbox,
-- pickup attempts and transfers. Images and biometric data live in the blob store; rows hold their keys.

ALTER TABLE applications ADD COLUMN sms_failed BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE enrollments (
    application_id         BIGINT  PRIMARY KEY REFERENCES applications (id),
    office_id              TEXT    NOT NULL,
    -- Where the card goes: the enrolling office, or the one the holder asked for since.
    destination_office     TEXT    NOT NULL,
    operator               TEXT    NOT NULL,
    enrolled_at            TIMESTAMPTZ NOT NULL,
    birth_certificate_seen BOOLEAN NOT NULL,
    old_card_collected     BOOLEAN NOT NULL,
    -- The holder's data as checked at enrollment (JSON), printed on the card.
    holder                 TEXT    NOT NULL,
    -- Each finger's status, format and quality (JSON).
    fingers                TEXT    NOT NULL,
    photo_key              TEXT    NOT NULL,
    card_photo_key         TEXT    NOT NULL,
    signature_key          TEXT    NOT NULL,
    templates_key          TEXT    NOT NULL,
    -- The card's personalisation data, signed at enrollment (what the manufacturer receives).
    personalisation_key    TEXT    NOT NULL,
    dedup                  TEXT    NOT NULL CHECK (dedup IN ('pending', 'clear', 'hit', 'distinct', 'duplicate')),
    dedup_at               TIMESTAMPTZ
);
CREATE INDEX enrollments_dedup_pending ON enrollments (application_id) WHERE dedup = 'pending';

CREATE TABLE dedup_hits (
    id                       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id           BIGINT  NOT NULL REFERENCES applications (id),
    candidate_application_id BIGINT  NOT NULL REFERENCES applications (id),
    score                    DOUBLE PRECISION NOT NULL,
    found_at                 TIMESTAMPTZ NOT NULL,
    decision                 TEXT    CHECK (decision IN ('duplicate', 'distinct')),
    decided_by               TEXT,
    decided_at               TIMESTAMPTZ,
    UNIQUE (application_id, candidate_application_id)
);
CREATE INDEX dedup_hits_open ON dedup_hits (found_at) WHERE decision IS NULL;

-- Cleared enrollments waiting for a batch, oldest first.
CREATE TABLE production_queue (
    application_id BIGINT PRIMARY KEY REFERENCES applications (id),
    queued_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX production_queue_order ON production_queue (queued_at, application_id);

CREATE TABLE vendors (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           TEXT    NOT NULL UNIQUE,
    share_pct      BIGINT  NOT NULL CHECK (share_pct BETWEEN 0 AND 100),
    daily_capacity BIGINT  NOT NULL CHECK (daily_capacity >= 0),
    created_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE vendor_keys (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vendor_id  BIGINT  NOT NULL REFERENCES vendors (id),
    prefix     TEXT    NOT NULL UNIQUE,
    key_hash   TEXT    NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

-- Cards assigned to each manufacturer per (Jalali) day, against its daily capacity.
CREATE TABLE vendor_days (
    vendor_id BIGINT NOT NULL REFERENCES vendors (id),
    day       TEXT   NOT NULL,
    assigned  BIGINT NOT NULL,
    PRIMARY KEY (vendor_id, day)
);

CREATE TABLE batches (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vendor_id  BIGINT  NOT NULL REFERENCES vendors (id),
    state      TEXT    NOT NULL CHECK (state IN ('open', 'claimed', 'answered', 'dispatched')),
    cards      BIGINT  NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    claimed_at TIMESTAMPTZ
);
CREATE INDEX batches_by_vendor ON batches (vendor_id, state, id);

CREATE TABLE batch_cards (
    batch_id       BIGINT NOT NULL REFERENCES batches (id),
    application_id BIGINT NOT NULL REFERENCES applications (id),
    -- NULL until answered; then personalized, failed or expired (the manufacturer never answered).
    outcome        TEXT   CHECK (outcome IN ('personalized', 'failed', 'expired')),
    chip_serial    TEXT,
    reason         TEXT,
    answered_at    TIMESTAMPTZ,
    shipment_id    BIGINT,
    PRIMARY KEY (batch_id, application_id)
);
CREATE INDEX batch_cards_by_application ON batch_cards (application_id);

CREATE TABLE cards (
    chip_serial        TEXT    PRIMARY KEY,
    application_id     BIGINT  NOT NULL REFERENCES applications (id),
    national_code      TEXT    NOT NULL,
    vendor_id          BIGINT  NOT NULL,
    batch_id           BIGINT  NOT NULL,
    status             TEXT    NOT NULL CHECK (status IN ('produced', 'active', 'revoked')),
    office_id          TEXT,
    produced_at        TIMESTAMPTZ NOT NULL,
    ready_at           TIMESTAMPTZ,
    activated_at       TIMESTAMPTZ,
    pickup_fee_rials   BIGINT,
    revoked_at         TIMESTAMPTZ,
    revoke_reason      TEXT,
    uncollected_reason TEXT
);
-- A card lost in transit is revoked and made again: one live card per application.
CREATE UNIQUE INDEX cards_live ON cards (application_id) WHERE status <> 'revoked';
CREATE INDEX cards_by_person ON cards (national_code);
CREATE INDEX cards_waiting ON cards (ready_at) WHERE status = 'produced' AND ready_at IS NOT NULL;

CREATE TABLE shipments (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id    BIGINT,
    from_office TEXT,
    to_office   TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('in_transit', 'received')),
    created_at  TIMESTAMPTZ NOT NULL,
    received_at TIMESTAMPTZ,
    received_by TEXT
);
CREATE INDEX shipments_to_office ON shipments (to_office, id);

CREATE TABLE shipment_cards (
    shipment_id    BIGINT NOT NULL REFERENCES shipments (id),
    application_id BIGINT NOT NULL REFERENCES applications (id),
    chip_serial    TEXT   NOT NULL,
    arrived        BOOLEAN,
    PRIMARY KEY (shipment_id, application_id)
);

CREATE TABLE shipment_unexpected (
    shipment_id BIGINT NOT NULL REFERENCES shipments (id),
    chip_serial TEXT   NOT NULL,
    PRIMARY KEY (shipment_id, chip_serial)
);

CREATE TABLE sms_outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id  BIGINT REFERENCES applications (id),
    mobile          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    text            TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'sent', 'delivered', 'failed')),
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    reported_at     TIMESTAMPTZ
);
CREATE UNIQUE INDEX sms_outbox_once ON sms_outbox (application_id, kind) WHERE application_id IS NOT NULL;
CREATE INDEX sms_outbox_due ON sms_outbox (next_attempt_at) WHERE state = 'pending';

CREATE TABLE pickup_attempts (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id BIGINT  NOT NULL REFERENCES applications (id),
    office_id      TEXT    NOT NULL,
    operator       TEXT    NOT NULL,
    at             TIMESTAMPTZ NOT NULL,
    position       BIGINT  NOT NULL,
    score          DOUBLE PRECISION NOT NULL,
    matched        BOOLEAN NOT NULL
);
CREATE INDEX pickup_attempts_by_application ON pickup_attempts (application_id);

CREATE TABLE transfers (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id BIGINT  NOT NULL REFERENCES applications (id),
    from_office    TEXT    NOT NULL,
    to_office      TEXT    NOT NULL,
    shipment_id    BIGINT,
    actor          TEXT    NOT NULL,
    at             TIMESTAMPTZ NOT NULL
);
