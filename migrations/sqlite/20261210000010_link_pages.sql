-- The dashboard's list of links, a page at a time, newest first (keyset on created_at, id):
-- a page reads its rows in index order instead of sorting all of a tenant's links.
CREATE INDEX links_tenant_created ON links (tenant_id, created_at, id);
