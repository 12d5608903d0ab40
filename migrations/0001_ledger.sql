-- The double-entry ledger (see docs/ledger.md): accounts with their running balances, and the
-- immutable transfers that move them. Invariants a bug could break are also CHECKed here.

CREATE TABLE ledger_accounts (
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.:@/-]{1,128}$'),
  code integer NOT NULL CHECK (code BETWEEN 1 AND 9999),
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  owner_ref text CHECK (length(owner_ref) <= 200),
  debits_must_not_exceed_credits boolean NOT NULL DEFAULT false,
  credits_must_not_exceed_debits boolean NOT NULL DEFAULT false,
  metadata jsonb,
  debits_pending bigint NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
  debits_posted bigint NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
  credits_pending bigint NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
  credits_posted bigint NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT ledger_accounts_one_limit CHECK (NOT (debits_must_not_exceed_credits AND credits_must_not_exceed_debits)),
  -- The limits hold in the database itself: no code path can overdraw a limited account.
  CONSTRAINT ledger_accounts_debit_limit CHECK (
    NOT debits_must_not_exceed_credits OR debits_pending + debits_posted <= credits_posted),
  CONSTRAINT ledger_accounts_credit_limit CHECK (
    NOT credits_must_not_exceed_debits OR credits_pending + credits_posted <= debits_posted)
) WITH (fillfactor = 50); -- room on each page for HOT updates of hot accounts' balance rows

CREATE INDEX ledger_accounts_owner ON ledger_accounts (owner_ref) WHERE owner_ref IS NOT NULL;

-- No foreign keys on the hot insert path (docs/adr/0002): accounts can never be deleted (trigger
-- below), the ledger checks that both accounts exist while it holds their row locks, and verify
-- reports any transfer whose account or pending transfer is missing.
-- flags: 1 linked, 2 pending, 4 post_pending_transfer, 8 void_pending_transfer, 16 expired (a void the
-- ledger itself made when a pending transfer timed out).
CREATE TABLE ledger_transfers (
  seq bigint GENERATED ALWAYS AS IDENTITY,
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.:@/~-]{1,160}$'),
  debit_account_id text NOT NULL,
  credit_account_id text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  code integer NOT NULL CHECK (code BETWEEN 1 AND 65535),
  flags smallint NOT NULL CHECK (flags BETWEEN 0 AND 31),
  pending_id text,
  timeout_seconds integer NOT NULL DEFAULT 0 CHECK (timeout_seconds >= 0),
  expires_at timestamptz,
  metadata jsonb,
  timestamp timestamptz NOT NULL,
  -- Both accounts' balances right after this transfer: statements, running balances and balances as
  -- of a moment are index look-ups instead of sums over history.
  dr_debits_pending bigint NOT NULL,
  dr_debits_posted bigint NOT NULL,
  dr_credits_pending bigint NOT NULL,
  dr_credits_posted bigint NOT NULL,
  cr_debits_pending bigint NOT NULL,
  cr_debits_posted bigint NOT NULL,
  cr_credits_pending bigint NOT NULL,
  cr_credits_posted bigint NOT NULL,
  CONSTRAINT ledger_transfers_accounts_differ CHECK (debit_account_id <> credit_account_id),
  CONSTRAINT ledger_transfers_one_kind CHECK ((flags & 14) IN (0, 2, 4, 8)),
  CONSTRAINT ledger_transfers_resolution_names_pending CHECK (((flags & 12) <> 0) = (pending_id IS NOT NULL)),
  CONSTRAINT ledger_transfers_expiry_is_void CHECK ((flags & 16) = 0 OR (flags & 8) <> 0)
);

-- A pending transfer resolves at most once: posted, voided or expired.
CREATE UNIQUE INDEX ledger_transfers_one_resolution ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE INDEX ledger_transfers_debit_history ON ledger_transfers (debit_account_id, seq);
CREATE INDEX ledger_transfers_credit_history ON ledger_transfers (credit_account_id, seq);
-- The expiry sweep looks for pending transfers past their timeout.
CREATE INDEX ledger_transfers_pending_expiry ON ledger_transfers (expires_at) WHERE expires_at IS NOT NULL;

-- Transfers are facts: corrections are new transfers, never edits. Enforced here, not only in code.
CREATE FUNCTION ledger_transfers_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger transfers are immutable: % is not allowed (post a reversal instead)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER ledger_transfers_no_update BEFORE UPDATE OR DELETE ON ledger_transfers
  FOR EACH ROW EXECUTE FUNCTION ledger_transfers_immutable();
CREATE TRIGGER ledger_transfers_no_truncate BEFORE TRUNCATE ON ledger_transfers
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_transfers_immutable();

-- Accounts are never deleted, and only their balances ever change. The WHEN clause keeps the
-- hot path (balance-only updates) from calling the function at all.
CREATE FUNCTION ledger_accounts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'ledger account % is immutable except for its balances', OLD.id USING ERRCODE = 'insufficient_privilege';
  END IF;
  RAISE EXCEPTION 'ledger accounts cannot be removed: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER ledger_accounts_no_edit BEFORE UPDATE ON ledger_accounts
  FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id OR NEW.code IS DISTINCT FROM OLD.code
    OR NEW.currency IS DISTINCT FROM OLD.currency OR NEW.owner_ref IS DISTINCT FROM OLD.owner_ref
    OR NEW.debits_must_not_exceed_credits IS DISTINCT FROM OLD.debits_must_not_exceed_credits
    OR NEW.credits_must_not_exceed_debits IS DISTINCT FROM OLD.credits_must_not_exceed_debits
    OR NEW.metadata IS DISTINCT FROM OLD.metadata OR NEW.created_at IS DISTINCT FROM OLD.created_at)
  EXECUTE FUNCTION ledger_accounts_guard();
CREATE TRIGGER ledger_accounts_no_delete BEFORE DELETE ON ledger_accounts
  FOR EACH ROW EXECUTE FUNCTION ledger_accounts_guard();
CREATE TRIGGER ledger_accounts_no_truncate BEFORE TRUNCATE ON ledger_accounts
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_transfers_immutable();
