-- One owner per live WhatsApp session: the process whose lease is in force runs it.
CREATE TABLE session_leases (
    number_id  TEXT PRIMARY KEY REFERENCES numbers (id) ON DELETE CASCADE,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

-- A copy of each embedded device's key store, for a takeover on another machine.
CREATE TABLE device_keys (
    number_id  TEXT PRIMARY KEY REFERENCES numbers (id) ON DELETE CASCADE,
    store      BLOB NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Per tenant: the engine new numbers get (NULL: the deployment's default), and whether
-- number.disconnected carries a fresh re-pair link.
ALTER TABLE tenant_settings ADD COLUMN engine TEXT;
ALTER TABLE tenant_settings ADD COLUMN repair_link_on_disconnect BOOLEAN NOT NULL DEFAULT FALSE;
