-- Identity resolution at work: the duplicate review queue, reversible merges, tracing
-- requests and countries' lists of nationals matched in bulk.

-- A candidate pair from a batch dedupe of the registry (left_id < right_id). A pair is
-- proposed once: pending, confirmed or rejected pairs are never proposed again.
CREATE TABLE duplicate_reviews (
    id INTEGER PRIMARY KEY,
    left_id INTEGER NOT NULL REFERENCES persons (id),
    right_id INTEGER NOT NULL REFERENCES persons (id),
    probability DOUBLE PRECISION NOT NULL,
    explanation_json TEXT NOT NULL,
    state TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (left_id < right_id),
    UNIQUE (left_id, right_id)
);
CREATE INDEX duplicate_reviews_state ON duplicate_reviews (state, probability);

-- A merge: the merged record stays, hidden, until the merge is undone. The custody changes
-- the merge made are kept so that an undo restores both records exactly.
CREATE TABLE person_merges (
    id INTEGER PRIMARY KEY,
    review_id INTEGER REFERENCES duplicate_reviews (id),
    survivor_id INTEGER NOT NULL REFERENCES persons (id),
    merged_id INTEGER NOT NULL REFERENCES persons (id),
    merged_by TEXT NOT NULL,
    merged_at TEXT NOT NULL,
    closed_episode_id INTEGER REFERENCES custody_episodes (id),
    merged_site_id INTEGER REFERENCES sites (id),
    -- A plain id: undoing the merge deletes that episode.
    opened_episode_id INTEGER,
    undone_by TEXT,
    undone_at TEXT,
    CHECK (survivor_id <> merged_id)
);
CREATE UNIQUE INDEX person_merges_active ON person_merges (merged_id) WHERE undone_at IS NULL;
CREATE INDEX person_merges_survivor ON person_merges (survivor_id);

-- A relative's description of a sought person; seen by case workers, registrars and
-- administrators only.
CREATE TABLE tracing_requests (
    id INTEGER PRIMARY KEY,
    sought_names TEXT NOT NULL,
    sex TEXT,
    birth_year INTEGER,
    age INTEGER,
    place TEXT,
    mother_name TEXT,
    father_name TEXT,
    nationality TEXT,
    requester_name TEXT NOT NULL,
    relationship TEXT NOT NULL,
    channel TEXT NOT NULL,
    contact TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    found_person_id INTEGER REFERENCES persons (id),
    outcome_note TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX tracing_requests_state ON tracing_requests (state, created_at);

-- A country's list of nationals matched against the registry: the results only, seen by the
-- user who uploaded it (a consular officer's results hold only persons in their scope).
CREATE TABLE list_matches (
    id INTEGER PRIMARY KEY,
    uploaded_by TEXT NOT NULL,
    scope_country TEXT,
    file_name TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    matched_count INTEGER NOT NULL,
    results_json TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX list_matches_owner ON list_matches (uploaded_by, created_at);
