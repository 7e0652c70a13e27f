-- The search index of the pages (app/store/search.py).
--
-- search_docs holds, per live record, what the filters and facets read (series, year,
-- language, article type, access right) and what a result shows (display, JSON).
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
    access TEXT,
    display TEXT NOT NULL
);
CREATE INDEX search_docs_by_series ON search_docs (series, year);
CREATE INDEX search_docs_by_year ON search_docs (year);

CREATE VIRTUAL TABLE search_fts USING fts5(
    title, authors, abstract, keywords, refs,
    tokenize = 'unicode61 remove_diacritics 2'
);
