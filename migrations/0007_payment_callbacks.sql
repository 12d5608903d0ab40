-- Gateway callbacks (src/payments/): when an intent was paid, and the payments a person must look at.

ALTER TABLE payment_intents ADD COLUMN paid_at timestamptz;

-- A verified callback the hub could not simply apply: an amount that differs from the intent's (nothing
-- paid, the gateway answered 04), a second payment of a bill already paid or no longer open (booked to
-- the gateway's suspense account, no receipt), or a status the gateway leaves open. Never dropped.
CREATE TABLE payment_reviews (
  id bigserial PRIMARY KEY,
  gateway text NOT NULL CHECK (gateway IN ('vnpay', 'momo', 'zalopay', 'vietqr')),
  reason text NOT NULL
    CHECK (reason IN ('amount_mismatch', 'duplicate_payment', 'bill_not_open', 'gateway_pending')),
  reference text NOT NULL,
  gateway_txn_id text NOT NULL,
  payment_intent_id text REFERENCES payment_intents (id),
  bill_id text REFERENCES bills (id),
  -- VND: what the gateway says was paid, and what the intent expected.
  amount bigint NOT NULL,
  expected_amount bigint,
  -- The ledger transfer that holds the money (suspense), when one was posted.
  transfer_id text,
  gateway_code text NOT NULL,
  raw jsonb NOT NULL,
  resolved_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- A retried callback finds its review already there.
  CONSTRAINT payment_reviews_once UNIQUE (gateway, gateway_txn_id, reference, reason)
);

CREATE INDEX payment_reviews_open ON payment_reviews (created_at) WHERE resolved_at IS NULL;
