-- The civil registry, counter offices, and the record of imports.

-- Rows are appended in rowid order; the national code is a small unique index beside them, so a bulk load with
-- codes in random order dirties few pages per row. Identifiers are kept as integers (the store pads them back
-- to ten or eleven digits), which halves the indexes.
CREATE TABLE persons (
    id                INTEGER PRIMARY KEY,
    national_code     INTEGER NOT NULL CHECK (national_code BETWEEN 1 AND 9999999999),
    first_name        TEXT    NOT NULL,
    last_name         TEXT    NOT NULL,
    father_name       TEXT    NOT NULL,
    mother_name       TEXT    NOT NULL,
    gender            TEXT    NOT NULL CHECK (gender IN ('male', 'female')),
    birth_date_jalali TEXT    NOT NULL,
    birth_place       TEXT    NOT NULL,
    religion          TEXT    NOT NULL,
    bc_series_letter  TEXT    NOT NULL,
    bc_series_number  TEXT    NOT NULL,
    bc_serial         TEXT    NOT NULL,
    mobiles           TEXT    NOT NULL DEFAULT '',
    postal_code       TEXT,
    address           TEXT    NOT NULL,
    death_date_jalali TEXT,
    -- Attributed from the national-code prefix; a hint for statistics, never a rule.
    province_code     TEXT,
    revision          INTEGER NOT NULL DEFAULT 1,
    updated_at        TEXT    NOT NULL
);
-- A named index (not an inline UNIQUE) so that a first load into an empty registry can build it once, by sorting.
CREATE UNIQUE INDEX persons_national_code ON persons (national_code);

-- The numbers registered to each person (an index of persons.mobiles), for "national codes linked to this number".
-- Keyed by number only: the store replaces a person's pairs from the old `mobiles` value when it changes, and
-- persons are never deleted (a death is a date), so no foreign key or second index is paid for on every load.
CREATE TABLE person_mobiles (
    mobile        INTEGER NOT NULL,  -- 09121234567 as 9121234567
    national_code INTEGER NOT NULL,
    PRIMARY KEY (mobile, national_code)
) WITHOUT ROWID;

CREATE TABLE offices (
    office_id      TEXT    PRIMARY KEY NOT NULL,
    name           TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('counter', 'post', 'registry', 'mobile_unit')),
    province_code  TEXT    NOT NULL,
    city           TEXT    NOT NULL,
    address        TEXT    NOT NULL,
    daily_capacity INTEGER NOT NULL CHECK (daily_capacity > 0),
    revision       INTEGER NOT NULL DEFAULT 1,
    updated_at     TEXT    NOT NULL
);
CREATE INDEX offices_by_province ON offices (province_code);

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    started_at  TEXT    NOT NULL,
    finished_at TEXT    NOT NULL,
    inserted    INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,
    rejected    INTEGER NOT NULL
);
