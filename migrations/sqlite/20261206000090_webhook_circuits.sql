-- Fair delivery: an endpoint that keeps failing has its circuit opened; its deliveries wait
-- (none are dropped) until circuit_open_until, then one try decides. consecutive_failures
-- counts attempts without a 2xx since the last success.
ALTER TABLE webhook_endpoints ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhook_endpoints ADD COLUMN circuit_open_until INTEGER;
-- The in-flight counts of the fair claim read leased pending deliveries per tenant and endpoint.
CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (locked_until) WHERE status = 'pending';
