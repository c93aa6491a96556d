-- Which transaction last wrote each citizen's row, so that the reconciler's pass skips the citizens its last pass
-- already pushed (hot-path.md, "The reconciler"). Passes look back ChangeMargin (5 minutes) before the last one began,
-- for a transaction that commits late; by time alone every change was pushed by each pass in those minutes, so an
-- import of every citizen was pushed five or six times. A pass now also reads the oldest transaction still running
-- (pg_snapshot_xmin) before it reads anything: every row written by a transaction below it was visible to that pass,
-- and the next one skips it. Stamped alongside changed_at: by the default on insert, by the trigger on update.
-- Rows from before stay NULL (no default at ADD COLUMN, so no table rewrite): they are not skipped.

ALTER TABLE citizens ADD COLUMN changed_xact xid8;
ALTER TABLE citizens ALTER COLUMN changed_xact SET DEFAULT pg_current_xact_id();

CREATE OR REPLACE FUNCTION citizens_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_at := clock_timestamp();
    NEW.changed_xact := pg_current_xact_id();
    RETURN NEW;
END
$$;
