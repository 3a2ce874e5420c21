-- The foundation schema: registry, custody, claims and the append-only audit trail.
-- Booleans are 0/1 integers, dates ISO text (YYYY-MM-DD), moments ISO text in UTC.

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;

CREATE TABLE countries (
    code TEXT PRIMARY KEY,
    name_en TEXT NOT NULL,
    name_ar TEXT NOT NULL
);

CREATE TABLE country_stances (
    id INTEGER PRIMARY KEY,
    country_code TEXT NOT NULL REFERENCES countries (code),
    stance TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX country_stances_country ON country_stances (country_code, effective_from);

CREATE TABLE sites (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_en TEXT NOT NULL,
    name_ar TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id INTEGER REFERENCES sites (id),
    capacity INTEGER NOT NULL CHECK (capacity >= 0),
    separation_group TEXT,
    synthetic INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE persons (
    id INTEGER PRIMARY KEY,
    registration_number TEXT NOT NULL UNIQUE,
    sex TEXT NOT NULL,
    dob_kind TEXT NOT NULL,
    dob_date TEXT,
    dob_year INTEGER,
    est_age INTEGER,
    est_basis TEXT,
    est_made_on TEXT,
    birth_approx TEXT NOT NULL,
    place_of_birth TEXT,
    status TEXT NOT NULL,
    pregnant_due TEXT,
    disability INTEGER NOT NULL DEFAULT 0,
    serious_medical INTEGER NOT NULL DEFAULT 0,
    unaccompanied INTEGER NOT NULL DEFAULT 0,
    separated INTEGER NOT NULL DEFAULT 0,
    father_unknown INTEGER NOT NULL DEFAULT 0,
    father_name TEXT,
    separation_group TEXT NOT NULL,
    current_site_id INTEGER REFERENCES sites (id),
    synthetic INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX persons_site ON persons (current_site_id);
CREATE INDEX persons_birth ON persons (birth_approx);

CREATE TABLE name_variants (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    text TEXT NOT NULL,
    script TEXT NOT NULL,
    kind TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX name_variants_person ON name_variants (person_id);

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    doc_type TEXT NOT NULL,
    number TEXT NOT NULL,
    issuing_country TEXT NOT NULL REFERENCES countries (code),
    expiry TEXT,
    sighted INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX documents_person ON documents (person_id);
CREATE INDEX documents_number ON documents (number);

CREATE TABLE family_links (
    id INTEGER PRIMARY KEY,
    from_person INTEGER NOT NULL REFERENCES persons (id),
    to_person INTEGER NOT NULL REFERENCES persons (id),
    relation TEXT NOT NULL,
    basis TEXT NOT NULL,
    confidence TEXT NOT NULL,
    evidence_ref TEXT,
    recorded_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (from_person <> to_person),
    UNIQUE (from_person, to_person, relation)
);
CREATE INDEX family_links_to ON family_links (to_person);

CREATE TABLE custody_episodes (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    site_id INTEGER NOT NULL REFERENCES sites (id),
    start_at TEXT NOT NULL,
    end_at TEXT,
    authorised_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    best_interests_ref TEXT,
    recorded_by TEXT NOT NULL,
    CHECK (end_at IS NULL OR end_at >= start_at)
);
CREATE UNIQUE INDEX custody_one_current_site ON custody_episodes (person_id) WHERE end_at IS NULL;
CREATE INDEX custody_site ON custody_episodes (site_id, start_at);

CREATE TABLE nationality_claims (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    country_code TEXT NOT NULL REFERENCES countries (code),
    state TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (person_id, country_code)
);
CREATE INDEX nationality_claims_country ON nationality_claims (country_code, state);

CREATE TABLE claim_evidence (
    id INTEGER PRIMARY KEY,
    claim_id INTEGER NOT NULL REFERENCES nationality_claims (id),
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX claim_evidence_claim ON claim_evidence (claim_id);
