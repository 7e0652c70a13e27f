-- Accounts that can be trusted.
--
-- users.admin marks administrators, the only accounts that may act on records deposited by
-- someone else. web_sessions keeps sign-in sessions on the server: the browser holds only a
-- random id (its SHA-256 is stored), so signing out or a new password ends a session for
-- good, and the cookie reveals nothing. login_attempts counts sign-in attempts per account
-- and per client address for every worker and host alike. audit_trail records who did what
-- to accounts and sessions (record changes are in the changes table).

ALTER TABLE users ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;

CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    name TEXT,
    data TEXT NOT NULL,
    expires INTEGER NOT NULL
);
CREATE INDEX web_sessions_by_name ON web_sessions (name);
CREATE INDEX web_sessions_by_expiry ON web_sessions (expires);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_attempts_by_key ON login_attempts (key, at);

CREATE TABLE audit_trail (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT ''
);
