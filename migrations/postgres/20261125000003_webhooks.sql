-- Outgoing webhooks: endpoints, one delivery per event and matching endpoint, and every
-- attempt made. Same schema as the SQLite migration; timestamps are Unix milliseconds.

-- `events` is the subscription list wrapped in commas (',number.created,link.opened,'), so
-- one LIKE matches an event on both backends; ',*,' is every event and '' is none.
-- number_id NULL = tenant-wide. A purged number takes its endpoints with it.
CREATE TABLE webhook_endpoints (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    number_id  TEXT REFERENCES numbers (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    url        TEXT NOT NULL,
    events     TEXT NOT NULL,
    secret     TEXT NOT NULL,
    active     BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, created_at);

-- status: pending | delivered | dead. A worker owns a pending delivery while
-- locked_until is in the future (lease_owner names that claim); `step` is the position in
-- the retry schedule (a replay resets it), `attempts` counts every attempt ever made.
CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    event_kind       TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    step             BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT,
    locked_until     BIGINT,
    lease_owner      TEXT,
    last_status_code BIGINT,
    last_error       TEXT,
    last_attempt_at  BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);

-- status_code NULL when no HTTP answer came (then `error` says why).
CREATE TABLE webhook_attempts (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    delivery_id   TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt       BIGINT NOT NULL,
    status_code   BIGINT,
    error         TEXT,
    latency_ms    BIGINT NOT NULL,
    response_body TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, created_at);
