-- Courts and protection: the languages a person speaks, legal cases with their hearings and
-- pre-trial detention limits, and confidential protection incidents with their follow-up.
-- The accounts of incidents and actions are kept in *_narrative / *_note columns so they can be
-- sealed by field encryption.

CREATE TABLE person_languages (
    person_id INTEGER NOT NULL REFERENCES persons (id),
    language TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (person_id, language)
);

CREATE TABLE legal_cases (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    charges TEXT NOT NULL,
    court TEXT NOT NULL,
    case_number TEXT NOT NULL,
    counsel TEXT NOT NULL,
    counsel_name TEXT,
    interpreter_language TEXT,
    detained_since TEXT,
    detention_limit_days INTEGER,
    detention_limit TEXT,
    verdict TEXT NOT NULL,
    verdict_date TEXT,
    sentence TEXT,
    appeal TEXT NOT NULL,
    appeal_date TEXT,
    opened_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (court, case_number, person_id)
);
CREATE INDEX legal_cases_person ON legal_cases (person_id);
CREATE INDEX legal_cases_limit ON legal_cases (verdict, detention_limit);

CREATE TABLE legal_hearings (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES legal_cases (id),
    hearing_date TEXT NOT NULL,
    held INTEGER NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    next_date TEXT,
    counsel_present INTEGER NOT NULL,
    counsel_waiver_reason TEXT,
    interpreter_language TEXT,
    interpreter_name TEXT,
    interpreter_waiver_reason TEXT,
    guardian_present INTEGER NOT NULL,
    social_worker_present INTEGER NOT NULL,
    minor INTEGER NOT NULL,
    allegation TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX legal_hearings_case ON legal_hearings (case_id, hearing_date);
CREATE INDEX legal_hearings_next ON legal_hearings (next_date);

CREATE TABLE protection_incidents (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    kind TEXT NOT NULL,
    occurred_on TEXT,
    site_id INTEGER REFERENCES sites (id),
    source TEXT NOT NULL,
    legal_case_id INTEGER REFERENCES legal_cases (id),
    hearing_id INTEGER REFERENCES legal_hearings (id),
    report_narrative TEXT NOT NULL,
    status TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX protection_incidents_status ON protection_incidents (status, reported_at);
CREATE INDEX protection_incidents_person ON protection_incidents (person_id);

CREATE TABLE protection_incident_actions (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES protection_incidents (id),
    action_note TEXT NOT NULL,
    status_after TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX protection_incident_actions_incident ON protection_incident_actions (incident_id);
