-- A tenant's number list changes version with every write that can change what the list
-- shows (its numbers, their keys, their Meta accounts), in the same transaction: a page of
-- the list kept in memory is served only while the version it was read at is still the
-- database's (#24). Triggers, so that no write path can forget.
ALTER TABLE tenants ADD COLUMN list_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER numbers_list_insert AFTER INSERT ON numbers BEGIN
    UPDATE tenants SET list_version = list_version + 1 WHERE id = NEW.tenant_id;
END;
CREATE TRIGGER numbers_list_update AFTER UPDATE ON numbers BEGIN
    UPDATE tenants SET list_version = list_version + 1 WHERE id IN (OLD.tenant_id, NEW.tenant_id);
END;
CREATE TRIGGER numbers_list_delete AFTER DELETE ON numbers BEGIN
    UPDATE tenants SET list_version = list_version + 1 WHERE id = OLD.tenant_id;
END;

CREATE TRIGGER api_keys_list_insert AFTER INSERT ON api_keys BEGIN
    UPDATE tenants SET list_version = list_version + 1 WHERE id = NEW.tenant_id;
END;
CREATE TRIGGER api_keys_list_update AFTER UPDATE ON api_keys BEGIN
    UPDATE tenants SET list_version = list_version + 1 WHERE id IN (OLD.tenant_id, NEW.tenant_id);
END;
CREATE TRIGGER api_keys_list_delete AFTER DELETE ON api_keys BEGIN
    UPDATE tenants SET list_version = list_version + 1 WHERE id = OLD.tenant_id;
END;

CREATE TRIGGER meta_numbers_list_insert AFTER INSERT ON meta_numbers BEGIN
    UPDATE tenants SET list_version = list_version + 1 WHERE id = NEW.tenant_id;
END;
CREATE TRIGGER meta_numbers_list_update AFTER UPDATE ON meta_numbers BEGIN
    UPDATE tenants SET list_version = list_version + 1 WHERE id IN (OLD.tenant_id, NEW.tenant_id);
END;
CREATE TRIGGER meta_numbers_list_delete AFTER DELETE ON meta_numbers BEGIN
    UPDATE tenants SET list_version = list_version + 1 WHERE id = OLD.tenant_id;
END;
