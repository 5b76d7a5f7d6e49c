-- A tenant's number list changes version with every write that can change what the list
-- shows (its numbers, their keys, their Meta accounts), in the same transaction: a page of
-- the list kept in memory is served only while the version it was read at is still the
-- database's (#24). Triggers, so that no write path can forget.
--
-- Deferred to commit: a transaction takes its tenant's row only as it commits, after every
-- row lock it will take, so writes for one tenant never wait for each other's transactions to
-- end, and a transaction that locks several rows cannot deadlock with one that locks one.
ALTER TABLE tenants ADD COLUMN list_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION bump_list_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE tenants SET list_version = list_version + 1 WHERE id = OLD.tenant_id;
    ELSE
        UPDATE tenants SET list_version = list_version + 1 WHERE id = NEW.tenant_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER numbers_list_version AFTER INSERT OR UPDATE OR DELETE ON numbers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_list_version();
CREATE CONSTRAINT TRIGGER api_keys_list_version AFTER INSERT OR UPDATE OR DELETE ON api_keys
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_list_version();
CREATE CONSTRAINT TRIGGER meta_numbers_list_version AFTER INSERT OR UPDATE OR DELETE ON meta_numbers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_list_version();
