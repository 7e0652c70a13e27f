-- The search index of the pages (app/store/search.py).
--
-- search_docs holds, per live record, what the filters and facets read and a small
-- tsvector of its titles and keywords that ranks the results: narrow rows, so counting and
-- ranking thousands of matches reads little. search_words holds all the record's words as
-- one tsvector under a GIN index: each piece of text is reduced with the configuration of
-- its own language (russian, english, else simple) and weighted by field (title A, keywords
-- and authors B, abstract C, references D). search_display is what a result shows, read
-- for one page only.

CREATE TABLE search_docs (
    identifier TEXT PRIMARY KEY,
    series TEXT,
    year INTEGER,
    lang TEXT,
    article_type TEXT,
    access TEXT,
    title_words TSVECTOR NOT NULL
);
CREATE INDEX search_docs_by_series ON search_docs (series, year);
CREATE INDEX search_docs_by_year ON search_docs (year);

CREATE TABLE search_words (
    identifier TEXT PRIMARY KEY,
    words TSVECTOR NOT NULL
);
CREATE INDEX search_words_gin ON search_words USING GIN (words);

CREATE TABLE search_display (
    identifier TEXT PRIMARY KEY,
    display TEXT NOT NULL
);
