-- A page of a tenant's live numbers in the API's order, (created_at, id): read in index order
-- from the cursor on, instead of from the tenant's first number with each run of equal
-- created_at sorted again (#24).
CREATE INDEX numbers_live_order ON numbers (tenant_id, created_at, id) WHERE deleted_at IS NULL;
