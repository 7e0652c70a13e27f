-- Harvesting at the speed of reading bytes.
--
-- framed_records holds, per metadata format, each record's complete harvest fragment as the
-- protocol side framed it at put time (a deleted record: one row under prefix ''), clustered
-- by (prefix, datestamp, identifier): a ListRecords page is one range of one table, read in
-- key order, concatenated. fragment is NULL when the payload could not be framed.
-- store_state.framing names the framing the fragments were built with; a store opened with
-- another one rebuilds them.

CREATE TABLE framed_records (
    prefix TEXT NOT NULL,
    datestamp INTEGER NOT NULL,
    identifier TEXT NOT NULL,
    deleted INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    fragment BLOB,
    PRIMARY KEY (prefix, datestamp, identifier)
) WITHOUT ROWID;
CREATE INDEX framed_records_by_seq ON framed_records (prefix, datestamp, seq);
CREATE INDEX framed_records_by_identifier ON framed_records (identifier);

ALTER TABLE store_state ADD COLUMN framing TEXT NOT NULL DEFAULT '';

-- ListIdentifiers and windows without a format read headers from this index alone, never
-- from the table row (where the JATS source lies before set_specs and seq).
CREATE INDEX records_harvest ON records (datestamp, identifier, deleted, seq, set_specs);
