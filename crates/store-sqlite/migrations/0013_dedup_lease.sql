-- Several instances on one database (issue 12): an enrollment waiting for its 1:N search is leased to one
-- instance's de-duplication pass at a time (kept the same as PostgreSQL's; SQLite has one instance).

ALTER TABLE enrollments ADD COLUMN dedup_lease_until TEXT;
