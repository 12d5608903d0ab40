-- The rows that point at a payment's receipt (the intent's receipt_id, the receipt.issued event) are
-- written before the receipt in a batch of confirmations (docs/adr/0007): the receipt is numbered last,
-- while the shared rows are locked, and those references are checked when the transaction commits.
ALTER TABLE payment_intents ALTER CONSTRAINT payment_intents_receipt_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE events ALTER CONSTRAINT events_receipt_id_fkey DEFERRABLE INITIALLY DEFERRED;
