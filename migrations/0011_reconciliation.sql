-- Reconciliation (src/reconciliation/, docs/reconciliation.md): a gateway's daily settlement file is
-- imported as one run (its rows staged), matched against the hub's intents and refunds with set-based
-- SQL, and every difference kept as an exception for an operator. A run, its rows, its exceptions and
-- its settlement posting commit together or not at all: a bad line anywhere leaves nothing.

-- A public id after src/common/ids.ts (prefix, 10 characters of milliseconds, 16 random ones in
-- Crockford base32), made in SQL so that thousands of exceptions are inserted in one statement.
CREATE FUNCTION reconciliation_id(prefix text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  ms bigint := floor(extract(epoch FROM clock_timestamp()) * 1000);
  bytes bytea := decode(md5(random()::text || clock_timestamp()::text), 'hex');
  body text := '';
BEGIN
  FOR i IN 1..10 LOOP
    body := substr(alphabet, (ms % 32)::int + 1, 1) || body;
    ms := ms / 32;
  END LOOP;
  FOR i IN 0..15 LOOP
    body := body || substr(alphabet, (get_byte(bytes, i) & 31) + 1, 1);
  END LOOP;
  RETURN prefix || '_' || body;
END
$$;

CREATE TABLE reconciliation_runs (
  id text PRIMARY KEY CHECK (id ~ '^rcn_[0-9A-HJKMNP-TV-Z]{26}$'),
  gateway text NOT NULL CHECK (gateway IN ('vnpay', 'momo', 'zalopay', 'vietqr')),
  -- The Vietnam calendar day the file covers.
  settlement_date date NOT NULL,
  -- SHA-256 of the file's bytes: the same file imported again finds this run and changes nothing.
  file_sha256 bytea NOT NULL CHECK (octet_length(file_sha256) = 32),
  file_bytes bigint NOT NULL CHECK (file_bytes >= 0),
  -- matched: imported and matched, the confirmations of missing_in_hub rows not yet done;
  -- completed: those done too (each confirmed one posted late, or left open with what the query said).
  status text NOT NULL CHECK (status IN ('matched', 'completed')),
  rows_total integer NOT NULL CHECK (rows_total >= 0),
  payment_rows integer NOT NULL CHECK (payment_rows >= 0),
  refund_rows integer NOT NULL CHECK (refund_rows >= 0),
  -- Rows that agree with the hub, and the exceptions found (rows and hub items alike).
  matched integer NOT NULL CHECK (matched >= 0),
  exceptions integer NOT NULL CHECK (exceptions >= 0),
  -- VND. The file's totals (the trailer's), and what the gateway pays out: succeeded payment rows'
  -- amount − fee, less succeeded refund rows' amount (negative when refunds exceed payments).
  amount_total bigint NOT NULL,
  fee_total bigint NOT NULL,
  payout bigint NOT NULL,
  -- The ledger transfer bank:collection ← clearing:<gateway> for the payout (null when it is 0).
  settlement_transfer_id text,
  -- clearing:<gateway>'s posted balance once the run is done (settlement and late postings): 0 when
  -- every day up to this one is fully settled; anything else is the residue to explain.
  clearing_balance bigint,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  completed_at timestamptz,
  CONSTRAINT reconciliation_runs_file_once UNIQUE (gateway, settlement_date, file_sha256),
  CONSTRAINT reconciliation_runs_completed_has_time CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);

CREATE INDEX reconciliation_runs_by_gateway ON reconciliation_runs (gateway, settlement_date);

-- The file's rows as the adapter normalised them (contract SettlementRow), staged for the matching
-- joins and kept as the run's record. No index but the run's: rows are only ever read a run at a time.
-- No foreign key either: a million per-row checks would be most of an import's cost, and rows are only
-- ever inserted by the import that inserted their run, in the same transaction.
CREATE TABLE reconciliation_rows (
  run_id text NOT NULL,
  line integer NOT NULL CHECK (line > 0),
  kind text NOT NULL CHECK (kind IN ('payment', 'refund')),
  merchant_ref text NOT NULL,
  gateway_txn_id text NOT NULL,
  refund_ref text,
  amount bigint NOT NULL CHECK (amount > 0),
  fee bigint NOT NULL CHECK (fee >= 0),
  status text NOT NULL CHECK (status IN ('succeeded', 'failed', 'pending')),
  transacted_at timestamptz NOT NULL
);

CREATE INDEX reconciliation_rows_by_run ON reconciliation_rows (run_id, line);

-- What did not match, one row per difference. Resolutions (late capture, refund, write-off, fee
-- adjustment) set status, resolution, resolved_at/by and the ledger transfer they posted.
CREATE TABLE reconciliation_exceptions (
  id text PRIMARY KEY CHECK (id ~ '^rcx_[0-9A-HJKMNP-TV-Z]{26}$'),
  run_id text NOT NULL REFERENCES reconciliation_runs (id),
  gateway text NOT NULL CHECK (gateway IN ('vnpay', 'momo', 'zalopay', 'vietqr')),
  kind text NOT NULL CHECK (kind IN ('missing_in_hub', 'missing_in_gateway', 'amount_mismatch',
                                     'status_mismatch', 'duplicate', 'fee_mismatch')),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
  -- The file's line (null for missing_in_gateway: the hub's item is not in the file).
  line integer CHECK (line > 0),
  row_kind text NOT NULL CHECK (row_kind IN ('payment', 'refund')),
  merchant_ref text,
  gateway_txn_id text,
  refund_ref text,
  payment_intent_id text REFERENCES payment_intents (id),
  refund_id text REFERENCES refunds (id),
  -- VND: what the file says and what the hub has (either null when that side has nothing).
  file_amount bigint,
  hub_amount bigint,
  file_fee bigint,
  expected_fee bigint,
  file_status text,
  hub_status text,
  details jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
  resolution text CHECK (length(resolution) BETWEEN 1 AND 64),
  resolved_at timestamptz,
  resolved_by text CHECK (length(resolved_by) BETWEEN 1 AND 200),
  transfer_id text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT reconciliation_exceptions_resolved CHECK (
    (status = 'resolved') = (resolved_at IS NOT NULL AND resolution IS NOT NULL AND resolved_by IS NOT NULL)
  ),
  CONSTRAINT reconciliation_exceptions_line CHECK ((kind = 'missing_in_gateway') = (line IS NULL))
);

CREATE INDEX reconciliation_exceptions_by_run ON reconciliation_exceptions (run_id, id);
CREATE INDEX reconciliation_exceptions_open ON reconciliation_exceptions (kind, id) WHERE status = 'open';
CREATE INDEX reconciliation_exceptions_by_kind ON reconciliation_exceptions (kind, status, id);

-- Matching by the gateway's transaction (VietQR rows, whose description may name no reference) and the
-- day's succeeded intents and refunds of a gateway (what the file must list).
CREATE INDEX payment_intents_by_gateway_txn ON payment_intents (method, gateway_txn_id)
  WHERE gateway_txn_id IS NOT NULL;
CREATE INDEX payment_intents_paid_by_gateway ON payment_intents (method, paid_at) WHERE status = 'succeeded';
CREATE INDEX refunds_succeeded_by_gateway ON refunds (gateway, succeeded_at) WHERE status = 'succeeded';
