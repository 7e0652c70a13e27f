-- Exact list sizes without counting the list.
--
-- list_counts tallies the harvestable rows of framed_records per prefix (live records in
-- that format; '' for deleted records, listed in every format), set ('' for the whole
-- repository) and UTC day of the datestamp (datestamp / 86400). Every write changes it in
-- the same transaction as the rows, so a harvest's completeListSize is a sum of a few
-- tallies (app/store/list_counts.py). Built here from the existing rows.

CREATE TABLE list_counts (
    prefix TEXT COLLATE "C" NOT NULL,
    set_spec TEXT COLLATE "C" NOT NULL,
    day BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (prefix, set_spec, day)
);

INSERT INTO list_counts (prefix, set_spec, day, n)
SELECT prefix, '', datestamp / 86400, COUNT(*) FROM framed_records
GROUP BY prefix, datestamp / 86400
UNION ALL
SELECT f.prefix, k.spec, f.datestamp / 86400, COUNT(*) FROM framed_records f
JOIN record_sets k ON k.identifier = f.identifier
GROUP BY f.prefix, k.spec, f.datestamp / 86400;
