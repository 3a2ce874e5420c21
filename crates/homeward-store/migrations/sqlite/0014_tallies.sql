-- Running counts for the dashboard. Each row is how many persons (or claims) share one key
-- of one dimension; triggers keep them in the transaction that changes the rows counted, so
-- a figure read from here is as exact as a COUNT over the table, without reading a million
-- rows. `Store::tally_drift` recounts from the tables and the tests compare.
--
--   birth       sex, best-guess birth day, kind of date of birth   persons
--   status      status                                            persons
--   site        current site id ('' when not held)               persons
--   flag        pregnant | unaccompanied | father_unknown         persons
--   documented  (none)                                            persons with a document
--   claim       country, verification state                       nationality claims
--   admitted    month of the person's first custody episode       persons

CREATE TABLE tallies (
    dim TEXT NOT NULL,
    k1 TEXT NOT NULL DEFAULT '',
    k2 TEXT NOT NULL DEFAULT '',
    k3 TEXT NOT NULL DEFAULT '',
    n INTEGER NOT NULL,
    PRIMARY KEY (dim, k1, k2, k3)
) WITHOUT ROWID;

-- One person's share of the person dimensions, +1 or -1.
CREATE TRIGGER tally_persons_insert AFTER INSERT ON persons
BEGIN
    INSERT INTO tallies (dim, k1, k2, k3, n)
    VALUES ('birth', NEW.sex, NEW.birth_approx, NEW.dob_kind, 1),
           ('status', NEW.status, '', '', 1),
           ('site', COALESCE(CAST(NEW.current_site_id AS TEXT), ''), '', '', 1)
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n + 1;
    INSERT INTO tallies (dim, k1, k2, k3, n)
    SELECT 'flag', f, '', '', 1 FROM (
        SELECT 'pregnant' AS f WHERE NEW.pregnant_due IS NOT NULL
        UNION ALL SELECT 'unaccompanied' WHERE NEW.unaccompanied = 1
        UNION ALL SELECT 'father_unknown' WHERE NEW.father_unknown = 1
    ) WHERE true
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tally_persons_delete AFTER DELETE ON persons
BEGIN
    INSERT INTO tallies (dim, k1, k2, k3, n)
    VALUES ('birth', OLD.sex, OLD.birth_approx, OLD.dob_kind, -1),
           ('status', OLD.status, '', '', -1),
           ('site', COALESCE(CAST(OLD.current_site_id AS TEXT), ''), '', '', -1)
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n - 1;
    INSERT INTO tallies (dim, k1, k2, k3, n)
    SELECT 'flag', f, '', '', -1 FROM (
        SELECT 'pregnant' AS f WHERE OLD.pregnant_due IS NOT NULL
        UNION ALL SELECT 'unaccompanied' WHERE OLD.unaccompanied = 1
        UNION ALL SELECT 'father_unknown' WHERE OLD.father_unknown = 1
    ) WHERE true
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n - 1;
END;

CREATE TRIGGER tally_persons_update AFTER UPDATE OF
    sex, birth_approx, dob_kind, status, current_site_id, pregnant_due, unaccompanied,
    father_unknown ON persons
BEGIN
    INSERT INTO tallies (dim, k1, k2, k3, n)
    VALUES ('birth', OLD.sex, OLD.birth_approx, OLD.dob_kind, -1),
           ('status', OLD.status, '', '', -1),
           ('site', COALESCE(CAST(OLD.current_site_id AS TEXT), ''), '', '', -1)
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n - 1;
    INSERT INTO tallies (dim, k1, k2, k3, n)
    SELECT 'flag', f, '', '', -1 FROM (
        SELECT 'pregnant' AS f WHERE OLD.pregnant_due IS NOT NULL
        UNION ALL SELECT 'unaccompanied' WHERE OLD.unaccompanied = 1
        UNION ALL SELECT 'father_unknown' WHERE OLD.father_unknown = 1
    ) WHERE true
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n - 1;
    INSERT INTO tallies (dim, k1, k2, k3, n)
    VALUES ('birth', NEW.sex, NEW.birth_approx, NEW.dob_kind, 1),
           ('status', NEW.status, '', '', 1),
           ('site', COALESCE(CAST(NEW.current_site_id AS TEXT), ''), '', '', 1)
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n + 1;
    INSERT INTO tallies (dim, k1, k2, k3, n)
    SELECT 'flag', f, '', '', 1 FROM (
        SELECT 'pregnant' AS f WHERE NEW.pregnant_due IS NOT NULL
        UNION ALL SELECT 'unaccompanied' WHERE NEW.unaccompanied = 1
        UNION ALL SELECT 'father_unknown' WHERE NEW.father_unknown = 1
    ) WHERE true
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n + 1;
END;

-- Claims by country and state.
CREATE TRIGGER tally_claims_insert AFTER INSERT ON nationality_claims
BEGIN
    INSERT INTO tallies (dim, k1, k2, k3, n) VALUES ('claim', NEW.country_code, NEW.state, '', 1)
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tally_claims_delete AFTER DELETE ON nationality_claims
BEGIN
    INSERT INTO tallies (dim, k1, k2, k3, n) VALUES ('claim', OLD.country_code, OLD.state, '', -1)
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n - 1;
END;

CREATE TRIGGER tally_claims_update AFTER UPDATE OF country_code, state ON nationality_claims
BEGIN
    INSERT INTO tallies (dim, k1, k2, k3, n) VALUES ('claim', OLD.country_code, OLD.state, '', -1)
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n - 1;
    INSERT INTO tallies (dim, k1, k2, k3, n) VALUES ('claim', NEW.country_code, NEW.state, '', 1)
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n + 1;
END;

-- Persons holding at least one document: a person counts when their first document comes
-- and stops when their last one goes.
CREATE TRIGGER tally_documents_insert AFTER INSERT ON documents
WHEN (SELECT COUNT(*) FROM documents WHERE person_id = NEW.person_id) = 1
BEGIN
    INSERT INTO tallies (dim, k1, k2, k3, n) VALUES ('documented', '', '', '', 1)
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tally_documents_delete AFTER DELETE ON documents
WHEN NOT EXISTS (SELECT 1 FROM documents WHERE person_id = OLD.person_id)
BEGIN
    INSERT INTO tallies (dim, k1, k2, k3, n) VALUES ('documented', '', '', '', -1)
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n - 1;
END;

CREATE TRIGGER tally_documents_move AFTER UPDATE OF person_id ON documents
WHEN OLD.person_id <> NEW.person_id
BEGIN
    INSERT INTO tallies (dim, k1, k2, k3, n)
    SELECT 'documented', '', '', '', -1
    WHERE NOT EXISTS (SELECT 1 FROM documents WHERE person_id = OLD.person_id)
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n - 1;
    INSERT INTO tallies (dim, k1, k2, k3, n)
    SELECT 'documented', '', '', '', 1
    WHERE (SELECT COUNT(*) FROM documents WHERE person_id = NEW.person_id) = 1
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n + 1;
END;

-- Admissions: each person counts once, in the month of their earliest custody episode. A
-- change to a person's episodes takes their share away before it and puts it back after.
CREATE TRIGGER tally_custody_before_insert BEFORE INSERT ON custody_episodes
BEGIN
    INSERT INTO tallies (dim, k1, k2, k3, n)
    SELECT 'admitted', SUBSTR(m, 1, 7), '', '', -1
    FROM (SELECT MIN(start_at) AS m FROM custody_episodes WHERE person_id = NEW.person_id)
    WHERE m IS NOT NULL
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n - 1;
END;

CREATE TRIGGER tally_custody_after_insert AFTER INSERT ON custody_episodes
BEGIN
    INSERT INTO tallies (dim, k1, k2, k3, n)
    SELECT 'admitted', SUBSTR(m, 1, 7), '', '', 1
    FROM (SELECT MIN(start_at) AS m FROM custody_episodes WHERE person_id = NEW.person_id)
    WHERE m IS NOT NULL
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tally_custody_before_delete BEFORE DELETE ON custody_episodes
BEGIN
    INSERT INTO tallies (dim, k1, k2, k3, n)
    SELECT 'admitted', SUBSTR(m, 1, 7), '', '', -1
    FROM (SELECT MIN(start_at) AS m FROM custody_episodes WHERE person_id = OLD.person_id)
    WHERE m IS NOT NULL
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n - 1;
END;

CREATE TRIGGER tally_custody_after_delete AFTER DELETE ON custody_episodes
BEGIN
    INSERT INTO tallies (dim, k1, k2, k3, n)
    SELECT 'admitted', SUBSTR(m, 1, 7), '', '', 1
    FROM (SELECT MIN(start_at) AS m FROM custody_episodes WHERE person_id = OLD.person_id)
    WHERE m IS NOT NULL
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tally_custody_before_update BEFORE UPDATE OF person_id, start_at ON custody_episodes
BEGIN
    INSERT INTO tallies (dim, k1, k2, k3, n)
    SELECT 'admitted', SUBSTR(m, 1, 7), '', '', -1
    FROM (SELECT MIN(start_at) AS m FROM custody_episodes
          WHERE person_id IN (OLD.person_id, NEW.person_id) GROUP BY person_id)
    WHERE true
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n - 1;
END;

CREATE TRIGGER tally_custody_after_update AFTER UPDATE OF person_id, start_at ON custody_episodes
BEGIN
    INSERT INTO tallies (dim, k1, k2, k3, n)
    SELECT 'admitted', SUBSTR(m, 1, 7), '', '', 1
    FROM (SELECT MIN(start_at) AS m FROM custody_episodes
          WHERE person_id IN (OLD.person_id, NEW.person_id) GROUP BY person_id)
    WHERE true
    ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = n + 1;
END;

-- What is already there.
INSERT INTO tallies (dim, k1, k2, k3, n)
SELECT 'birth', sex, birth_approx, dob_kind, COUNT(*) FROM persons
GROUP BY sex, birth_approx, dob_kind;
INSERT INTO tallies (dim, k1, k2, k3, n)
SELECT 'status', status, '', '', COUNT(*) FROM persons GROUP BY status;
INSERT INTO tallies (dim, k1, k2, k3, n)
SELECT 'site', COALESCE(CAST(current_site_id AS TEXT), ''), '', '', COUNT(*) FROM persons
GROUP BY current_site_id;
INSERT INTO tallies (dim, k1, k2, k3, n)
SELECT 'flag', 'pregnant', '', '', COUNT(*) FROM persons WHERE pregnant_due IS NOT NULL;
INSERT INTO tallies (dim, k1, k2, k3, n)
SELECT 'flag', 'unaccompanied', '', '', COUNT(*) FROM persons WHERE unaccompanied = 1;
INSERT INTO tallies (dim, k1, k2, k3, n)
SELECT 'flag', 'father_unknown', '', '', COUNT(*) FROM persons WHERE father_unknown = 1;
INSERT INTO tallies (dim, k1, k2, k3, n)
SELECT 'documented', '', '', '', COUNT(DISTINCT person_id) FROM documents;
INSERT INTO tallies (dim, k1, k2, k3, n)
SELECT 'claim', country_code, state, '', COUNT(*) FROM nationality_claims
GROUP BY country_code, state;
INSERT INTO tallies (dim, k1, k2, k3, n)
SELECT 'admitted', SUBSTR(m, 1, 7), '', '', COUNT(*)
FROM (SELECT MIN(start_at) AS m FROM custody_episodes GROUP BY person_id)
GROUP BY SUBSTR(m, 1, 7);
