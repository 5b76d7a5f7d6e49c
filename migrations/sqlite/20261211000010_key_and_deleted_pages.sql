-- The dashboard's list of API keys, a page at a time, newest first (keyset on created_at, id):
-- a tenant with a key per number reads a page in index order instead of sorting them all.
CREATE INDEX api_keys_tenant_created ON api_keys (tenant_id, created_at, id);
-- The restorable deleted numbers, newest deletion first, without walking the live ones.
CREATE INDEX numbers_tenant_deleted ON numbers (tenant_id, deleted_at, id) WHERE deleted_at IS NOT NULL;
