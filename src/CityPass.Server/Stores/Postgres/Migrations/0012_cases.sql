-- The health authority's cases: the record a yellow or red status must point to. Ids are readable
-- (C-2026-000042): the number comes from case_numbers and is unique on its own; the year is for people.
-- A case is open until closed_at is set, and then never opened again (a new case is opened instead).
-- The type is stored by its wire name; which types are health types is decided in code (CaseTypes.IsHealth).

CREATE SEQUENCE case_numbers;

CREATE TABLE cases (
    id           text        PRIMARY KEY,
    number       bigint      NOT NULL CONSTRAINT cases_number_key UNIQUE,
    type         text        NOT NULL,
    legal_basis  text        NOT NULL,
    owner        text        NOT NULL,
    notes        text        NOT NULL,
    opened_at    timestamptz NOT NULL,
    opened_by    text        NOT NULL,
    closed_at    timestamptz,
    closed_by    text,
    close_reason text,
    CHECK ((closed_at IS NULL) = (closed_by IS NULL) AND (closed_at IS NULL) = (close_reason IS NULL))
);

-- The console's default list: open cases, newest first.
CREATE INDEX cases_open_by_number ON cases (number DESC) WHERE closed_at IS NULL;

-- A case's page lists the status changes made under it from the audit log, newest first.
CREATE INDEX audit_log_by_case ON audit_log (case_ref, sequence DESC) WHERE case_ref IS NOT NULL;
