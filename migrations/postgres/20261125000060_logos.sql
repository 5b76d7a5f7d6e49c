-- Logos tenants upload for their connect pages, served at /assets/logos/{id}. The bytes
-- live here so every process serves them and backups hold them; at most 2 MB each.
-- Same schema as the SQLite migration.
CREATE TABLE logos (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    mime_type  TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    content    BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX logos_tenant ON logos (tenant_id, created_at);
