-- For the batches of payment confirmations (src/payments/payment-confirmations.ts, docs/adr/0007).
--
-- A receipt.issued event carries the signed receipt (about 2.1 kB), just past the size at which
-- Postgres tries to compress a row and then moves its largest value to the TOAST table: a second
-- heap row and index entry for every event, and a compression attempt that gains nothing on base64.
-- Rows up to a page are kept whole in the table; receipts (1.7 kB, more with many lines) likewise.
ALTER TABLE events SET (toast_tuple_target = 8160);
ALTER TABLE receipts SET (toast_tuple_target = 8160);

-- A statement sent in the same round trip as its COMMIT (src/database/script.ts) cannot have its row
-- count checked by the caller before the commit: it checks it itself, failing its transaction.
CREATE FUNCTION payhub_expect_rows(what text, actual bigint, expected bigint) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF actual IS DISTINCT FROM expected THEN
    RAISE EXCEPTION '% changed % rows, not %', what, actual, expected;
  END IF;
  RETURN actual;
END $$;
