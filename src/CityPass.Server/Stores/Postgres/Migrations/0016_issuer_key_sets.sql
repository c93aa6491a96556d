-- This city's issuer key set as staff manage it (create, activate, retire, revoke), shared by every server: sealed
-- with a key derived from the server secret (AES-256-GCM), so a copy of the database alone forges no pass. version
-- orders the changes (a server reloads when it moves); seeds are fingerprints of the key sets configuration has
-- supplied, so a server booting with a configured set already taken in does not put it back over later changes.

CREATE TABLE issuer_key_sets (
    issuer     text PRIMARY KEY,
    version    bigint NOT NULL,
    sealed     bytea NOT NULL,
    seeds      text[] NOT NULL,
    updated_at timestamptz NOT NULL
);
