-- Several instances on one database (issue 12): an enrollment waiting for its 1:N search is leased to one
-- instance's de-duplication pass at a time, so two instances do not both search it (the decision was already
-- taken once: `UPDATE … WHERE dedup = 'pending'`). See docs/several-instances.md.

ALTER TABLE enrollments ADD COLUMN dedup_lease_until TIMESTAMPTZ;
