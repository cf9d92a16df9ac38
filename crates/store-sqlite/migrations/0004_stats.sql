-- Statistics per province, kept up to date in the same transactions as the changes they count.

-- How many applications are in each state, per province ('' where the province is unknown). Each count is
-- spread over 16 shards (summed when read), so concurrent changes in one province seldom wait on one row.
CREATE TABLE application_counts (
    province_code TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    shard         INTEGER NOT NULL DEFAULT 0,
    n             INTEGER NOT NULL,
    PRIMARY KEY (province_code, state, shard)
) WITHOUT ROWID;

INSERT INTO application_counts (province_code, state, n)
SELECT COALESCE(province_code, ''), state, COUNT(*) FROM applications
GROUP BY COALESCE(province_code, ''), state;

-- Living people aged 15 or more in the civil registry, per province, as of `computed_for` (a Jalali date).
CREATE TABLE eligible_counts (
    province_code TEXT    PRIMARY KEY,
    eligible      INTEGER NOT NULL,
    computed_for  TEXT    NOT NULL
) WITHOUT ROWID;
