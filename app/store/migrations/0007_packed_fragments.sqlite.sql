-- Compressed harvests without compressing per request.
--
-- framed_records.packed holds each fragment also as the protocol side packed it at put time
-- (a piece of a deflate stream), so a compressed ListRecords page is assembled from stored
-- pieces. It comes after fragment in the row: an uncompressed page reads no byte of it.
-- The framing that fills it has a new version, so stores rebuild their fragments.

ALTER TABLE framed_records ADD COLUMN packed BLOB;
