-- Re-rendering reaches harvesters.
--
-- records.formats_digest is the SHA-256 of the record's rendered formats (every prefix and its
-- payload bytes), so a put whose source and sets are unchanged but whose payloads differ (a
-- fixed crosswalk, a new public_url) is a change: new datestamp, new seq, fragments rebuilt.
-- Rows stored before this migration get NULL, "unknown": the next put of the record
-- (`jats-oai records load --full`) treats it as changed.

ALTER TABLE records ADD COLUMN formats_digest TEXT;
