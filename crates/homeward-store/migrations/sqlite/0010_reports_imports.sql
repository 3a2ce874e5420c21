-- Reports, exports and bulk import: saved column mappings, situation reports with their
-- figures (the next report shows the changes since), the register of exports, and indexes
-- so that every dashboard figure is an aggregate over an index, even at a million persons.

CREATE TABLE import_mappings (
    id INTEGER PRIMARY KEY,
    header_key TEXT NOT NULL UNIQUE,
    headers_json TEXT NOT NULL,
    mapping_json TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL
);

CREATE TABLE sitreps (
    id INTEGER PRIMARY KEY,
    report_date TEXT NOT NULL,
    lang TEXT NOT NULL,
    figures_json TEXT NOT NULL,
    made_by TEXT NOT NULL,
    made_at TEXT NOT NULL
);
CREATE INDEX sitreps_date ON sitreps (report_date, id);

CREATE TABLE exports (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    what TEXT NOT NULL,
    format TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    fields TEXT NOT NULL,
    scope TEXT NOT NULL
);
CREATE INDEX exports_at ON exports (at);

CREATE INDEX persons_sex_birth ON persons (sex, birth_approx);
CREATE INDEX persons_status ON persons (status);
CREATE INDEX persons_pregnant ON persons (pregnant_due) WHERE pregnant_due IS NOT NULL;
CREATE INDEX persons_unaccompanied ON persons (unaccompanied);
CREATE INDEX persons_father_unknown ON persons (father_unknown);
CREATE INDEX persons_birth_kind ON persons (birth_approx, dob_kind);
CREATE INDEX custody_person_start ON custody_episodes (person_id, start_at);
CREATE INDEX custody_start ON custody_episodes (start_at, person_id);
CREATE INDEX repat_transitions_to ON repat_transitions (to_state, at);
