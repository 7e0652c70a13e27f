-- The record store, SQLite dialect. Datestamps are UTC Unix seconds (whole seconds by type).

CREATE TABLE store_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    last_datestamp INTEGER NOT NULL
);
INSERT INTO store_state (id, seq, last_datestamp) VALUES (1, 0, 0);

CREATE TABLE records (
    identifier TEXT PRIMARY KEY,
    datestamp INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    content_hash TEXT NOT NULL,
    source BLOB,
    origin TEXT,
    summary TEXT NOT NULL DEFAULT '{}',
    set_specs TEXT NOT NULL DEFAULT '',
    seq INTEGER NOT NULL UNIQUE
);
CREATE INDEX records_by_datestamp ON records (datestamp, identifier);
CREATE INDEX records_by_hash ON records (content_hash);

CREATE TABLE record_formats (
    identifier TEXT NOT NULL REFERENCES records (identifier) ON DELETE CASCADE,
    prefix TEXT NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (identifier, prefix)
);

CREATE TABLE record_sets (
    identifier TEXT NOT NULL REFERENCES records (identifier) ON DELETE CASCADE,
    spec TEXT NOT NULL,
    datestamp INTEGER NOT NULL,
    PRIMARY KEY (identifier, spec)
);
CREATE INDEX record_sets_by_datestamp ON record_sets (spec, datestamp, identifier);

CREATE TABLE sets (
    spec TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT
);

CREATE TABLE versions (
    identifier TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    source BLOB NOT NULL,
    stored_at INTEGER NOT NULL,
    PRIMARY KEY (identifier, content_hash)
);

CREATE TABLE changes (
    id INTEGER PRIMARY KEY,
    identifier TEXT NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    at INTEGER NOT NULL,
    content_hash TEXT
);
CREATE INDEX changes_by_identifier ON changes (identifier, id);

CREATE TABLE users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created INTEGER NOT NULL
);

CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created INTEGER NOT NULL
);
