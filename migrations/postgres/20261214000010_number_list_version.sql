-- A tenant's number list changes version with every write that can change what the list
-- shows (its numbers, their keys, their Meta accounts), in the same transaction: a page of
-- the list kept in memory is served only while the version it was read at is still the
-- database's (#24). Triggers, so that no write path can forget. Once per statement and
-- tenant, so a bulk write bumps the tenant's row once, not once per row.
ALTER TABLE tenants ADD COLUMN list_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION bump_list_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE tenants SET list_version = list_version + 1 WHERE id IN (SELECT DISTINCT tenant_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE tenants SET list_version = list_version + 1 WHERE id IN (SELECT DISTINCT tenant_id FROM old_rows);
    ELSE
        UPDATE tenants SET list_version = list_version + 1
        WHERE id IN (SELECT tenant_id FROM new_rows UNION SELECT tenant_id FROM old_rows);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER numbers_list_insert AFTER INSERT ON numbers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_list_version();
CREATE TRIGGER numbers_list_update AFTER UPDATE ON numbers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_list_version();
CREATE TRIGGER numbers_list_delete AFTER DELETE ON numbers REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_list_version();

CREATE TRIGGER api_keys_list_insert AFTER INSERT ON api_keys REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_list_version();
CREATE TRIGGER api_keys_list_update AFTER UPDATE ON api_keys REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_list_version();
CREATE TRIGGER api_keys_list_delete AFTER DELETE ON api_keys REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_list_version();

CREATE TRIGGER meta_numbers_list_insert AFTER INSERT ON meta_numbers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_list_version();
CREATE TRIGGER meta_numbers_list_update AFTER UPDATE ON meta_numbers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_list_version();
CREATE TRIGGER meta_numbers_list_delete AFTER DELETE ON meta_numbers REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_list_version();
