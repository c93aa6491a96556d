-- Four eyes on status changes: a bulk change, or a single change the anomaly guard held, is a draft until a second
-- member of the authority approves it (docs/api.md, "Drafts"). An approved draft is run by one server at a time (the
-- lease), each citizen's result kept as it is made, so a run that stops is resumed where it stopped and the progress
-- is the count of results. A pending draft past expires_at is expired; nothing needs to rewrite it.

CREATE TABLE status_drafts (
    id              uuid        PRIMARY KEY,
    colour          smallint    NOT NULL,
    reason          text        NOT NULL,
    case_ref        text        NOT NULL,
    citizen_ids     uuid[]      NOT NULL,
    drafted_by_id   uuid        NOT NULL,
    drafted_by      text        NOT NULL,
    drafted_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    held_because    text,
    state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
    decided_by      text,
    decided_at      timestamptz,
    decision_reason text,
    finished_at     timestamptz,
    runner          text,
    lease_until     timestamptz,
    CHECK ((state = 'pending') = (decided_at IS NULL))
);

-- The list newest first; the console's count of drafts awaiting approval (on every page an authority user opens); the
-- runners' search for approved drafts that have not finished.
CREATE INDEX status_drafts_by_time ON status_drafts (drafted_at DESC, id DESC);
CREATE INDEX status_drafts_awaiting ON status_drafts (expires_at) WHERE state = 'pending';
CREATE INDEX status_drafts_unfinished ON status_drafts (id) WHERE state = 'approved' AND finished_at IS NULL;

CREATE TABLE status_draft_results (
    draft_id   uuid     NOT NULL REFERENCES status_drafts (id),
    citizen_id uuid     NOT NULL,
    result     text     NOT NULL,
    version    bigint,
    PRIMARY KEY (draft_id, citizen_id)
);
