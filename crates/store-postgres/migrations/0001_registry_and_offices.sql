-- The civil registry, counter offices, and the record of imports.

CREATE TABLE persons (
    -- Identifiers compare bytewise ("C"): faster index maintenance than the database's locale collation.
    national_code     TEXT        COLLATE "C" PRIMARY KEY CHECK (national_code ~ '^[0-9]{10}$'),
    first_name        TEXT        NOT NULL,
    last_name         TEXT        NOT NULL,
    father_name       TEXT        NOT NULL,
    mother_name       TEXT        NOT NULL,
    gender            TEXT        NOT NULL CHECK (gender IN ('male', 'female')),
    birth_date_jalali TEXT        NOT NULL,
    birth_place       TEXT        NOT NULL,
    religion          TEXT        NOT NULL,
    bc_series_letter  TEXT        NOT NULL,
    bc_series_number  TEXT        NOT NULL,
    bc_serial         TEXT        NOT NULL,
    mobiles           TEXT        NOT NULL DEFAULT '',
    postal_code       TEXT,
    address           TEXT        NOT NULL,
    death_date_jalali TEXT,
    -- Attributed from the national-code prefix; a hint for statistics, never a rule.
    province_code     TEXT,
    revision          INTEGER     NOT NULL DEFAULT 1,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The numbers registered to each person (an index of persons.mobiles), for "national codes linked to this number".
-- Keyed by number only: the store replaces a person's pairs from the old `mobiles` value when it changes, and
-- persons are never deleted (a death is a date), so no foreign-key trigger or second index is paid per row.
CREATE TABLE person_mobiles (
    mobile        TEXT COLLATE "C" NOT NULL,
    national_code TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (mobile, national_code)
);

CREATE TABLE offices (
    office_id      TEXT        PRIMARY KEY,
    name           TEXT        NOT NULL,
    kind           TEXT        NOT NULL CHECK (kind IN ('counter', 'post', 'registry', 'mobile_unit')),
    province_code  TEXT        NOT NULL,
    city           TEXT        NOT NULL,
    address        TEXT        NOT NULL,
    daily_capacity INTEGER     NOT NULL CHECK (daily_capacity > 0),
    revision       INTEGER     NOT NULL DEFAULT 1,
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX offices_by_province ON offices (province_code);

CREATE TABLE imports (
    id          BIGSERIAL   PRIMARY KEY,
    kind        TEXT        NOT NULL,
    source      TEXT        NOT NULL,
    actor       TEXT        NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    inserted    BIGINT      NOT NULL,
    updated     BIGINT      NOT NULL,
    unchanged   BIGINT      NOT NULL,
    rejected    BIGINT      NOT NULL
);
