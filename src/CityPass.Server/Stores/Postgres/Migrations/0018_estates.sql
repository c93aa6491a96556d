-- Housing estates: residents by unit, listed by the estate's operator, and visitors' registrations that a resident of
-- the unit approves. What admits at the gates is written as the estate's tickets (booking ids starting with '~', in the
-- same transaction): the scan reads those, never these tables.

CREATE TABLE estate_residents (
    venue_id   uuid        NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    unit       text        NOT NULL,
    citizen_id uuid        NOT NULL,
    added_at   timestamptz NOT NULL,
    PRIMARY KEY (venue_id, unit, citizen_id)
);

-- A citizen's homes (the H5 page) and a host's check on a decision.
CREATE INDEX estate_residents_by_citizen ON estate_residents (citizen_id);

-- The visitor trail: kept until its window ended more than the retention period ago (Estates:VisitRetentionDays).
-- visitor_name is the masked name: the trail never holds a full one.
CREATE TABLE estate_visits (
    id           uuid        PRIMARY KEY,
    venue_id     uuid        NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    unit         text        NOT NULL,
    visitor_id   uuid        NOT NULL,
    visitor_name text        NOT NULL,
    purpose      text        NOT NULL,
    valid_from   timestamptz NOT NULL,
    valid_until  timestamptz NOT NULL,
    status       text        NOT NULL CHECK (status IN ('pending', 'approved', 'declined')),
    created_at   timestamptz NOT NULL,
    decided_at   timestamptz,
    CHECK (valid_from < valid_until)
);

CREATE INDEX estate_visits_trail ON estate_visits (venue_id, created_at DESC);
CREATE INDEX estate_visits_by_unit ON estate_visits (venue_id, unit, created_at DESC);
CREATE INDEX estate_visits_by_visitor ON estate_visits (visitor_id, created_at DESC);
CREATE INDEX estate_visits_by_end ON estate_visits (valid_until);
