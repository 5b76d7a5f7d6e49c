-- Timestamps are Unix milliseconds (INTEGER) so that SQLite and PostgreSQL compare them alike.
CREATE TABLE tenants (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE numbers (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    phone            TEXT NOT NULL,
    provider         TEXT NOT NULL,
    engine           TEXT NOT NULL,
    engine_ref       TEXT NOT NULL DEFAULT '{}',
    state            TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    connected_at     INTEGER,
    deleted_at       INTEGER,
    restorable_until INTEGER
);
-- One live number per phone in a tenant; deleted ones wait in their restore window.
CREATE UNIQUE INDEX numbers_live_phone ON numbers (tenant_id, phone) WHERE deleted_at IS NULL;
CREATE INDEX numbers_tenant ON numbers (tenant_id, created_at);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    number_id    TEXT REFERENCES numbers (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    key_last4    TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

-- The outbox: every event is written in the transaction of the change that caused it.
-- number_id has no foreign key on purpose: events outlive a purged number.
CREATE TABLE events (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    number_id  TEXT,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX events_number ON events (tenant_id, number_id, created_at);
