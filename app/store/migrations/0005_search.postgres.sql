-- The search index of the pages (app/store/search.py).
--
-- search_docs holds, per live record, what the filters and facets read and the record's
-- words as one tsvector (search_display, what a result shows, is read for one page only):
-- each piece of text is
-- reduced with the configuration of its own language (russian, english, else simple) and
-- weighted by field (title A, keywords and authors B, abstract C, references D).

CREATE TABLE search_docs (
    identifier TEXT PRIMARY KEY,
    series TEXT,
    year INTEGER,
    lang TEXT,
    article_type TEXT,
    access TEXT,
    words TSVECTOR NOT NULL
);
CREATE INDEX search_docs_words ON search_docs USING GIN (words);
CREATE INDEX search_docs_by_series ON search_docs (series, year);
CREATE INDEX search_docs_by_year ON search_docs (year);

CREATE TABLE search_display (
    identifier TEXT PRIMARY KEY,
    display TEXT NOT NULL
);
