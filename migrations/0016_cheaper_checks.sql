-- The same CHECKs as before, written so that Postgres checks them in a few microseconds. A bounded
-- repetition in a regular expression (`{1,160}`, `{26}`) is compiled into one automaton state per
-- repetition, built afresh for every row: `id ~ '^[A-Za-z0-9_.:@/~-]{1,160}$'` cost ~30 us per ledger
-- transfer, more than the rest of its insert. Each is now a length test and an unbounded expression
-- over the same characters, which accept exactly the same values (test/database/checks.test.ts). Only
-- the constraints of rows written on every payment are rewritten (an UPDATE checks all of a row's
-- CHECKs again); the names stay.
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_id_check,
  ADD CONSTRAINT ledger_accounts_id_check CHECK (length(id) BETWEEN 1 AND 128 AND id ~ '^[A-Za-z0-9_.:@/-]+$');
ALTER TABLE ledger_transfers DROP CONSTRAINT ledger_transfers_id_check,
  ADD CONSTRAINT ledger_transfers_id_check CHECK (length(id) BETWEEN 1 AND 160 AND id ~ '^[A-Za-z0-9_.:@/~-]+$');
ALTER TABLE bills DROP CONSTRAINT bills_id_check,
  ADD CONSTRAINT bills_id_check CHECK (length(id) = 31 AND id ~ '^bill_[0-9A-HJKMNP-TV-Z]+$'),
  DROP CONSTRAINT bills_reference_check,
  ADD CONSTRAINT bills_reference_check
    CHECK (length(reference) BETWEEN 1 AND 64 AND reference ~ '^[A-Za-z0-9][A-Za-z0-9._:-]*$');
ALTER TABLE payment_intents DROP CONSTRAINT payment_intents_id_check,
  ADD CONSTRAINT payment_intents_id_check CHECK (length(id) = 29 AND id ~ '^pi_[0-9A-HJKMNP-TV-Z]+$'),
  DROP CONSTRAINT payment_intents_reference_check,
  ADD CONSTRAINT payment_intents_reference_check
    CHECK (length(reference) = 14 AND reference ~ '^PZ[0-9A-HJKMNP-TV-Z]+$');
ALTER TABLE receipts DROP CONSTRAINT receipts_id_check,
  ADD CONSTRAINT receipts_id_check CHECK (length(id) = 30 AND id ~ '^rcp_[0-9A-HJKMNP-TV-Z]+$'),
  DROP CONSTRAINT receipts_bill_id_check,
  ADD CONSTRAINT receipts_bill_id_check CHECK (length(bill_id) = 31 AND bill_id ~ '^bill_[0-9A-HJKMNP-TV-Z]+$'),
  DROP CONSTRAINT receipts_payment_intent_id_check,
  ADD CONSTRAINT receipts_payment_intent_id_check
    CHECK (length(payment_intent_id) = 29 AND payment_intent_id ~ '^pi_[0-9A-HJKMNP-TV-Z]+$');
ALTER TABLE events DROP CONSTRAINT events_id_check,
  ADD CONSTRAINT events_id_check CHECK (length(id) = 30 AND id ~ '^evt_[0-9A-HJKMNP-TV-Z]+$');
