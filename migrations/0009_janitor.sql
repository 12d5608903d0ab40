-- The janitor (src/janitor/, docs/payment-intents.md "Janitor"): intents without a callback are queried
-- at their gateway. What it asked and when, so operators see the intents the gateway could not settle,
-- and several hub processes never query one intent at the same time (a claim sets last_queried_at).

ALTER TABLE payment_intents
  ADD COLUMN last_queried_at timestamptz,
  ADD COLUMN query_attempts integer NOT NULL DEFAULT 0 CHECK (query_attempts >= 0),
  -- What the last query found: the gateway's status and code, `unreachable`, or `rejected:<reason>`.
  ADD COLUMN last_query_result text;

-- The intents a run considers (still waiting for a gateway's word), oldest first.
CREATE INDEX payment_intents_unsettled ON payment_intents (created_at)
  WHERE status IN ('requires_action', 'processing');

-- The open bills that carry an expiry, for the bills' expiry step.
CREATE INDEX bills_open_expiry ON bills (expires_at) WHERE status = 'open' AND expires_at IS NOT NULL;
