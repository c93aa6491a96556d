-- Issue 16, appeals and the citizen's view of their status history.
--
-- Each status history row now says under which case the status was set and the ROLE of who set it
-- (HealthAuthority, CityAdmin, or system for changes the server made itself). The role, not the name:
-- citizens read these rows (GET /v1/me/status-history), and the member of staff's name stays in the
-- audit log, which only the authority reads. Rows written before this script have neither (shown "—").
ALTER TABLE citizen_status_history
    ADD COLUMN case_ref        text,
    ADD COLUMN changed_by_role text;

-- A citizen's appeal against a yellow or red status (one status version). Open until an authority user
-- decides it (upheld or rejected, with a reason), or until it is superseded because the status it was
-- about changed first. The citizen's reason and the decider's are bounded in code (AppealService).
CREATE TABLE appeals (
    id              uuid        PRIMARY KEY,
    citizen_id      uuid        NOT NULL REFERENCES citizens (id) ON DELETE CASCADE,
    status_version  bigint      NOT NULL,
    colour          smallint    NOT NULL,
    case_ref        text,
    reason          text        NOT NULL,
    opened_at       timestamptz NOT NULL,
    state           text        NOT NULL CHECK (state IN ('open', 'upheld', 'rejected', 'superseded')),
    decided_at      timestamptz,
    decided_by      text,
    decided_by_role text,
    decision_reason text,
    outcome_colour  smallint,
    -- One appeal per status version: a rejected appeal is not made again until the status changes.
    CONSTRAINT appeals_one_per_status_version UNIQUE (citizen_id, status_version),
    CHECK ((state = 'open') = (decided_at IS NULL)
           AND (decided_at IS NULL) = (decided_by IS NULL)
           AND (decided_at IS NULL) = (decision_reason IS NULL)
           AND (outcome_colour IS NULL OR state = 'upheld'))
);

-- At most one open appeal per citizen, whatever its version: the guard against two opened at once.
CREATE UNIQUE INDEX appeals_one_open_per_citizen ON appeals (citizen_id) WHERE state = 'open';

-- The console's queue: open appeals, oldest first.
CREATE INDEX appeals_open_oldest_first ON appeals (opened_at, id) WHERE state = 'open';

-- A citizen's own appeals, newest first; and the decided ones, newest decision first.
CREATE INDEX appeals_by_citizen ON appeals (citizen_id, opened_at DESC);
CREATE INDEX appeals_decided_newest_first ON appeals (decided_at DESC, id) WHERE state <> 'open';
