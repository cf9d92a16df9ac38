-- The backlog of uncollected cards and the levers against it (issue 14): SMS campaigns to a selection of waiting
-- cards, a record of each message, at most one campaign message per number per day; the cards to destroy (revoked
-- while waiting at an office) and who destroyed them; kept counters for the backlog's figures.

CREATE TABLE campaigns (
    id            INTEGER PRIMARY KEY,
    -- NULL: a national campaign.
    province_code TEXT,
    kind          TEXT    NOT NULL CHECK (kind IN ('reminder', 'moved')),
    office_id     TEXT,
    reason        TEXT,
    min_days      INTEGER NOT NULL,
    created_by    TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    cards         INTEGER NOT NULL,
    messages      INTEGER NOT NULL,
    skipped       INTEGER NOT NULL
);

CREATE TABLE campaign_messages (
    campaign_id    INTEGER NOT NULL REFERENCES campaigns (id),
    application_id INTEGER NOT NULL REFERENCES applications (id),
    mobile         TEXT    NOT NULL,
    -- The (Tehran) day of the message, YYYY-MM-DD: a number gets at most one campaign message a day.
    day            TEXT    NOT NULL,
    outbox_id      INTEGER
);
CREATE UNIQUE INDEX campaign_messages_once_a_day ON campaign_messages (mobile, day);
CREATE INDEX campaign_messages_by_campaign ON campaign_messages (campaign_id, application_id);

-- A card revoked while it waited at an office is destroyed there; the office records it.
ALTER TABLE cards ADD COLUMN destroyed_at TEXT;
ALTER TABLE cards ADD COLUMN destroyed_by TEXT;
CREATE INDEX cards_to_destroy ON cards (office_id) WHERE status = 'revoked' AND activated_at IS NULL
    AND ready_at IS NOT NULL AND destroyed_at IS NULL;

-- When a message to the holder was first delivered after the card's latest arrival at an office.
ALTER TABLE cards ADD COLUMN reached_at TEXT;

-- Per office and arrival day: cards that arrived, and how many of their holders an SMS reached.
CREATE TABLE reach_counts (
    province_code TEXT    NOT NULL,
    office_id     TEXT    NOT NULL,
    day           TEXT    NOT NULL,
    arrived       INTEGER NOT NULL,
    reached       INTEGER NOT NULL,
    PRIMARY KEY (province_code, office_id, day)
);

-- Per office: whole days from arrival at the office to delivery, a histogram.
CREATE TABLE wait_counts (
    province_code TEXT    NOT NULL,
    office_id     TEXT    NOT NULL,
    days          INTEGER NOT NULL,
    n             INTEGER NOT NULL,
    PRIMARY KEY (province_code, office_id, days)
);

-- The backlog by day and province (cards waiting at offices, of them uncollected; cards still in production),
-- written by the hourly pass: the dashboard draws it over time.
CREATE TABLE backlog_days (
    day           TEXT    NOT NULL,
    province_code TEXT    NOT NULL,
    waiting       INTEGER NOT NULL,
    uncollected   INTEGER NOT NULL,
    in_production INTEGER NOT NULL,
    PRIMARY KEY (day, province_code)
);
