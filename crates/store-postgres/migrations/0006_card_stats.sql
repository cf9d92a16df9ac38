-- Statistics of the cards' later life, kept by the transactions that change them: lead times from application to
-- delivery, and uncollected cards by reason and by the day they became uncollected. Office load is read from
-- `office_days`, by day.

CREATE TABLE lead_time_counts (
    province_code TEXT   NOT NULL,
    days          BIGINT NOT NULL,
    n             BIGINT NOT NULL,
    PRIMARY KEY (province_code, days)
);

CREATE TABLE uncollected_counts (
    province_code TEXT   NOT NULL,
    reason        TEXT   NOT NULL,
    -- The (UTC) date the card became uncollected, YYYY-MM-DD.
    since_day     TEXT   NOT NULL,
    n             BIGINT NOT NULL,
    PRIMARY KEY (province_code, reason, since_day)
);

ALTER TABLE cards ADD COLUMN uncollected_since TEXT;

CREATE INDEX office_days_by_day ON office_days (day);
