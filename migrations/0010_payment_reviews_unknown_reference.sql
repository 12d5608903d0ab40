-- A bank transfer (VietQR) whose description names no payment intent the hub knows (missing, mangled
-- beyond recognition, ambiguous or unknown) is money already in the collection account: booked to
-- suspense:vietqr and kept for review under this reason, once per bank transaction (bank_ref).

ALTER TABLE payment_reviews DROP CONSTRAINT payment_reviews_reason_check;
ALTER TABLE payment_reviews ADD CONSTRAINT payment_reviews_reason_check
  CHECK (reason IN ('amount_mismatch', 'duplicate_payment', 'bill_not_open', 'gateway_pending',
                    'unknown_reference'));
