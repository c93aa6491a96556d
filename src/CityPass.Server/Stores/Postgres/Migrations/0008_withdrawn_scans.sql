-- A scan the API answered 503 although its store had decided it (the answer came after the budget) is taken back:
-- its record arrives again flagged withdrawn, before or after the record itself (several archivers share the
-- streams), and the row with the scan's key keeps the flag, so the record can neither count nor come back later.
-- Every read leaves such rows out. Existing rows were not withdrawn; a constant default needs no rewrite.

ALTER TABLE scans ADD COLUMN withdrawn boolean NOT NULL DEFAULT false;
