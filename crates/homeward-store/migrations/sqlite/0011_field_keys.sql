-- Field keys and several servers. Sealed columns need no schema change (a sealed value is text
-- that describes its own key version). Background jobs get a claim per run: of several servers
-- on one database, the first to insert the row for a job and period runs it; a claim whose lease
-- ran out without finishing may be taken over.

CREATE TABLE job_runs (
    job TEXT NOT NULL,
    period TEXT NOT NULL,
    claimed_by TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    lease_until TEXT NOT NULL,
    finished_at TEXT,
    result TEXT,
    PRIMARY KEY (job, period)
);
