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
--
-- Here the triggers run once per statement over its transition tables, so a bulk insert of
-- thousands of rows adds one grouped change per key instead of one per row. Writers queue on
-- the audit head before they write, so two transactions never race on a tally row.

CREATE TABLE tallies (
    dim TEXT NOT NULL,
    k1 TEXT NOT NULL DEFAULT '',
    k2 TEXT NOT NULL DEFAULT '',
    k3 TEXT NOT NULL DEFAULT '',
    n BIGINT NOT NULL,
    PRIMARY KEY (dim, k1, k2, k3)
);

-- Persons: the share of every row in the old table goes, of every row in the new one comes.
CREATE FUNCTION tally_persons_rows(p persons) RETURNS SETOF TEXT[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['birth', p.sex, p.birth_approx, p.dob_kind]
    UNION ALL SELECT ARRAY['status', p.status, '', '']
    UNION ALL SELECT ARRAY['site', COALESCE(p.current_site_id::TEXT, ''), '', '']
    UNION ALL SELECT ARRAY['flag', 'pregnant', '', ''] WHERE p.pregnant_due IS NOT NULL
    UNION ALL SELECT ARRAY['flag', 'unaccompanied', '', ''] WHERE p.unaccompanied = 1
    UNION ALL SELECT ARRAY['flag', 'father_unknown', '', ''] WHERE p.father_unknown = 1
$$;

CREATE FUNCTION tally_persons() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO tallies AS t (dim, k1, k2, k3, n)
        SELECT k[1], k[2], k[3], k[4], COUNT(*)
        FROM new_rows r, LATERAL tally_persons_rows(r) AS k
        GROUP BY k[1], k[2], k[3], k[4]
        ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = t.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO tallies AS t (dim, k1, k2, k3, n)
        SELECT k[1], k[2], k[3], k[4], -COUNT(*)
        FROM old_rows r, LATERAL tally_persons_rows(r) AS k
        GROUP BY k[1], k[2], k[3], k[4]
        ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = t.n + EXCLUDED.n;
    ELSE
        INSERT INTO tallies AS t (dim, k1, k2, k3, n)
        SELECT k[1], k[2], k[3], k[4], SUM(d) FROM (
            SELECT k, -1 AS d FROM old_rows r, LATERAL tally_persons_rows(r) AS k
            UNION ALL
            SELECT k, 1 AS d FROM new_rows r, LATERAL tally_persons_rows(r) AS k
        ) x
        GROUP BY k[1], k[2], k[3], k[4]
        HAVING SUM(d) <> 0
        ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = t.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER tally_persons_insert AFTER INSERT ON persons
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_persons();
CREATE TRIGGER tally_persons_delete AFTER DELETE ON persons
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_persons();
CREATE TRIGGER tally_persons_update AFTER UPDATE ON persons
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_persons();

-- Claims by country and state.
CREATE FUNCTION tally_claims() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO tallies AS t (dim, k1, k2, k3, n)
        SELECT 'claim', country_code, state, '', COUNT(*) FROM new_rows
        GROUP BY country_code, state
        ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = t.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO tallies AS t (dim, k1, k2, k3, n)
        SELECT 'claim', country_code, state, '', -COUNT(*) FROM old_rows
        GROUP BY country_code, state
        ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = t.n + EXCLUDED.n;
    ELSE
        INSERT INTO tallies AS t (dim, k1, k2, k3, n)
        SELECT 'claim', c, s, '', SUM(d) FROM (
            SELECT country_code AS c, state AS s, -1 AS d FROM old_rows
            UNION ALL SELECT country_code, state, 1 FROM new_rows
        ) x
        GROUP BY c, s HAVING SUM(d) <> 0
        ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = t.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER tally_claims_insert AFTER INSERT ON nationality_claims
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_claims();
CREATE TRIGGER tally_claims_delete AFTER DELETE ON nationality_claims
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_claims();
CREATE TRIGGER tally_claims_update AFTER UPDATE ON nationality_claims
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_claims();

-- Persons holding at least one document. After a statement, a person touched by it holds a
-- document now (table) and held one before (the rows now, less the statement's new rows,
-- plus its old rows); the difference of the two is the change.
CREATE FUNCTION tally_documents() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT COUNT(*) INTO delta FROM (SELECT DISTINCT person_id FROM new_rows) p
        WHERE NOT EXISTS (
            SELECT 1 FROM documents d WHERE d.person_id = p.person_id
            AND d.id NOT IN (SELECT id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        SELECT -COUNT(*) INTO delta FROM (SELECT DISTINCT person_id FROM old_rows) p
        WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.person_id = p.person_id);
    ELSE
        SELECT COALESCE(SUM(CASE WHEN now_has THEN 1 ELSE 0 END
                          - CASE WHEN had THEN 1 ELSE 0 END), 0) INTO delta
        FROM (
            SELECT
                EXISTS (SELECT 1 FROM documents d WHERE d.person_id = p.person_id) AS now_has,
                (EXISTS (SELECT 1 FROM documents d WHERE d.person_id = p.person_id
                         AND d.id NOT IN (SELECT id FROM new_rows))
                 OR EXISTS (SELECT 1 FROM old_rows o WHERE o.person_id = p.person_id)) AS had
            FROM (SELECT person_id FROM new_rows UNION SELECT person_id FROM old_rows) p
        ) x;
    END IF;
    IF delta <> 0 THEN
        INSERT INTO tallies AS t (dim, k1, k2, k3, n) VALUES ('documented', '', '', '', delta)
        ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = t.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER tally_documents_insert AFTER INSERT ON documents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_documents();
CREATE TRIGGER tally_documents_delete AFTER DELETE ON documents
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_documents();
CREATE TRIGGER tally_documents_update AFTER UPDATE ON documents
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_documents();

-- Admissions: each person counts once, in the month of their earliest custody episode. For
-- the persons a statement touched, the earliest start before it (the rows now, less its new
-- rows, plus its old rows) gives way to the earliest start after it.
CREATE FUNCTION tally_custody() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO tallies AS t (dim, k1, k2, k3, n)
        SELECT 'admitted', SUBSTR(m, 1, 7), '', '', SUM(d) FROM (
            SELECT (SELECT MIN(e.start_at) FROM custody_episodes e
                    WHERE e.person_id = p.person_id
                    AND e.id NOT IN (SELECT id FROM new_rows)) AS m, -1 AS d
            FROM (SELECT DISTINCT person_id FROM new_rows) p
            UNION ALL
            SELECT (SELECT MIN(e.start_at) FROM custody_episodes e
                    WHERE e.person_id = p.person_id), 1
            FROM (SELECT DISTINCT person_id FROM new_rows) p
        ) x WHERE m IS NOT NULL
        GROUP BY SUBSTR(m, 1, 7) HAVING SUM(d) <> 0
        ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = t.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO tallies AS t (dim, k1, k2, k3, n)
        SELECT 'admitted', SUBSTR(m, 1, 7), '', '', SUM(d) FROM (
            SELECT (SELECT MIN(s) FROM (
                        SELECT e.start_at AS s FROM custody_episodes e
                        WHERE e.person_id = p.person_id
                        UNION ALL SELECT o.start_at FROM old_rows o
                        WHERE o.person_id = p.person_id) y) AS m, -1 AS d
            FROM (SELECT DISTINCT person_id FROM old_rows) p
            UNION ALL
            SELECT (SELECT MIN(e.start_at) FROM custody_episodes e
                    WHERE e.person_id = p.person_id), 1
            FROM (SELECT DISTINCT person_id FROM old_rows) p
        ) x WHERE m IS NOT NULL
        GROUP BY SUBSTR(m, 1, 7) HAVING SUM(d) <> 0
        ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = t.n + EXCLUDED.n;
    ELSE
        INSERT INTO tallies AS t (dim, k1, k2, k3, n)
        SELECT 'admitted', SUBSTR(m, 1, 7), '', '', SUM(d) FROM (
            SELECT (SELECT MIN(s) FROM (
                        SELECT e.start_at AS s FROM custody_episodes e
                        WHERE e.person_id = p.person_id
                        AND e.id NOT IN (SELECT id FROM new_rows)
                        UNION ALL SELECT o.start_at FROM old_rows o
                        WHERE o.person_id = p.person_id) y) AS m, -1 AS d
            FROM (SELECT person_id FROM new_rows UNION SELECT person_id FROM old_rows) p
            UNION ALL
            SELECT (SELECT MIN(e.start_at) FROM custody_episodes e
                    WHERE e.person_id = p.person_id), 1
            FROM (SELECT person_id FROM new_rows UNION SELECT person_id FROM old_rows) p
        ) x WHERE m IS NOT NULL
        GROUP BY SUBSTR(m, 1, 7) HAVING SUM(d) <> 0
        ON CONFLICT (dim, k1, k2, k3) DO UPDATE SET n = t.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER tally_custody_insert AFTER INSERT ON custody_episodes
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_custody();
CREATE TRIGGER tally_custody_delete AFTER DELETE ON custody_episodes
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_custody();
CREATE TRIGGER tally_custody_update AFTER UPDATE ON custody_episodes
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_custody();

-- What is already there.
INSERT INTO tallies (dim, k1, k2, k3, n)
SELECT 'birth', sex, birth_approx, dob_kind, COUNT(*) FROM persons
GROUP BY sex, birth_approx, dob_kind;
INSERT INTO tallies (dim, k1, k2, k3, n)
SELECT 'status', status, '', '', COUNT(*) FROM persons GROUP BY status;
INSERT INTO tallies (dim, k1, k2, k3, n)
SELECT 'site', COALESCE(current_site_id::TEXT, ''), '', '', COUNT(*) FROM persons
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
FROM (SELECT MIN(start_at) AS m FROM custody_episodes GROUP BY person_id) x
GROUP BY SUBSTR(m, 1, 7);
