-- One statement renews every lease a process holds (its holder name is the key).
CREATE INDEX session_leases_holder ON session_leases (holder);

-- The sandbox's stand-in for WhatsApp's servers, shared by every process as WhatsApp is:
-- the one live connection each device may have (a second one replaces the first, which is
-- told so), and the messages WhatsApp accepted, keyed by their id (a message id sent twice
-- is one message, as WhatsApp keeps the first). WhatsApp knows nothing of our numbers: no
-- foreign keys; the engine ends a device's connection when its number goes.
CREATE TABLE sandbox_devices (
    number_id    TEXT PRIMARY KEY,
    connection   TEXT NOT NULL,
    connected_at BIGINT NOT NULL
);
CREATE INDEX sandbox_devices_connection ON sandbox_devices (connection);

CREATE TABLE sandbox_messages (
    id        TEXT PRIMARY KEY,
    -- The order WhatsApp accepted them in (SQLite's rowid does it there).
    seq       BIGSERIAL NOT NULL,
    number_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    body      TEXT NOT NULL,
    sent_at   BIGINT NOT NULL
);
CREATE INDEX sandbox_messages_number ON sandbox_messages (number_id, seq);
