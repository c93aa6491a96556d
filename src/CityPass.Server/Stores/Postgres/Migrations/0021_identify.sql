-- Scan-to-identify with consent (Identify). A citizen's birth year, for the age band a venue may be told (the year
-- only: nothing finer is ever shared); citizens' consents per venue kind and their own changes to them; and the log
-- of every disclosure, written before the scan answer that makes it. Numbered 0021: 0020 is the scan roll-ups'.

ALTER TABLE citizens ADD COLUMN birth_year integer CHECK (birth_year BETWEEN 1900 AND 9999);

-- One row per citizen and venue kind they agreed to be identified at; claims is IdentityClaims' bits (0: the member id alone).
CREATE TABLE identity_consents (
    citizen_id uuid        NOT NULL,
    venue_kind text        NOT NULL,
    claims     integer     NOT NULL CHECK (claims >= 0),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (citizen_id, venue_kind)
);

-- The citizen's own changes (their acts, not staff's: not in the audit log); claims NULL is a withdrawal.
-- Purged with the disclosures (Identify:DisclosureRetentionDays).
CREATE TABLE identity_consent_changes (
    seq        bigserial   PRIMARY KEY,
    citizen_id uuid        NOT NULL,
    venue_kind text        NOT NULL,
    claims     integer     CHECK (claims >= 0),
    at         timestamptz NOT NULL
);

CREATE INDEX identity_consent_changes_by_citizen ON identity_consent_changes (citizen_id, seq DESC);
CREATE INDEX identity_consent_changes_by_time ON identity_consent_changes (at);

-- What each shared identity told a venue. venue_name and venue_kind are copied so the citizen's log stays readable
-- after a venue is renamed or deleted (hence no foreign key). Claims not shared are NULL.
CREATE TABLE identity_disclosures (
    seq          bigserial   PRIMARY KEY,
    id           uuid        NOT NULL UNIQUE,
    citizen_id   uuid        NOT NULL,
    venue_id     uuid        NOT NULL,
    venue_name   text        NOT NULL,
    venue_kind   text        NOT NULL,
    gate_id      uuid        NOT NULL,
    scan_id      uuid        NOT NULL,
    member_id    text        NOT NULL,
    claims       integer     NOT NULL CHECK (claims >= 0),
    masked_name  text,
    age_band     text,
    eid_verified boolean,
    at           timestamptz NOT NULL
);

CREATE INDEX identity_disclosures_by_citizen ON identity_disclosures (citizen_id, at DESC, seq DESC);
CREATE INDEX identity_disclosures_by_venue ON identity_disclosures (venue_id, at DESC, seq DESC);
CREATE INDEX identity_disclosures_by_time ON identity_disclosures (at);
