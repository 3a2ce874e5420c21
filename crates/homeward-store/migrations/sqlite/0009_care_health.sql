-- Care for children and need-to-know health: care plans with goals and dated reviews, the
-- best-interests procedure (assessment, panel, decision, implementation), programme
-- enrolment and attendance, schooling, chronic conditions and disabilities, fitness to travel.
-- Care notes and health text live only in columns named *_note or *_detail, so they can be
-- sealed at rest. Pregnancy stays on persons.pregnant_due (the daily review reads it there).

CREATE TABLE care_plans (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    opened_on TEXT NOT NULL,
    next_review_due TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX care_plans_person ON care_plans (person_id, status);
CREATE INDEX care_plans_due ON care_plans (status, next_review_due);

CREATE TABLE care_goals (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES care_plans (id),
    goal_detail TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'met', 'dropped')),
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX care_goals_plan ON care_goals (plan_id, id);

CREATE TABLE care_reviews (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES care_plans (id),
    reviewed_on TEXT NOT NULL,
    review_note TEXT NOT NULL,
    next_review_due TEXT NOT NULL,
    reviewed_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX care_reviews_plan ON care_reviews (plan_id, reviewed_on);

CREATE TABLE bi_procedures (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    question TEXT NOT NULL CHECK (question IN ('placement', 'separation', 'repatriation', 'other')),
    question_detail TEXT NOT NULL DEFAULT '',
    case_id INTEGER REFERENCES repat_cases (id),
    state TEXT NOT NULL CHECK (state IN ('open', 'assessed', 'decided', 'implemented')),
    due_on TEXT NOT NULL,
    assessment_note TEXT,
    assessed_on TEXT,
    decision TEXT,
    decision_note TEXT,
    decided_on TEXT,
    implementation_note TEXT,
    implemented_on TEXT,
    repat_bid_id INTEGER REFERENCES repat_best_interests (id),
    opened_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX bi_procedures_person ON bi_procedures (person_id, id);
CREATE INDEX bi_procedures_state ON bi_procedures (state, due_on);

CREATE TABLE bi_panel_members (
    procedure_id INTEGER NOT NULL REFERENCES bi_procedures (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    panel_role TEXT NOT NULL,
    PRIMARY KEY (procedure_id, position)
);

CREATE TABLE programme_enrolments (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    programme TEXT NOT NULL CHECK (programme IN ('psychosocial', 'education', 'rehabilitation', 'recreation')),
    enrolled_on TEXT NOT NULL,
    ended_on TEXT,
    enrolled_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX programme_enrolments_person ON programme_enrolments (person_id, programme);

CREATE TABLE programme_sessions (
    id INTEGER PRIMARY KEY,
    enrolment_id INTEGER NOT NULL REFERENCES programme_enrolments (id),
    session_on TEXT NOT NULL,
    present INTEGER NOT NULL,
    progress_note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (enrolment_id, session_on)
);

CREATE TABLE schooling (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    school TEXT NOT NULL,
    grade TEXT NOT NULL DEFAULT '',
    started_on TEXT NOT NULL,
    ended_on TEXT,
    schooling_note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX schooling_person ON schooling (person_id, started_on);

CREATE TABLE health_conditions (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    kind TEXT NOT NULL CHECK (kind IN ('chronic', 'disability')),
    condition_detail TEXT NOT NULL,
    essential_need_detail TEXT NOT NULL DEFAULT '',
    since_on TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX health_conditions_person ON health_conditions (person_id, id);

CREATE TABLE fitness_to_travel (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    fit INTEGER NOT NULL,
    assessed_on TEXT NOT NULL,
    assessed_by TEXT NOT NULL,
    fitness_note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX fitness_to_travel_person ON fitness_to_travel (person_id, assessed_on, id);
