-- Who harvested what.
--
-- harvest_hourly counts OAI-PMH requests per hour (UTC Unix seconds at the start of the hour),
-- harvester family (from the User-Agent), client (an address cut to its network: IPv4 /24,
-- IPv6 /48, never whole), verb, metadataPrefix, set, HTTP status and OAI-PMH error code:
-- requests, records served and the time spent (milliseconds). Millions of requests a month
-- make a few thousand rows. harvest_complete keeps, per harvester and list, the last list
-- request sequence that reached its last page.

CREATE TABLE harvest_hourly (
    hour INTEGER NOT NULL,
    harvester TEXT NOT NULL,
    client TEXT NOT NULL,
    verb TEXT NOT NULL,
    prefix TEXT NOT NULL,
    set_spec TEXT NOT NULL,
    status INTEGER NOT NULL,
    error TEXT NOT NULL,
    requests INTEGER NOT NULL,
    records INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (hour, harvester, client, verb, prefix, set_spec, status, error)
);

CREATE TABLE harvest_complete (
    harvester TEXT NOT NULL,
    verb TEXT NOT NULL,
    prefix TEXT NOT NULL,
    set_spec TEXT NOT NULL,
    client TEXT NOT NULL,
    finished INTEGER NOT NULL,
    records INTEGER NOT NULL,
    PRIMARY KEY (harvester, verb, prefix, set_spec, client)
);
