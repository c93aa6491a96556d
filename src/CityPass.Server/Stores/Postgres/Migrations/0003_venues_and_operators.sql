-- Venues with their policy (VenuePolicyDocument as jsonb), gates with their hashed device
-- credential, bookings, and staff accounts.

CREATE TABLE venues (
    id         uuid        PRIMARY KEY,
    name       text        NOT NULL,
    kind       text        NOT NULL,
    address    text        NOT NULL,
    policy     jsonb       NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE gates (
    id                    uuid        PRIMARY KEY,
    venue_id              uuid        NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    name                  text        NOT NULL,
    created_at            timestamptz NOT NULL,
    credential_hash       bytea,
    credential_issued_at  timestamptz,
    credential_revoked_at timestamptz,
    CHECK ((credential_hash IS NULL) = (credential_issued_at IS NULL))
);

CREATE INDEX gates_by_venue ON gates (venue_id);

-- No foreign key to citizens: a booking may be sold before the citizen's record is imported.
CREATE TABLE bookings (
    venue_id   uuid        NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    citizen_id uuid        NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (venue_id, citizen_id)
);

-- Usernames are unique ignoring case; upper() matches .NET's OrdinalIgnoreCase for the letters a
-- UTF-8 database's ctype knows.
CREATE TABLE operators (
    id            uuid        PRIMARY KEY,
    username      text        NOT NULL,
    display_name  text        NOT NULL,
    password_hash text        NOT NULL,
    role          text        NOT NULL,
    venue_ids     uuid[]      NOT NULL,
    created_at    timestamptz NOT NULL
);

CREATE UNIQUE INDEX operators_username_key ON operators (upper(username));
