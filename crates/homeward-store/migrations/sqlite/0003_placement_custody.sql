-- The placement protocol as versioned rules, decisions made under them, transfers, roll
-- calls with their discrepancies, and the task lists fed by the daily review.

CREATE TABLE placement_rules (
    rule_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    effective_from TEXT NOT NULL,
    retired INTEGER NOT NULL DEFAULT 0,
    priority INTEGER NOT NULL,
    min_age INTEGER NOT NULL,
    max_age INTEGER NOT NULL,
    sex TEXT,
    nationality TEXT NOT NULL,
    outcome TEXT NOT NULL,
    description_en TEXT NOT NULL,
    description_ar TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (rule_id, version)
);

CREATE TABLE placement_decisions (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    decided_for TEXT NOT NULL,
    proposed TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    rule_version INTEGER NOT NULL,
    explanation TEXT NOT NULL,
    decision TEXT NOT NULL,
    chosen TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    best_interests_ref TEXT,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    FOREIGN KEY (rule_id, rule_version) REFERENCES placement_rules (rule_id, version)
);
CREATE INDEX placement_decisions_person ON placement_decisions (person_id);

CREATE TABLE transfers (
    id INTEGER PRIMARY KEY,
    to_site_id INTEGER NOT NULL REFERENCES sites (id),
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    authorised_by TEXT,
    authorised_at TEXT,
    carried_out_by TEXT,
    carried_out_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE transfer_persons (
    transfer_id INTEGER NOT NULL REFERENCES transfers (id),
    person_id INTEGER NOT NULL REFERENCES persons (id),
    PRIMARY KEY (transfer_id, person_id)
);

CREATE TABLE roll_calls (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites (id),
    at TEXT NOT NULL,
    method TEXT NOT NULL,
    expected INTEGER NOT NULL,
    counted INTEGER NOT NULL,
    absent TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL
);
CREATE INDEX roll_calls_site ON roll_calls (site_id, at);

CREATE TABLE roll_call_incidents (
    id INTEGER PRIMARY KEY,
    roll_call_id INTEGER NOT NULL REFERENCES roll_calls (id),
    site_id INTEGER NOT NULL REFERENCES sites (id),
    difference INTEGER NOT NULL,
    status TEXT NOT NULL,
    resolution TEXT,
    resolved_by TEXT,
    resolved_at TEXT
);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    team TEXT NOT NULL,
    person_id INTEGER REFERENCES persons (id),
    due TEXT NOT NULL,
    detail TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    dedupe_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE INDEX tasks_team ON tasks (team, status, due);
