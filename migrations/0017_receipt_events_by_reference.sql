-- A receipt.issued event refers to its receipt instead of carrying a copy of it: the copy was the
-- largest thing a payment wrote (about 2.3 kB of the ~6 kB of rows per payment; the receipt's JWS is
-- in it twice over). The event's data is rendered from the receipt's row when it is read or sent
-- (src/webhooks/webhooks.repository.ts), as the receipt was issued: the fields a receipt is issued with
-- never change (a cancellation is kept beside them), so every attempt sends the same bytes.
-- Events written before this migration keep their copy (data set, receipt_id null).
ALTER TABLE events ADD COLUMN receipt_id text REFERENCES receipts (id);
ALTER TABLE events ALTER COLUMN data DROP NOT NULL;
ALTER TABLE events
  ADD CONSTRAINT events_data_or_receipt CHECK ((data IS NULL) = (receipt_id IS NOT NULL)),
  ADD CONSTRAINT events_receipt_reference_issued CHECK (receipt_id IS NULL OR type = 'receipt.issued');
