-- Harvest fragments kept as the bytes a page sends: uncompressed, in the table row.
--
-- By default PostgreSQL compresses (pglz) any value that makes a row longer than about 2 kB,
-- and moves it to the TOAST table when still too long: an oai_dc fragment (about 3.7 kB) was
-- stored compressed, and every ListRecords page decompressed a hundred of them, 1.3 ms of a
-- page query that takes 0.5 ms with the fragments as they are (docs/store.md). EXTERNAL
-- forbids the compression; a toast_tuple_target of a whole page (8160 bytes) keeps a row up to
-- that size in the table itself, as SQLite's 64 KiB pages do; longer fragments (jats) go to
-- the TOAST table uncompressed. Rows written before this keep their compressed values until
-- they are rewritten: by the next put of the record, a re-framing, or `jats-oai store compact`.
ALTER TABLE framed_records ALTER COLUMN fragment SET STORAGE EXTERNAL;
ALTER TABLE framed_records SET (toast_tuple_target = 8160);

-- Every change to the harvest fragments is announced on the channel jats_oai_framed (once per
-- transaction: PostgreSQL folds identical notifications), so that a process holding pages it
-- read ahead of a harvest drops them before serving any (app/store/postgres.py).
CREATE FUNCTION jats_oai_framed_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('jats_oai_framed', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER framed_records_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON framed_records
    FOR EACH STATEMENT EXECUTE FUNCTION jats_oai_framed_changed();
