-- Bills (what a biller asks a payer to pay), the parking operators' tariffs the hub prices stays with,
-- and which final hospital bill deducted which deposit (docs/bills.md).

CREATE TABLE bills (
  id text PRIMARY KEY CHECK (id ~ '^bill_[0-9A-HJKMNP-TV-Z]{26}$'),
  biller_id text NOT NULL REFERENCES billers (id),
  kind text NOT NULL CHECK (kind IN ('fee', 'parking', 'hospital')),
  -- The biller's own id for the bill (dossier code, parking session, invoice); see the unique index.
  reference text NOT NULL CHECK (reference ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
  -- Hospital bills only: a deposit (tam ung) or the final bill at discharge.
  stage text CHECK ((kind = 'hospital') = (stage IS NOT NULL) AND stage IN ('deposit', 'final')),
  payer jsonb NOT NULL CHECK (jsonb_typeof(payer) = 'object'),
  -- The lines as normalized by src/bills/bill.schema.ts, amounts as decimal strings so that jsonb
  -- never turns them into floats; the repository reads them back with BigInt and checks the total.
  lines jsonb NOT NULL CHECK (jsonb_typeof(lines) = 'array' AND jsonb_array_length(lines) BETWEEN 1 AND 100),
  -- VND (1 = 1 dong). For a final hospital bill: the patient's share, before deposits.
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL DEFAULT 'VND' CHECK (currency = 'VND'),
  -- 'open' stays stored past expires_at: every read computes 'expired' (bills.repository.ts), and
  -- a write that needs the difference (cancel, a reused reference) stores it first.
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'expired', 'cancelled')),
  expires_at timestamptz,
  -- The kind's own fields (procedure code; lot, plate, stay; invoice, patient, insurance split,
  -- deposits applied), bigints as decimal strings.
  details jsonb NOT NULL CHECK (jsonb_typeof(details) = 'object'),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  paid_at timestamptz,
  cancelled_at timestamptz,
  CONSTRAINT bills_expiry_after_creation CHECK (expires_at IS NULL OR expires_at > created_at),
  CONSTRAINT bills_paid_has_time CHECK ((status = 'paid') = (paid_at IS NOT NULL)),
  CONSTRAINT bills_cancelled_has_time CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);

-- A reference names one live bill per biller and kind: a second bill for the same dossier while the
-- first is open or paid would let a citizen pay twice. A cancelled or expired bill frees its
-- reference, so a biller can correct a bill by cancelling it and issuing it again.
CREATE UNIQUE INDEX bills_live_reference ON bills (biller_id, kind, reference)
  WHERE status IN ('open', 'paid');

-- The list (newest first, per biller) and its reference filter.
CREATE INDEX bills_by_biller ON bills (biller_id, id);
CREATE INDEX bills_by_reference ON bills (biller_id, reference, id);

-- A deposit is deducted by one final bill only: the primary key is the deposit. A final bill that
-- is cancelled or expires gives its deposits back (the row is deleted when another final bill names
-- them), so the hospital can issue a corrected one.
CREATE TABLE hospital_deposit_deductions (
  deposit_bill_id text PRIMARY KEY REFERENCES bills (id),
  final_bill_id text NOT NULL REFERENCES bills (id),
  -- The whole deposit, as paid; the final bill's details say how much of it pays the share.
  amount bigint NOT NULL CHECK (amount > 0),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT hospital_deposit_deductions_not_itself CHECK (deposit_bill_id <> final_bill_id)
);

CREATE INDEX hospital_deposit_deductions_by_final ON hospital_deposit_deductions (final_bill_id);

-- One tariff per parking operator, as src/bills/parking-tariff.ts parses it (prices as decimal
-- strings). Replaced whole by PUT /v1/billers/{id}/parking_tariff; bills keep the amount they were
-- priced at, so a new tariff never changes a bill already issued.
CREATE TABLE parking_tariffs (
  biller_id text PRIMARY KEY REFERENCES billers (id),
  tariff jsonb NOT NULL CHECK (jsonb_typeof(tariff) = 'object'),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
