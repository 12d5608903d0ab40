-- Refunds (src/refunds/, docs/refunds.md): money given back on a succeeded payment intent, full or in
-- parts, through the intent's gateway. A refund is recorded (pending) and its amount reserved in the
-- ledger before the gateway is asked, so a process that dies around the call loses nothing.

CREATE TABLE refunds (
  id text PRIMARY KEY CHECK (id ~ '^re_[0-9A-HJKMNP-TV-Z]{26}$'),
  biller_id text NOT NULL REFERENCES billers (id),
  payment_intent_id text NOT NULL REFERENCES payment_intents (id),
  gateway text NOT NULL CHECK (gateway IN ('vnpay', 'momo', 'zalopay', 'vietqr')),
  -- VND (1 = 1 dong). Pending and succeeded refunds of an intent never add up to more than it was paid
  -- (checked under the intent's row lock, refunds.repository.ts).
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL DEFAULT 'VND' CHECK (currency = 'VND'),
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 255),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
  gateway_refund_id text CHECK (length(gateway_refund_id) BETWEEN 1 AND 100),
  -- The gateway's own result code(s) of the last answer, for support.
  gateway_code text CHECK (length(gateway_code) BETWEEN 1 AND 100),
  failure_code text CHECK (length(failure_code) BETWEEN 1 AND 100),
  -- SHA-256 of the caller's scope and Idempotency-Key: a retry after a crash between the refund's own
  -- commit and the stored answer's finds this refund instead of making a second one.
  idempotency_key_hash bytea CHECK (octet_length(idempotency_key_hash) = 32),
  -- What became of the receipts: the original cancelled, or a refund receipt issued (receipt_id).
  receipt_action text CHECK (receipt_action IN ('cancelled', 'refund_receipt')),
  receipt_id text REFERENCES receipts (id),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  succeeded_at timestamptz,
  CONSTRAINT refunds_failed_has_code CHECK ((status = 'failed') = (failure_code IS NOT NULL)),
  CONSTRAINT refunds_succeeded_has_time CHECK ((status = 'succeeded') = (succeeded_at IS NOT NULL)),
  CONSTRAINT refunds_receipt_once_succeeded CHECK (receipt_id IS NULL OR status = 'succeeded'),
  CONSTRAINT refunds_receipt_action_with_receipt CHECK ((receipt_action IS NULL) = (receipt_id IS NULL))
);

CREATE UNIQUE INDEX refunds_idempotency_key ON refunds (biller_id, idempotency_key_hash)
  WHERE idempotency_key_hash IS NOT NULL;
-- The list (newest first, per biller), its payment_intent filter, and the sweep of pending refunds.
CREATE INDEX refunds_by_biller ON refunds (biller_id, id);
CREATE INDEX refunds_by_intent ON refunds (payment_intent_id, id);
CREATE INDEX refunds_pending ON refunds (updated_at) WHERE status = 'pending';

-- Refund receipts: numbered in the biller's series like any receipt, signed, and pointing at the
-- receipt of the payment they refund. Payment receipts keep kind 'payment' and sign what they did.
ALTER TABLE receipts
  ADD COLUMN kind text NOT NULL DEFAULT 'payment' CHECK (kind IN ('payment', 'refund')),
  ADD COLUMN refund_of text REFERENCES receipts (id),
  ADD COLUMN refund_id text CHECK (refund_id ~ '^re_[0-9A-HJKMNP-TV-Z]{26}$'),
  ADD CONSTRAINT receipts_refund_complete
    CHECK ((kind = 'refund') = (refund_of IS NOT NULL AND refund_id IS NOT NULL));

-- One refund receipt per refund, whatever retries happen.
CREATE UNIQUE INDEX receipts_one_per_refund ON receipts (refund_id) WHERE refund_id IS NOT NULL;
