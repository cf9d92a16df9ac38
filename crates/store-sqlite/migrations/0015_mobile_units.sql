-- Mobile enrollment units (issue 13): institutions and the liaisons bound to them, visits of a unit (an office of
-- kind mobile_unit) to an institution on a day, the people booked onto a visit, the institution's invoice, the
-- visits' recorded changes, and disabled people's home-visit requests. Kept the same as PostgreSQL's (instants as RFC 3339 TEXT).

CREATE TABLE institutions (
    id            INTEGER PRIMARY KEY,
    province_code TEXT        NOT NULL,
    kind          TEXT        NOT NULL CHECK (kind IN ('prison', 'garrison', 'care_home', 'hospital', 'home')),
    name          TEXT        NOT NULL,
    created_at    TEXT        NOT NULL,
    UNIQUE (province_code, kind, name)
);

-- A liaison is a staff account with no office, bound to one institution.
ALTER TABLE users ADD COLUMN institution_id INTEGER REFERENCES institutions (id);

CREATE TABLE visits (
    id               INTEGER PRIMARY KEY,
    unit_office_id   TEXT        NOT NULL REFERENCES offices (office_id),
    province_code    TEXT        NOT NULL,
    institution_kind TEXT        NOT NULL CHECK (institution_kind IN ('prison', 'garrison', 'care_home', 'hospital', 'home')),
    institution_id   INTEGER     REFERENCES institutions (id),
    institution_name TEXT        NOT NULL,
    address          TEXT        NOT NULL,
    -- Jalali YYYY-MM-DD, as appointments keep their day.
    day              TEXT        NOT NULL,
    capacity         INTEGER     NOT NULL CHECK (capacity > 0),
    -- Places taken: the row every booking onto the visit updates, so none passes capacity.
    booked           INTEGER     NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
    liaison          TEXT,
    area             TEXT,
    created_by       TEXT        NOT NULL,
    created_at       TEXT        NOT NULL,
    updated_at       TEXT        NOT NULL
);
CREATE INDEX visits_by_province ON visits (province_code, day);

CREATE TABLE visit_bookings (
    visit_id       INTEGER     NOT NULL REFERENCES visits (id),
    application_id INTEGER     NOT NULL UNIQUE REFERENCES applications (id),
    line           INTEGER     NOT NULL,
    fee_policy     TEXT        NOT NULL CHECK (fee_policy IN ('waived', 'institution', 'person')),
    fee_rials      INTEGER     NOT NULL CHECK (fee_rials >= 0),
    booked_by      TEXT        NOT NULL,
    booked_at      TEXT        NOT NULL,
    PRIMARY KEY (visit_id, application_id)
);

CREATE TABLE visit_invoices (
    visit_id       INTEGER     PRIMARY KEY REFERENCES visits (id),
    institution_id INTEGER     REFERENCES institutions (id),
    people         INTEGER     NOT NULL CHECK (people >= 0),
    amount_rials   INTEGER     NOT NULL CHECK (amount_rials >= 0),
    state          TEXT        NOT NULL CHECK (state IN ('open', 'paid')),
    paid_ref       TEXT,
    created_at     TEXT        NOT NULL,
    updated_at     TEXT        NOT NULL
);

CREATE TABLE visit_events (
    id       INTEGER PRIMARY KEY,
    visit_id INTEGER     NOT NULL REFERENCES visits (id),
    at       TEXT        NOT NULL,
    actor    TEXT        NOT NULL,
    what     TEXT        NOT NULL
);
CREATE INDEX visit_events_by_visit ON visit_events (visit_id);

CREATE TABLE home_visit_requests (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER     NOT NULL UNIQUE REFERENCES applications (id),
    province_code  TEXT        NOT NULL,
    area           TEXT        NOT NULL,
    address        TEXT        NOT NULL,
    state          TEXT        NOT NULL CHECK (state IN ('confirmed', 'booked')),
    visit_id       INTEGER     REFERENCES visits (id),
    welfare_ref    TEXT        NOT NULL,
    requested_by   TEXT        NOT NULL,
    requested_at   TEXT        NOT NULL,
    updated_at     TEXT        NOT NULL
);
CREATE INDEX home_visit_requests_waiting ON home_visit_requests (province_code, area) WHERE state = 'confirmed';
