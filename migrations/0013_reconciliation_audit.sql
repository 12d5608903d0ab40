-- Resolutions of reconciliation exceptions and the scheduled runs (src/reconciliation/, docs/reconciliation.md).
-- Every resolution posts ledger transfers and writes one audit row, in the transaction that marks the
-- exception resolved; the audit trail is append-only like the ledger (a trigger refuses UPDATE, DELETE
-- and TRUNCATE).

ALTER TABLE reconciliation_exceptions
  -- The operator's reason for the resolution, and every transfer it posted (transfer_id is the first).
  ADD COLUMN resolution_reason text CHECK (length(resolution_reason) BETWEEN 1 AND 500),
  ADD COLUMN transfer_ids text[];

CREATE TABLE reconciliation_audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  exception_id text NOT NULL REFERENCES reconciliation_exceptions (id),
  -- What was done: the action asked for (late_capture, refund, write_off, fee_adjustment), and the
  -- resolution it became (late_capture may become held_in_suspense).
  action text NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
  resolution text NOT NULL CHECK (length(resolution) BETWEEN 1 AND 64),
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  operator text NOT NULL CHECK (length(operator) BETWEEN 1 AND 200),
  -- The ledger trace: never empty (nothing is resolved without one).
  transfer_ids text[] NOT NULL CHECK (cardinality(transfer_ids) > 0),
  -- VND moved, and what the exception looked like (kind, amounts) when it was resolved.
  amount bigint NOT NULL,
  details jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX reconciliation_audit_by_exception ON reconciliation_audit (exception_id, id);

CREATE FUNCTION reconciliation_audit_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'reconciliation audit rows are immutable: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER reconciliation_audit_no_update BEFORE UPDATE OR DELETE ON reconciliation_audit
  FOR EACH ROW EXECUTE FUNCTION reconciliation_audit_immutable();
CREATE TRIGGER reconciliation_audit_no_truncate BEFORE TRUNCATE ON reconciliation_audit
  FOR EACH STATEMENT EXECUTE FUNCTION reconciliation_audit_immutable();

-- One scheduled run over RECON_DROP_DIR for a Vietnam day (the cron job, or POST
-- /v1/reconciliation/scheduled-runs): the files found, imported or refused, the exceptions by kind and
-- the janitor's counts, as a JSON report.
CREATE TABLE reconciliation_reports (
  id text PRIMARY KEY CHECK (id ~ '^rcr_[0-9A-HJKMNP-TV-Z]{26}$'),
  settlement_date date NOT NULL,
  -- cron (the pg-boss schedule) or manual (the API).
  trigger text NOT NULL CHECK (trigger IN ('cron', 'manual')),
  report jsonb NOT NULL CHECK (jsonb_typeof(report) = 'object'),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX reconciliation_reports_by_date ON reconciliation_reports (settlement_date, id);
