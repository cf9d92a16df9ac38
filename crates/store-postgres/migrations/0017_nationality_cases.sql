-- Nationality cases of people with no birth certificate (issue 13): the case, the applicant's fingerprint hits
-- against everyone enrolled, its evidence, the inquiries sent and their answers, the committee's decisions and
-- every move of its state, each with who and when. Evidence, inquiries, decisions and history are only added to.

-- The last case number used in each province (case numbers count per province).
CREATE TABLE nationality_sequences (
    province_code TEXT    PRIMARY KEY,
    last_value    BIGINT  NOT NULL
);

CREATE TABLE nationality_cases (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_number   TEXT    NOT NULL UNIQUE,
    province_code TEXT    NOT NULL,
    office_id     TEXT    NOT NULL REFERENCES offices (office_id),
    state         TEXT    NOT NULL CHECK (state IN ('open', 'identity_conflict', 'inquiries_pending',
                                         'more_evidence', 'age_commission', 'court', 'approved', 'rejected')),
    first_name    TEXT    NOT NULL,
    last_name     TEXT    NOT NULL,
    father_name   TEXT,
    mother_name   TEXT,
    gender        TEXT    NOT NULL CHECK (gender IN ('male', 'female')),
    birth_place   TEXT    NOT NULL,
    birth_year    BIGINT  NOT NULL,
    religion      TEXT    NOT NULL,
    address       TEXT    NOT NULL,
    mobile        TEXT,
    photo_key     TEXT    NOT NULL,
    templates_key TEXT    NOT NULL,
    opened_by     TEXT    NOT NULL,
    opened_at     TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    -- Set by the approval, in the transaction that registers the person.
    national_code TEXT    UNIQUE
);
CREATE INDEX nationality_cases_by_state ON nationality_cases (state, province_code);

-- Enrolled persons the applicant's fingers matched at opening (application id and score).
CREATE TABLE nationality_conflicts (
    case_id        BIGINT  NOT NULL REFERENCES nationality_cases (id),
    application_id BIGINT  NOT NULL,
    score          DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (case_id, application_id)
);

CREATE TABLE nationality_evidence (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id      BIGINT  NOT NULL REFERENCES nationality_cases (id),
    kind         TEXT    NOT NULL,
    note         TEXT    NOT NULL,
    document_key TEXT,
    -- The kind's own fields as JSON (witnesses, the named parent, the estimated year, the ruling).
    details      TEXT    NOT NULL,
    actor        TEXT    NOT NULL,
    at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX nationality_evidence_by_case ON nationality_evidence (case_id, id);

CREATE TABLE nationality_inquiries (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id     BIGINT  NOT NULL REFERENCES nationality_cases (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('police_identity', 'security_council', 'foreign_nationals')),
    reference   TEXT,
    sent_by     TEXT    NOT NULL,
    sent_at     TIMESTAMPTZ NOT NULL,
    outcome     TEXT    CHECK (outcome IN ('clear', 'adverse')),
    answer      TEXT,
    answered_at TIMESTAMPTZ,
    UNIQUE (case_id, kind)
);

CREATE TABLE nationality_decisions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id       BIGINT  NOT NULL REFERENCES nationality_cases (id),
    decision      TEXT    NOT NULL,
    ground        TEXT    NOT NULL,
    -- The members present, as a JSON array of names.
    members       TEXT    NOT NULL,
    note          TEXT    NOT NULL,
    actor         TEXT    NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    national_code TEXT
);
CREATE INDEX nationality_decisions_by_case ON nationality_decisions (case_id, id);

CREATE TABLE nationality_history (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id    BIGINT  NOT NULL REFERENCES nationality_cases (id),
    from_state TEXT,
    to_state   TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    reason     TEXT
);
CREATE INDEX nationality_history_by_case ON nationality_history (case_id, id);
