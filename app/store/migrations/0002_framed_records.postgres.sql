-- Harvesting at the speed of reading bytes.
--
-- framed_records holds, per metadata format, each record's complete harvest fragment as the
-- protocol side framed it at put time (a deleted record: one row under prefix ''), keyed by
-- (prefix, datestamp, identifier): a ListRecords page is one index range of one table.
-- fragment is NULL when the payload could not be framed. store_state.framing names the
-- framing the fragments were built with; a store opened with another one rebuilds them.

CREATE TABLE framed_records (
    prefix TEXT COLLATE "C" NOT NULL,
    datestamp BIGINT NOT NULL,
    identifier TEXT COLLATE "C" NOT NULL,
    deleted BOOLEAN NOT NULL,
    seq BIGINT NOT NULL,
    fragment BYTEA,
    PRIMARY KEY (prefix, datestamp, identifier)
);
CREATE INDEX framed_records_by_seq ON framed_records (prefix, datestamp) INCLUDE (seq);
CREATE INDEX framed_records_by_identifier ON framed_records (identifier);

ALTER TABLE store_state ADD COLUMN framing TEXT NOT NULL DEFAULT '';

-- ListIdentifiers and windows without a format read headers from this index alone.
CREATE INDEX records_harvest ON records (datestamp, identifier)
    INCLUDE (deleted, seq, set_specs);
