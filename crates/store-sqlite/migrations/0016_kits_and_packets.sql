-- Mobile units' offline kits and the packets they send (issue 13, item 4).
--
-- Centrally: a kit registers its Ed25519 public key for its unit office and waits, pending, until an
-- administrator approves it; it may be revoked later. Each change is kept with who and when. A packet taken is
-- kept by the digest of its signed content, so the same packet is taken once, with the answer it was given.
CREATE TABLE kits (
    kit_id        TEXT PRIMARY KEY NOT NULL,
    unit_office   TEXT NOT NULL REFERENCES offices (office_id),
    -- Ed25519, 64 hex digits
    public_key    TEXT NOT NULL UNIQUE,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'revoked')),
    registered_at TEXT NOT NULL,
    approved_by   TEXT,
    approved_at   TEXT,
    revoked_by    TEXT,
    revoked_at    TEXT
);

CREATE TABLE packets_taken (
    -- SHA-256 of the packet's signed content, hex
    digest         TEXT PRIMARY KEY NOT NULL,
    packet_id      TEXT NOT NULL UNIQUE,
    kit_id         TEXT NOT NULL REFERENCES kits (kit_id),
    visit_id       INTEGER NOT NULL,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    tracking_code  TEXT NOT NULL,
    -- 'upload' (kit sync) or 'import' (a USB stick, shenas packets import)
    channel        TEXT NOT NULL CHECK (channel IN ('upload', 'import')),
    -- the JSON answer given when it was taken, given again to a repeat
    answer         TEXT NOT NULL,
    taken_at       TEXT NOT NULL
);
CREATE INDEX packets_taken_by_kit ON packets_taken (kit_id);

-- On a kit's own database: the packets it made, waiting to be sent, and the service's answer to each.
CREATE TABLE kit_packets (
    packet_id     TEXT PRIMARY KEY NOT NULL,
    visit_id      INTEGER NOT NULL,
    tracking_code TEXT NOT NULL,
    sealed        BLOB NOT NULL,
    made_at       TEXT NOT NULL,
    -- 'waiting' until the service answers; then 'taken' or 'refused' (with the error code)
    state         TEXT NOT NULL CHECK (state IN ('waiting', 'taken', 'refused')),
    code          TEXT,
    answer        TEXT,
    answered_at   TEXT
);
