-- Fee receipts (biên lai thu phí, lệ phí): the Ed25519 keys that sign them, each biller's receipt
-- series, the gapless counter per series, and the receipts with their signed JWS (docs/adr/0006).

-- Signing keys are shared by every hub process through this table. The private key is never here in
-- the clear: it is PKCS#8 sealed with AES-256-GCM under the key-encryption key (KEK), which lives
-- outside the database (RECEIPT_KEY_ENCRYPTION_KEY or HUB_DATA_DIR/receipt-kek).
CREATE TABLE receipt_signing_keys (
  -- RFC 7638 thumbprint of the public JWK: the `kid` of every JWS the key signs.
  kid text PRIMARY KEY CHECK (kid ~ '^[A-Za-z0-9_-]{43}$'),
  public_jwk jsonb NOT NULL CHECK (public_jwk ->> 'kty' = 'OKP' AND public_jwk ->> 'crv' = 'Ed25519'),
  -- 12 bytes of nonce, 16 of tag, then the sealed PKCS#8 DER (48 bytes for Ed25519).
  private_key_sealed bytea NOT NULL CHECK (octet_length(private_key_sealed) > 28),
  -- HMAC of a constant under the KEK: tells at start-up that a process holds another KEK, without
  -- revealing anything about the KEK itself.
  kek_id text NOT NULL CHECK (kek_id ~ '^[A-Za-z0-9_-]{22}$'),
  status text NOT NULL CHECK (status IN ('active', 'retired')),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  retired_at timestamptz,
  CONSTRAINT receipt_signing_keys_retired_has_time CHECK ((status = 'retired') = (retired_at IS NOT NULL))
);

-- At most one key signs at a time; a rotation retires the old one in the same transaction.
CREATE UNIQUE INDEX receipt_signing_keys_one_active ON receipt_signing_keys ((true)) WHERE status = 'active';

-- The symbols a biller registered with the tax authority (Circular 78/2021, replaced by 32/2025):
-- configuration, not constants. A biller without a row uses the defaults in receipts.service.ts.
CREATE TABLE receipt_series (
  biller_id text PRIMARY KEY REFERENCES billers (id),
  receipt_name text NOT NULL CHECK (length(receipt_name) BETWEEN 1 AND 200),
  template_symbol text NOT NULL CHECK (template_symbol ~ '^[A-Za-z0-9/.-]{1,20}$'),
  series_symbol text NOT NULL CHECK (series_symbol ~ '^[A-Za-z0-9/.-]{1,20}$'),
  collector_address text CHECK (length(collector_address) BETWEEN 1 AND 300),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The last number given in each (biller, template, series). Issuing increments it with
-- INSERT ... ON CONFLICT DO UPDATE ... RETURNING inside the payment's transaction: the row stays locked
-- until that transaction ends, so a commit keeps its number for good and a rollback gives it back.
CREATE TABLE receipt_counters (
  biller_id text NOT NULL REFERENCES billers (id),
  template_symbol text NOT NULL,
  series_symbol text NOT NULL,
  last_number bigint NOT NULL CHECK (last_number >= 1),
  PRIMARY KEY (biller_id, template_symbol, series_symbol)
);

CREATE TABLE receipts (
  id text PRIMARY KEY CHECK (id ~ '^rcp_[0-9A-HJKMNP-TV-Z]{26}$'),
  biller_id text NOT NULL REFERENCES billers (id),
  receipt_name text NOT NULL,
  template_symbol text NOT NULL,
  series_symbol text NOT NULL,
  number bigint NOT NULL CHECK (number >= 1),
  collector_name text NOT NULL,
  collector_tax_id text,
  collector_address text,
  -- No foreign keys: bills and payment intents are other modules' tables; the ids are kept as given.
  bill_id text CHECK (bill_id ~ '^bill_[0-9A-HJKMNP-TV-Z]{26}$'),
  payment_intent_id text CHECK (payment_intent_id ~ '^pi_[0-9A-HJKMNP-TV-Z]{26}$'),
  payer_name text NOT NULL CHECK (length(payer_name) BETWEEN 1 AND 200),
  payer_id_number text CHECK (length(payer_id_number) BETWEEN 1 AND 50),
  payer_address text CHECK (length(payer_address) BETWEEN 1 AND 300),
  -- [{"fee_name": "...", "amount": "150000"}]: amounts as decimal strings, they sum to amount.
  lines jsonb NOT NULL CHECK (jsonb_typeof(lines) = 'array' AND jsonb_array_length(lines) BETWEEN 1 AND 100),
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL CHECK (currency = 'VND'),
  amount_in_words text NOT NULL,
  payment_method text NOT NULL CHECK (length(payment_method) BETWEEN 1 AND 50),
  gateway_transaction_id text CHECK (length(gateway_transaction_id) BETWEEN 1 AND 100),
  paid_at timestamptz NOT NULL,
  issued_at timestamptz NOT NULL,
  kid text NOT NULL REFERENCES receipt_signing_keys (kid),
  jws text NOT NULL,
  status text NOT NULL CHECK (status IN ('issued', 'cancelled')),
  cancelled_at timestamptz,
  cancellation_reason text CHECK (length(cancellation_reason) BETWEEN 1 AND 500),
  cancellation_jws text,
  -- The backstop of the counter: whatever the code does, a number is never given twice in a series.
  CONSTRAINT receipts_number_unique UNIQUE (biller_id, template_symbol, series_symbol, number),
  CONSTRAINT receipts_cancellation_complete CHECK (
    (status = 'cancelled') = (cancelled_at IS NOT NULL AND cancellation_reason IS NOT NULL
                              AND cancellation_jws IS NOT NULL))
);

CREATE INDEX receipts_by_biller ON receipts (biller_id, id);
