-- Citizens, their status history and the hash-chained audit log.
-- Ids are the 128-bit pseudonyms as uuid (big-endian bytes), so uuid order is the pseudonym's numeric order.

CREATE TABLE citizens (
    id             uuid        PRIMARY KEY,
    external_id    text        CONSTRAINT citizens_external_id_key UNIQUE,
    phone          text        NOT NULL CONSTRAINT citizens_phone_key UNIQUE,
    full_name      text        NOT NULL,
    status_colour  smallint    NOT NULL,
    status_version bigint      NOT NULL CHECK (status_version >= 1),
    status_reason  text        NOT NULL,
    status_since   timestamptz NOT NULL,
    credentials    integer     NOT NULL,
    created_at     timestamptz NOT NULL
);

CREATE TABLE citizen_status_history (
    citizen_id uuid        NOT NULL REFERENCES citizens (id) ON DELETE CASCADE,
    version    bigint      NOT NULL,
    colour     smallint    NOT NULL,
    reason     text        NOT NULL,
    since      timestamptz NOT NULL,
    PRIMARY KEY (citizen_id, version)
);

-- Appends are serialized with an advisory lock, so sequence is gap-free and the chain never forks;
-- the primary key is the backstop.
CREATE TABLE audit_log (
    sequence      bigint      PRIMARY KEY CHECK (sequence >= 1),
    at            timestamptz NOT NULL,
    actor         text        NOT NULL,
    action        text        NOT NULL,
    subject       text        NOT NULL,
    before        text,
    after         text,
    reason        text        NOT NULL,
    case_ref      text,
    previous_hash text        NOT NULL,
    hash          text        NOT NULL
);

CREATE INDEX audit_log_by_subject ON audit_log (subject, sequence DESC);
CREATE INDEX audit_log_by_actor ON audit_log (actor, sequence DESC);
