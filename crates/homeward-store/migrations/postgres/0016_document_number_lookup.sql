-- Search by document number compares numbers as a registrar types them: upper case, spaces
-- removed. Without an index on that form, every search read every document.
CREATE INDEX documents_number_compact ON documents (UPPER(REPLACE(number, ' ', '')));
