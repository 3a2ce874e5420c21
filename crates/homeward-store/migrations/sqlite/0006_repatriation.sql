-- Repatriation: country requirements and agreements, cases with their members and timeline,
-- best-interests determinations, consent and the register of disclosures to embassies.

CREATE TABLE country_requirements (
    id INTEGER PRIMARY KEY,
    country_code TEXT NOT NULL REFERENCES countries (code),
    requirement TEXT NOT NULL,
    applies_to TEXT NOT NULL DEFAULT 'all',
    effective_from TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX country_requirements_country ON country_requirements (country_code, effective_from);

CREATE TABLE country_agreements (
    id INTEGER PRIMARY KEY,
    country_code TEXT NOT NULL REFERENCES countries (code),
    concluded_on TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX country_agreements_country ON country_agreements (country_code, concluded_on);

CREATE TABLE repat_cases (
    id INTEGER PRIMARY KEY,
    country_code TEXT NOT NULL REFERENCES countries (code),
    state TEXT NOT NULL,
    state_since TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    handover_date TEXT,
    handover_place TEXT,
    receiving_official TEXT,
    travel_document TEXT,
    opened_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX repat_cases_country ON repat_cases (country_code, state, state_since);

CREATE TABLE repat_case_members (
    case_id INTEGER NOT NULL REFERENCES repat_cases (id),
    person_id INTEGER NOT NULL REFERENCES persons (id),
    accepted INTEGER,
    PRIMARY KEY (case_id, person_id)
);
CREATE INDEX repat_case_members_person ON repat_case_members (person_id);

CREATE TABLE repat_transitions (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES repat_cases (id),
    from_state TEXT,
    to_state TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    details_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX repat_transitions_case ON repat_transitions (case_id, id);

CREATE TABLE repat_best_interests (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES repat_cases (id),
    child_id INTEGER NOT NULL REFERENCES persons (id),
    assessment TEXT NOT NULL,
    panel_json TEXT NOT NULL,
    decision TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX repat_best_interests_child ON repat_best_interests (case_id, child_id);

CREATE TABLE repat_consents (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    country_code TEXT NOT NULL REFERENCES countries (code),
    kind TEXT NOT NULL CHECK (kind IN ('consent', 'legal_basis')),
    given_by TEXT,
    given_by_name TEXT NOT NULL DEFAULT '',
    agreed INTEGER NOT NULL,
    legal_basis TEXT,
    approved_by TEXT,
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    CHECK (kind = 'consent' OR legal_basis IS NOT NULL),
    CHECK (approved_by IS NULL OR approved_by <> recorded_by)
);
CREATE INDEX repat_consents_person ON repat_consents (person_id, country_code, id);

CREATE TABLE repat_disclosures (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    to_country TEXT NOT NULL REFERENCES countries (code),
    what TEXT NOT NULL,
    case_id INTEGER REFERENCES repat_cases (id),
    channel TEXT NOT NULL,
    disclosed_by TEXT NOT NULL,
    at TEXT NOT NULL,
    basis TEXT NOT NULL,
    consent_id INTEGER REFERENCES repat_consents (id)
);
CREATE INDEX repat_disclosures_person ON repat_disclosures (person_id, at);

CREATE TRIGGER repat_disclosures_no_update BEFORE UPDATE ON repat_disclosures
BEGIN
    SELECT RAISE(ABORT, 'the disclosure register is append-only');
END;
CREATE TRIGGER repat_disclosures_no_delete BEFORE DELETE ON repat_disclosures
BEGIN
    SELECT RAISE(ABORT, 'the disclosure register is append-only');
END;
