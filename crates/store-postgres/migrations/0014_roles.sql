-- Two roles beside the office and administrators' ones: the liaison of an institution a mobile unit visits, and a
-- member of a province's nationality committee.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN (
    'operator', 'supervisor', 'province_admin', 'national_admin', 'liaison', 'nationality_committee'));
