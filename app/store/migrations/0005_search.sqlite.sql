-- The search index of the pages (app/store/search.py).
--
-- search_docs holds, per live record, what the filters and facets read (series, year,
-- language, article type, access right): narrow rows, so counting thousands of matches by
-- facet reads little. search_display holds what a result shows (JSON), read for one page.
-- search_fts is the full-text index: each column holds the words of one field, every
-- language of the record together, already reduced to their Snowball stems, so that
-- "сотрудничество" finds "сотрудничества". Its rowid is search_docs.id.

CREATE TABLE search_docs (
    id INTEGER PRIMARY KEY,
    identifier TEXT NOT NULL UNIQUE,
    series TEXT,
    year INTEGER,
    lang TEXT,
    article_type TEXT,
    access TEXT
);
CREATE INDEX search_docs_by_series ON search_docs (series, year);
CREATE INDEX search_docs_by_year ON search_docs (year);

CREATE TABLE search_display (
    id INTEGER PRIMARY KEY,
    display TEXT NOT NULL
);

CREATE VIRTUAL TABLE search_fts USING fts5(
    title, authors, abstract, keywords, refs,
    tokenize = 'unicode61 remove_diacritics 2'
);
