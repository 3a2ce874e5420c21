-- A counter that moves whenever something the search index is built from changes: a person's
-- sex, date of birth, place of birth or father's name, their names, documents, claimed
-- nationalities, or a merge. The search index is rebuilt when it moves, not on every audit
-- event (a sign-in, a care note or an export changes nothing it holds), since at a million
-- persons a rebuild takes minutes.

CREATE TABLE change_epochs (
    name TEXT PRIMARY KEY,
    n INTEGER NOT NULL
);
INSERT INTO change_epochs (name, n) VALUES ('search', 0);

CREATE TRIGGER search_epoch_persons_insert AFTER INSERT ON persons
BEGIN
    UPDATE change_epochs SET n = n + 1 WHERE name = 'search';
END;

CREATE TRIGGER search_epoch_persons_delete AFTER DELETE ON persons
BEGIN
    UPDATE change_epochs SET n = n + 1 WHERE name = 'search';
END;

CREATE TRIGGER search_epoch_persons_update AFTER UPDATE OF sex, dob_kind, dob_date, dob_year, est_age, est_basis, est_made_on, birth_approx,
    place_of_birth, father_name ON persons
BEGIN
    UPDATE change_epochs SET n = n + 1 WHERE name = 'search';
END;

CREATE TRIGGER search_epoch_name_variants_insert AFTER INSERT ON name_variants
BEGIN
    UPDATE change_epochs SET n = n + 1 WHERE name = 'search';
END;

CREATE TRIGGER search_epoch_name_variants_delete AFTER DELETE ON name_variants
BEGIN
    UPDATE change_epochs SET n = n + 1 WHERE name = 'search';
END;

CREATE TRIGGER search_epoch_name_variants_update AFTER UPDATE ON name_variants
BEGIN
    UPDATE change_epochs SET n = n + 1 WHERE name = 'search';
END;

CREATE TRIGGER search_epoch_documents_insert AFTER INSERT ON documents
BEGIN
    UPDATE change_epochs SET n = n + 1 WHERE name = 'search';
END;

CREATE TRIGGER search_epoch_documents_delete AFTER DELETE ON documents
BEGIN
    UPDATE change_epochs SET n = n + 1 WHERE name = 'search';
END;

CREATE TRIGGER search_epoch_documents_update AFTER UPDATE ON documents
BEGIN
    UPDATE change_epochs SET n = n + 1 WHERE name = 'search';
END;

CREATE TRIGGER search_epoch_nationality_claims_insert AFTER INSERT ON nationality_claims
BEGIN
    UPDATE change_epochs SET n = n + 1 WHERE name = 'search';
END;

CREATE TRIGGER search_epoch_nationality_claims_delete AFTER DELETE ON nationality_claims
BEGIN
    UPDATE change_epochs SET n = n + 1 WHERE name = 'search';
END;

CREATE TRIGGER search_epoch_nationality_claims_update AFTER UPDATE OF person_id, country_code ON nationality_claims
BEGIN
    UPDATE change_epochs SET n = n + 1 WHERE name = 'search';
END;

CREATE TRIGGER search_epoch_person_merges_insert AFTER INSERT ON person_merges
BEGIN
    UPDATE change_epochs SET n = n + 1 WHERE name = 'search';
END;

CREATE TRIGGER search_epoch_person_merges_delete AFTER DELETE ON person_merges
BEGIN
    UPDATE change_epochs SET n = n + 1 WHERE name = 'search';
END;

CREATE TRIGGER search_epoch_person_merges_update AFTER UPDATE ON person_merges
BEGIN
    UPDATE change_epochs SET n = n + 1 WHERE name = 'search';
END;
