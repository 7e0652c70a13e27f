-- The large byte columns (JATS sources, rendered payloads, harvest fragments, kept versions)
-- are compressed with LZ4 instead of PostgreSQL's own pglz when they are stored out of line
-- (TOAST): several times faster to compress on a load and to decompress on every harvest
-- page, at about the same size. Rows written before keep their compression until rewritten.
-- A server built without LZ4 keeps pglz: the statement is skipped, the schema is the same.
DO $$
BEGIN
    ALTER TABLE records ALTER COLUMN source SET COMPRESSION lz4;
    ALTER TABLE record_formats ALTER COLUMN payload SET COMPRESSION lz4;
    ALTER TABLE framed_records ALTER COLUMN fragment SET COMPRESSION lz4;
    ALTER TABLE versions ALTER COLUMN source SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'LZ4 is not available on this server: TOAST stays pglz';
END
$$;
