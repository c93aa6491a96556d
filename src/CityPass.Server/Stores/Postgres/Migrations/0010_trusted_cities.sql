-- Other cities whose passes this city accepts: the federation key a CityAdmin pinned for each, where its signed
-- key-set document is fetched, and the last good document. The document lives here, not in a server's memory, so it
-- survives restarts (a city whose endpoint is down is still trusted until the document expires) and every server
-- verifies against the same one. Issuer codes are the cities' division codes as text.
-- A document is replaced only by a newer one (document_issued_at), in one conditional UPDATE.

CREATE TABLE trusted_cities (
    issuer                text        PRIMARY KEY,
    name                  text        NOT NULL,
    federation_suite      text        NOT NULL,
    federation_public_key text        NOT NULL,
    document_url          text,
    added_at              timestamptz NOT NULL,
    added_by              text        NOT NULL,
    document              text,
    document_issued_at    timestamptz,
    document_expires_at   timestamptz,
    last_checked_at       timestamptz,
    last_error            text
);
