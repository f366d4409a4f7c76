DROP TRIGGER units_cascade_pemda ON units;
DROP TRIGGER units_set_pemda ON units;
DROP FUNCTION units_cascade_pemda();
DROP FUNCTION units_set_pemda();
ALTER TABLE units DROP COLUMN pemda_id;
