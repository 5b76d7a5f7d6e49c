-- The pairing runtime shared by every process on one database.
--
-- What a number's page shows (the state after our checks, with its QR and pairing code while
-- a window is open), written by the process that owns the number's window or session, so
-- any process serves the same page.
CREATE TABLE link_views (
    number_id      TEXT PRIMARY KEY REFERENCES numbers (id) ON DELETE CASCADE,
    tenant_id      TEXT NOT NULL,
    state          TEXT NOT NULL,
    window_ends_at BIGINT,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX link_views_tenant_window ON link_views (tenant_id, window_ends_at);

-- Work for the process that owns a number (the holder of its lease): open a window, send a
-- message, simulate a phone. `action` and `result` are sealed; the asker deletes the row
-- once it has the result.
CREATE TABLE pairing_commands (
    id         TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    number_id  TEXT NOT NULL,
    action     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    taken_at   BIGINT,
    result     TEXT,
    done_at    BIGINT
);
CREATE INDEX pairing_commands_holder ON pairing_commands (holder, taken_at);
