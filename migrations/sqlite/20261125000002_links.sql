-- Hosted pairing links, tenant settings (branding, default sender) and message templates.
CREATE TABLE links (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    number_id          TEXT REFERENCES numbers (id) ON DELETE CASCADE,
    -- SHA-256 of the token; the token itself is never stored.
    token_hash         TEXT NOT NULL UNIQUE,
    provider           TEXT NOT NULL,
    meta_flow          TEXT,
    -- The per-link branding override, as validated JSON.
    branding           TEXT NOT NULL DEFAULT '{}',
    redirect_url       TEXT,
    refresh_url        TEXT,
    external_ref       TEXT,
    locale             TEXT,
    created_at         INTEGER NOT NULL,
    expires_at         INTEGER NOT NULL,
    opened_at          INTEGER,
    -- Set when the link dies before expiry: used, revoked or replaced by a newer link.
    ended_at           INTEGER,
    end_reason         TEXT,
    -- Set once `link.expired` has been written, so the sweeper reports each expiry once.
    expiry_noticed_at  INTEGER
);
CREATE INDEX links_number ON links (tenant_id, number_id);
CREATE INDEX links_due ON links (expires_at) WHERE ended_at IS NULL AND expiry_noticed_at IS NULL;

CREATE TABLE tenant_settings (
    tenant_id                TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    branding                 TEXT NOT NULL DEFAULT '{}',
    default_sender_number_id TEXT REFERENCES numbers (id) ON DELETE SET NULL,
    updated_at               INTEGER NOT NULL
);

CREATE TABLE templates (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    category   TEXT NOT NULL,
    language   TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX templates_name ON templates (tenant_id, name, language);
