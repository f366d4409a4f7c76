-- Each unit's Pemda (the nearest province, regency or city at or above it), kept on the row so that finding a
-- caller's Pemda, which every authenticated request does, is one indexed join instead of a walk up the tree. The
-- triggers below own the column: the service never writes it.
ALTER TABLE units ADD COLUMN pemda_id uuid REFERENCES units (id);

CREATE FUNCTION units_set_pemda() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind IN ('province', 'regency', 'city') THEN
        NEW.pemda_id := NEW.id;
    ELSE
        NEW.pemda_id := (SELECT pemda_id FROM units WHERE id = NEW.parent_id);
    END IF;
    RETURN NEW;
END;
$$;

-- A unit moved to another Pemda takes its whole subtree along: each child's own BEFORE trigger recomputes its
-- pemda_id from the (already updated) parent, and its AFTER trigger carries the change one level further down.
CREATE FUNCTION units_cascade_pemda() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE units SET pemda_id = NEW.pemda_id WHERE parent_id = NEW.id;
    RETURN NULL;
END;
$$;

-- Existing rows, top down, before the triggers exist (they would recompute each row from a parent not yet filled).
WITH RECURSIVE tree AS (
    SELECT id, id AS pemda_id FROM units WHERE kind IN ('province', 'regency', 'city')
    UNION ALL
    SELECT child.id, tree.pemda_id
    FROM units child JOIN tree ON child.parent_id = tree.id
    WHERE child.kind NOT IN ('province', 'regency', 'city')
)
UPDATE units SET pemda_id = tree.pemda_id FROM tree WHERE units.id = tree.id;

CREATE TRIGGER units_set_pemda BEFORE INSERT OR UPDATE ON units
    FOR EACH ROW EXECUTE FUNCTION units_set_pemda();
CREATE TRIGGER units_cascade_pemda AFTER UPDATE ON units
    FOR EACH ROW WHEN (OLD.pemda_id IS DISTINCT FROM NEW.pemda_id) EXECUTE FUNCTION units_cascade_pemda();

CREATE INDEX units_pemda_id_idx ON units (pemda_id);
