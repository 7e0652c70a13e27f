-- The record store, PostgreSQL dialect. Datestamps are UTC Unix seconds (whole seconds by type).

CREATE TABLE store_state (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    last_datestamp BIGINT NOT NULL
);
INSERT INTO store_state (id, seq, last_datestamp) VALUES (1, 0, 0);

CREATE TABLE records (
    identifier TEXT COLLATE "C" PRIMARY KEY,
    datestamp BIGINT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    content_hash TEXT NOT NULL,
    source BYTEA,
    origin TEXT COLLATE "C",
    summary TEXT NOT NULL DEFAULT '{}',
    set_specs TEXT NOT NULL DEFAULT '',
    seq BIGINT NOT NULL UNIQUE
);
CREATE INDEX records_by_datestamp ON records (datestamp, identifier);
CREATE INDEX records_by_hash ON records (content_hash);

CREATE TABLE record_formats (
    identifier TEXT COLLATE "C" NOT NULL REFERENCES records (identifier) ON DELETE CASCADE,
    prefix TEXT NOT NULL,
    payload BYTEA NOT NULL,
    PRIMARY KEY (identifier, prefix)
);

CREATE TABLE record_sets (
    identifier TEXT COLLATE "C" NOT NULL REFERENCES records (identifier) ON DELETE CASCADE,
    spec TEXT COLLATE "C" NOT NULL,
    datestamp BIGINT NOT NULL,
    PRIMARY KEY (identifier, spec)
);
CREATE INDEX record_sets_by_datestamp ON record_sets (spec, datestamp, identifier);

CREATE TABLE sets (
    spec TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT
);

CREATE TABLE versions (
    identifier TEXT COLLATE "C" NOT NULL,
    content_hash TEXT NOT NULL,
    source BYTEA NOT NULL,
    stored_at BIGINT NOT NULL,
    PRIMARY KEY (identifier, content_hash)
);

CREATE TABLE changes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    identifier TEXT COLLATE "C" NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL,
    content_hash TEXT
);
CREATE INDEX changes_by_identifier ON changes (identifier, id);

CREATE TABLE users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created BIGINT NOT NULL
);

CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created BIGINT NOT NULL
);
