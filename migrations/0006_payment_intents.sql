-- Payment intents: one row per attempt to pay a bill through one gateway (docs/payment-intents.md).
-- A bill may have many attempts; the database itself refuses a second succeeded one.

CREATE TABLE payment_intents (
  id text PRIMARY KEY CHECK (id ~ '^pi_[0-9A-HJKMNP-TV-Z]{26}$'),
  biller_id text NOT NULL REFERENCES billers (id),
  bill_id text NOT NULL REFERENCES bills (id),
  method text NOT NULL CHECK (method IN ('vnpay', 'momo', 'zalopay', 'vietqr')),
  status text NOT NULL DEFAULT 'requires_action'
    CHECK (status IN ('requires_action', 'processing', 'succeeded', 'failed', 'expired', 'canceled')),
  -- VND (1 = 1 dong): the bill's amount due when the attempt was made.
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL DEFAULT 'VND' CHECK (currency = 'VND'),
  -- The attempt's reference at every gateway (docs/adr/0004): PZ + 12 Crockford base32. Unique, so
  -- a collision is refused here and never shared by two attempts.
  reference text NOT NULL UNIQUE CHECK (reference ~ '^PZ[0-9A-HJKMNP-TV-Z]{12}$'),
  gateway_txn_id text,
  -- What the payer does next ({type: redirect, url} or {type: vietqr, payload}); null between the
  -- intent being recorded and the gateway's answer, and when the gateway declined.
  next_action jsonb CHECK (next_action IS NULL OR jsonb_typeof(next_action) = 'object'),
  return_url text NOT NULL,
  failure_code text,
  receipt_id text REFERENCES receipts (id),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at timestamptz NOT NULL,
  CONSTRAINT payment_intents_expiry_after_creation CHECK (expires_at > created_at),
  CONSTRAINT payment_intents_failed_has_code CHECK ((status = 'failed') = (failure_code IS NOT NULL)),
  CONSTRAINT payment_intents_receipt_once_succeeded CHECK (receipt_id IS NULL OR status = 'succeeded')
);

-- Only one attempt per bill can succeed: a second payment of the same bill is a refund, not a success.
CREATE UNIQUE INDEX payment_intents_one_success_per_bill ON payment_intents (bill_id)
  WHERE status = 'succeeded';

-- The list (newest first, per biller), its bill filter, and a bill's attempts.
CREATE INDEX payment_intents_by_biller ON payment_intents (biller_id, id);
CREATE INDEX payment_intents_by_bill ON payment_intents (bill_id, id);
