-- When each citizen's row was last written, so that the reconciler's periodic pass pushes the citizens changed since
-- its last one instead of every citizen (issue 14; hot-path.md, "The reconciler"). Stamped by a trigger on every
-- update, whatever statement makes it, and by the default on insert: the database's clock at the write, not the
-- transaction's start. Rows that were there before are stamped -infinity (a constant default rewrites nothing): the
-- daily full pass covers them.

ALTER TABLE citizens ADD COLUMN changed_at timestamptz NOT NULL DEFAULT '-infinity';
ALTER TABLE citizens ALTER COLUMN changed_at SET DEFAULT clock_timestamp();

CREATE FUNCTION citizens_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_at := clock_timestamp();
    RETURN NEW;
END
$$;

CREATE TRIGGER citizens_stamp_change BEFORE UPDATE ON citizens FOR EACH ROW EXECUTE FUNCTION citizens_stamp_change();

CREATE INDEX citizens_by_change ON citizens (changed_at, id);
