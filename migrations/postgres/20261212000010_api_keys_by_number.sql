-- A number's own API keys (a number's detail, a page of numbers), not a scan of the tenant's.
CREATE INDEX api_keys_number ON api_keys (number_id);
