-- Events sent to billers' webhook_url (src/webhooks/): each event is stored here in the transaction that
-- caused it, with its delivery state beside it; the delivery itself is a pg-boss job (schema pgboss,
-- created by pg-boss at start-up) enqueued in that same transaction.

CREATE TABLE events (
  id text PRIMARY KEY CHECK (id ~ '^evt_[0-9A-HJKMNP-TV-Z]{26}$'),
  biller_id text NOT NULL REFERENCES billers (id),
  type text NOT NULL CHECK (
    type IN ('payment_intent.succeeded', 'payment_intent.failed', 'receipt.issued', 'refund.succeeded')
  ),
  data jsonb NOT NULL CHECK (jsonb_typeof(data) = 'object'),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- pending: a delivery job owns it (first attempt or retries); delivered: a 2xx answered; dead: every
  -- retry failed, kept for a redelivery; no_endpoint: the biller had no webhook_url, nothing was sent.
  delivery_status text NOT NULL CHECK (delivery_status IN ('pending', 'delivered', 'dead', 'no_endpoint')),
  -- The pg-boss job that currently owns the delivery. A redelivery replaces it, and a job that finds
  -- another id here stands down, so an old job's late retry or dead-lettering changes nothing.
  delivery_job_id uuid,
  -- Every attempt counts, redeliveries included.
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- "HTTP 503", "ECONNREFUSED", "timeout": never a header, a body or a secret.
  last_error text CHECK (length(last_error) <= 200),
  last_attempt_at timestamptz,
  delivered_at timestamptz,
  dead_at timestamptz,
  CONSTRAINT events_pending_has_job CHECK (delivery_status <> 'pending' OR delivery_job_id IS NOT NULL),
  CONSTRAINT events_delivered_has_time CHECK (delivery_status <> 'delivered' OR delivered_at IS NOT NULL),
  CONSTRAINT events_dead_has_time CHECK (delivery_status <> 'dead' OR dead_at IS NOT NULL),
  CONSTRAINT events_attempted_has_time CHECK (attempts = 0 OR last_attempt_at IS NOT NULL)
);

-- A biller's list, newest first (ids sort by creation).
CREATE INDEX events_by_biller ON events (biller_id, id);
