-- Change notices for the instances' read caches (an application's status, the office listings): each instance
-- LISTENs on `shenas_changes`; PostgreSQL delivers a transaction's notices when it commits, in commit order, and
-- never those of a transaction rolled back. Payloads: `a:<applications.id>`, `o` (offices). See
-- crates/store-postgres/src/changes.rs. SQLite has no migration for this: its connections' hooks do the same.

CREATE FUNCTION shenas_application_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('shenas_changes', 'a:' || OLD.id);
    RETURN NULL;
END
$$;

CREATE FUNCTION shenas_offices_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('shenas_changes', 'o');
    RETURN NULL;
END
$$;

-- Only what a status answer shows: the state, its time, the office.
CREATE TRIGGER applications_changed AFTER UPDATE ON applications FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state
          OR OLD.updated_at IS DISTINCT FROM NEW.updated_at
          OR OLD.office_id IS DISTINCT FROM NEW.office_id
          OR OLD.national_code IS DISTINCT FROM NEW.national_code)
    EXECUTE FUNCTION shenas_application_changed();

CREATE TRIGGER applications_deleted AFTER DELETE ON applications FOR EACH ROW
    EXECUTE FUNCTION shenas_application_changed();

CREATE TRIGGER offices_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON offices FOR EACH STATEMENT
    EXECUTE FUNCTION shenas_offices_changed();
