-- Registry inquiries refused at an office's desk (walk-in filing), and the fingerprint matches tried to bring a
-- card to another office. Both are only ever added to.

CREATE TABLE inquiry_refusals (
    id            INTEGER PRIMARY KEY,
    operator      TEXT NOT NULL,
    office_id     TEXT NOT NULL,
    at            TEXT NOT NULL,
    -- masked: the first two and last two digits
    national_code TEXT NOT NULL,
    outcome       TEXT NOT NULL
);
CREATE INDEX inquiry_refusals_by_operator ON inquiry_refusals (operator, id);

CREATE TABLE transfer_attempts (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    office_id      TEXT    NOT NULL,
    operator       TEXT    NOT NULL,
    at             TEXT    NOT NULL,
    position       INTEGER NOT NULL,
    score          REAL    NOT NULL,
    matched        INTEGER NOT NULL
);
CREATE INDEX transfer_attempts_by_application ON transfer_attempts (application_id);
