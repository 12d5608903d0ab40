-- Agency payouts (src/payouts/, docs/reports.md#payouts): what each agency is owed, paid out of the hub's
-- collection account in batches. A batch reserves each agency's amount in the ledger (a pending transfer
-- payable -> bank:collection per item) and becomes a file for the treasury or the bank; once the bank
-- confirms, the reservations are posted; a cancelled batch voids them.

-- Where an agency is paid: its account at the State Treasury (Kho bac Nha nuoc) or a bank. Nullable:
-- a biller without them can still be paid out, and its line in the file says the account is missing.
ALTER TABLE billers
  ADD COLUMN payout_bank text CHECK (length(payout_bank) BETWEEN 1 AND 100),
  ADD COLUMN payout_account_number text CHECK (payout_account_number ~ '^[0-9A-Za-z.-]{1,34}$'),
  ADD COLUMN payout_account_name text CHECK (length(payout_account_name) BETWEEN 1 AND 200),
  ADD CONSTRAINT billers_payout_account_complete CHECK (
    (payout_bank IS NULL) = (payout_account_number IS NULL)
    AND (payout_bank IS NULL) = (payout_account_name IS NULL));

CREATE TABLE payouts (
  id text PRIMARY KEY CHECK (id ~ '^po_[0-9A-HJKMNP-TV-Z]{26}$'),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'cancelled')),
  currency text NOT NULL DEFAULT 'VND' CHECK (currency = 'VND'),
  -- VND: the sum of the items, and how many there are (the file's totals line says the same).
  amount bigint NOT NULL CHECK (amount > 0),
  item_count integer NOT NULL CHECK (item_count >= 1),
  -- SHA-256 (hex) of the batch file's content before its checksum line: the file is rebuilt from these
  -- rows on every download and must hash to this, so what the bank received can always be checked.
  file_sha256 text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  confirmed_at timestamptz,
  cancelled_at timestamptz,
  CONSTRAINT payouts_confirmed_has_time CHECK ((status = 'confirmed') = (confirmed_at IS NOT NULL)),
  CONSTRAINT payouts_cancelled_has_time CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);

-- One line of a batch: one agency, the amount reserved for it (ledger transfer `payout:<item id>`), and
-- its payout account as it was when the batch was made (a later change does not rewrite a sent file).
CREATE TABLE payout_items (
  id text PRIMARY KEY CHECK (id ~ '^poi_[0-9A-HJKMNP-TV-Z]{26}$'),
  payout_id text NOT NULL REFERENCES payouts (id),
  line integer NOT NULL CHECK (line >= 1),
  biller_id text NOT NULL REFERENCES billers (id),
  biller_name text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  bank text,
  account_number text,
  account_name text,
  CONSTRAINT payout_items_one_per_biller UNIQUE (payout_id, biller_id),
  CONSTRAINT payout_items_line_unique UNIQUE (payout_id, line)
);

-- A biller's payouts in its statement.
CREATE INDEX payout_items_by_biller ON payout_items (biller_id, id);
