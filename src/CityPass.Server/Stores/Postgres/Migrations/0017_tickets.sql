-- Bookings pushed by venues' ticketing systems, named by the system's own id (unique per venue), with the seat or zone
-- and the window in which they admit. Cancelled ones stay (a re-push of the id may reinstate them; the audit log counts them).
-- No foreign key to citizens: a ticket may be sold before the citizen's record is imported.

CREATE TABLE tickets (
    venue_id    uuid        NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    booking_id  text        NOT NULL,
    citizen_id  uuid        NOT NULL,
    seat        text        NOT NULL,
    valid_from  timestamptz NOT NULL,
    valid_until timestamptz NOT NULL,
    cancelled   boolean     NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (venue_id, booking_id),
    CHECK (valid_from < valid_until)
);

-- The hot copy of a citizen's tickets at a venue is read by citizen after every push, and whole venues' by the reconciler.
CREATE INDEX tickets_by_citizen ON tickets (venue_id, citizen_id);

-- A number taken before each read the hot state's copy is made from: a copy from a later read has a higher one, so Redis
-- keeps the newest copy whatever order two pushes' copies arrive in.
CREATE SEQUENCE ticket_reads;
