// The matching rules of reconciliation, as pure code and the set-based SQL they compile to: every staged
// row of a run gets exactly one verdict (matched or one exception kind), and every succeeded intent or
// refund of the day that the file does not list is missing_in_gateway. Nothing here runs row by row in
// Node: the importer runs these statements once per run (docs/reconciliation.md).
import type { GatewayId } from '../../adapters/contract';
import type { FeeRule } from '../../adapters/fees';
import type { TransferInput } from '../../ledger';
import { BANK_ACCOUNT, clearingAccount, TRANSFER_CODES } from '../payments/payment-postings';

export const EXCEPTION_KINDS = [
  'missing_in_hub',
  'missing_in_gateway',
  'amount_mismatch',
  'status_mismatch',
  'duplicate',
  'fee_mismatch',
] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/**
 * A payment made around midnight (Vietnam time) may be on the gateway's file of the day before or after
 * the day the hub recorded it: the files of this many days either side are looked at before an item is
 * called missing.
 */
export const TIMING_DAYS = 1;
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;

/** A real calendar day `YYYY-MM-DD` (no 31 November), or null. */
export function parseSettlementDate(text: string): string | null {
  const match = DAY.exec(text);
  if (!match) return null;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return null;
  return year < 2000 ? null : text;
}

/** The instants [start, end) of a Vietnam calendar day (UTC+7, no daylight saving). */
export function vietnamDay(date: string): { start: Date; end: Date } {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const start = new Date(Date.UTC(year, month - 1, day) - VIETNAM_OFFSET_MS);
  return { start, end: new Date(start.getTime() + 24 * 60 * 60 * 1000) };
}

/**
 * A fee rule as the four SQL parameters of FEE_SQL: percent (numeric text), fixed, min, max. No rule
 * means no fee (the hub books none, so the file should charge none).
 */
export function feeParameters(rule: FeeRule | undefined): [string, string, string | null, string | null] {
  return [
    rule?.percent ?? '0',
    (rule?.fixed ?? 0n).toString(),
    rule?.min === undefined ? null : rule.min.toString(),
    rule?.max === undefined ? null : rule.max.toString(),
  ];
}

/**
 * adapters/fees.ts computeFee in SQL, capped at the amount as the postings cap it: amount × percent /
 * 100 + fixed, rounded once half up (Postgres rounds numeric half away from zero, the same for
 * positive amounts), clamped to [min, max]. `$n` placeholders start at `first`.
 */
export function feeSql(amount: string, first: number): string {
  const [percent, fixed, min, max] = [first, first + 1, first + 2, first + 3].map((n) => `$${n}`);
  return (
    `LEAST(${amount}, LEAST(COALESCE(${max}::bigint, ${amount}), GREATEST(COALESCE(${min}::bigint, 0), ` +
    `round(${amount}::numeric * ${percent}::numeric / 100 + ${fixed}::numeric)::bigint)))`
  );
}

/**
 * What makes two rows of a file the same transaction: the gateway's transaction for a payment, the
 * hub's refund reference for a refund (ZaloPay's refund rows carry the payment's zp_trans_id).
 */
const dedupKey = (row: string) =>
  `CASE WHEN ${row}.kind = 'refund' THEN coalesce(${row}.refund_ref, ${row}.gateway_txn_id) ` +
  `ELSE ${row}.gateway_txn_id END`;

/**
 * The verdict of every row of run $1 (gateway $2), with the fee rule in $3..$6: one SELECT whose
 * `verdict` is null for a matched row and an exception kind otherwise. Rules, first that applies:
 *
 * Payment rows
 * - `duplicate`: an earlier line of the file has the same kind and gateway transaction; or the row
 *   succeeded and a neighbouring day's file (± TIMING_DAYS, imported already) has it succeeded too
 *   (the gateway paying one transaction out on two days; details name that run and line).
 * - no intent of this gateway by reference (or, failing that, by gateway transaction): a succeeded row
 *   is `missing_in_hub` (the hub never heard of it); another is nothing to settle (matched).
 * - the row did not succeed: `status_mismatch` when the hub has the intent succeeded with this
 *   transaction, else matched.
 * - the amounts differ: `amount_mismatch`.
 * - the intent succeeded with this transaction: `fee_mismatch` when the file's fee is not the
 *   configured fee, else matched.
 * - the hub holds this transaction in suspense (payment_reviews, a second payment): matched (the
 *   review is its exception).
 * - otherwise (the intent is not succeeded, or succeeded with another transaction): `missing_in_hub`.
 *
 * Refund rows (matched to refunds by the hub's refund reference)
 * - `duplicate` as above; unknown refund: a succeeded row is `missing_in_hub`, another matched.
 * - amounts differ: `amount_mismatch`; succeeded on one side only: `status_mismatch`; a fee on a
 *   refund: `fee_mismatch` (the configured fees are on payments); otherwise matched.
 */
export const CLASSIFY_ROWS_SQL = `
WITH dup AS (
  SELECT s.kind, ${dedupKey('s')} AS dedup_key, min(s.line) AS first_line
  FROM reconciliation_rows s WHERE s.run_id = $1
  GROUP BY 1, 2 HAVING count(*) > 1
),
neighbours AS (
  SELECT o.id, o.settlement_date FROM reconciliation_runs me JOIN reconciliation_runs o
    ON o.gateway = me.gateway AND o.id <> me.id
   AND o.settlement_date BETWEEN me.settlement_date - ${TIMING_DAYS} AND me.settlement_date + ${TIMING_DAYS}
  WHERE me.id = $1
),
paid_elsewhere AS (
  -- One listing per key (the first run's first line), should several neighbours have it.
  SELECT DISTINCT ON (n.kind, n.dedup_key) n.kind, n.dedup_key, n.run_id, n.line
  FROM (SELECT o.run_id, o.line, o.kind, ${dedupKey('o')} AS dedup_key
          FROM reconciliation_rows o
         WHERE o.run_id IN (SELECT id FROM neighbours) AND o.status = 'succeeded') n
  ORDER BY n.kind, n.dedup_key, n.run_id, n.line
),
staged AS (
  SELECT r.*,
         (d.first_line IS NOT NULL AND d.first_line < r.line) OR e.line IS NOT NULL AS repeated,
         coalesce(d.first_line, e.line) AS first_line, e.run_id AS first_run
  FROM reconciliation_rows r
  LEFT JOIN dup d ON d.kind = r.kind AND d.dedup_key = ${dedupKey('r')}
  LEFT JOIN paid_elsewhere e
    ON r.status = 'succeeded' AND e.kind = r.kind AND e.dedup_key = ${dedupKey('r')}
  WHERE r.run_id = $1
),
payments AS (
  SELECT r.line, r.kind, r.merchant_ref, r.gateway_txn_id, r.refund_ref, r.amount, r.fee, r.status,
         r.repeated, r.first_line, r.first_run,
         coalesce(i1.id, i2.id) AS intent_id,
         coalesce(i1.status, i2.status) AS intent_status,
         coalesce(i1.amount, i2.amount) AS intent_amount,
         coalesce(i1.gateway_txn_id, i2.gateway_txn_id) AS intent_txn
  FROM staged r
  LEFT JOIN payment_intents i1 ON i1.reference = r.merchant_ref AND i1.method = $2
  -- Lateral with the condition inside: only a row without a reference match looks its transaction up.
  LEFT JOIN LATERAL (
    SELECT i.id, i.status, i.amount, i.gateway_txn_id FROM payment_intents i
    WHERE i1.id IS NULL AND i.method = $2 AND i.gateway_txn_id = r.gateway_txn_id LIMIT 1
  ) i2 ON true
  WHERE r.kind = 'payment'
),
payment_verdicts AS (
  SELECT p.*, NULL::text AS refund_id, NULL::text AS refund_status,
         ${feeSql('p.intent_amount', 3)} AS expected_fee,
         CASE
           WHEN p.repeated THEN 'duplicate'
           WHEN p.intent_id IS NULL THEN CASE WHEN p.status = 'succeeded' THEN 'missing_in_hub' END
           WHEN p.status <> 'succeeded' THEN
             CASE WHEN p.intent_status = 'succeeded' AND p.intent_txn = p.gateway_txn_id
                  THEN 'status_mismatch' END
           WHEN p.amount <> p.intent_amount THEN 'amount_mismatch'
           WHEN p.intent_status = 'succeeded' AND p.intent_txn = p.gateway_txn_id THEN
             CASE WHEN p.fee <> ${feeSql('p.intent_amount', 3)} THEN 'fee_mismatch' END
           WHEN EXISTS (SELECT 1 FROM payment_reviews pr
                        WHERE pr.gateway = $2 AND pr.gateway_txn_id = p.gateway_txn_id
                          AND pr.transfer_id IS NOT NULL) THEN NULL
           ELSE 'missing_in_hub'
         END AS verdict
  FROM payments p
),
refund_verdicts AS (
  SELECT r.line, r.kind, r.merchant_ref, r.gateway_txn_id, r.refund_ref, r.amount, r.fee, r.status,
         r.repeated, r.first_line, r.first_run,
         f.payment_intent_id AS intent_id, NULL::text AS intent_status, f.amount AS intent_amount,
         NULL::text AS intent_txn, f.id AS refund_id, f.status AS refund_status,
         0::bigint AS expected_fee,
         CASE
           WHEN r.repeated THEN 'duplicate'
           WHEN f.id IS NULL THEN CASE WHEN r.status = 'succeeded' THEN 'missing_in_hub' END
           WHEN r.amount <> f.amount THEN 'amount_mismatch'
           WHEN (r.status = 'succeeded') <> (f.status = 'succeeded') THEN 'status_mismatch'
           WHEN r.fee <> 0 THEN 'fee_mismatch'
         END AS verdict
  FROM staged r
  LEFT JOIN refunds f ON f.id = r.refund_ref AND f.gateway = $2
  WHERE r.kind = 'refund'
)
SELECT * FROM payment_verdicts UNION ALL SELECT * FROM refund_verdicts`;

/**
 * Inserts one exception per row verdict of run $1 and answers how many of each kind, and how many rows
 * matched: `(kind, n)` rows, kind null for the matched count.
 */
export const INSERT_ROW_EXCEPTIONS_SQL = `
WITH verdicts AS (${CLASSIFY_ROWS_SQL}),
inserted AS (
  INSERT INTO reconciliation_exceptions
    (id, run_id, gateway, kind, line, row_kind, merchant_ref, gateway_txn_id, refund_ref,
     payment_intent_id, refund_id, file_amount, hub_amount, file_fee, expected_fee, file_status,
     hub_status, details)
  SELECT reconciliation_id('rcx'), $1, $2, v.verdict, v.line, v.kind, nullif(v.merchant_ref, ''),
         v.gateway_txn_id, v.refund_ref, v.intent_id, v.refund_id, v.amount, v.intent_amount, v.fee,
         CASE WHEN v.verdict = 'fee_mismatch' THEN v.expected_fee END, v.status,
         coalesce(v.refund_status, v.intent_status),
         CASE WHEN v.verdict = 'duplicate' AND v.first_run IS NOT NULL
                THEN jsonb_build_object('first_line', v.first_line, 'first_run', v.first_run)
              WHEN v.verdict = 'duplicate' THEN jsonb_build_object('first_line', v.first_line)
              ELSE '{}'::jsonb END
  FROM verdicts v WHERE v.verdict IS NOT NULL
  ORDER BY v.line
  RETURNING kind
)
SELECT kind, count(*)::int AS n FROM inserted GROUP BY kind
UNION ALL
SELECT NULL, count(*)::int FROM verdicts WHERE verdict IS NULL`;

/**
 * The hub's succeeded intents ($2 = gateway) paid in [$3, $4) and succeeded refunds of that window that
 * run $1's file does not list: one missing_in_gateway exception each; answers the count. An item the
 * file of a neighbouring day ($5 = this run's day, ± TIMING_DAYS) lists already is not missing: a
 * payment made around midnight may be on the gateway's file of the day before or after (a timing
 * difference). Those days' rows are read only when something is missing here.
 */
export const INSERT_MISSING_IN_GATEWAY_SQL = `
WITH neighbours AS (
  SELECT id FROM reconciliation_runs
  WHERE gateway = $2 AND id <> $1
    AND settlement_date BETWEEN $5::date - ${TIMING_DAYS} AND $5::date + ${TIMING_DAYS}
),
listed AS MATERIALIZED (
  SELECT r.kind, r.gateway_txn_id, r.merchant_ref, r.refund_ref
  FROM reconciliation_rows r WHERE r.run_id IN (SELECT id FROM neighbours)
),
by_txn AS MATERIALIZED (
  -- First by transaction (the file's own key); the few left are then looked for by reference.
  SELECT i.id, i.reference, i.gateway_txn_id, i.amount, i.status
  FROM payment_intents i
  WHERE i.method = $2 AND i.status = 'succeeded' AND i.paid_at >= $3 AND i.paid_at < $4
    AND NOT EXISTS (SELECT 1 FROM reconciliation_rows r
                    WHERE r.run_id = $1 AND r.kind = 'payment' AND r.gateway_txn_id = i.gateway_txn_id)
),
intents AS (
  SELECT t.* FROM by_txn t
  WHERE NOT EXISTS (SELECT 1 FROM reconciliation_rows r
                    WHERE r.run_id = $1 AND r.kind = 'payment' AND r.merchant_ref = t.reference)
    AND NOT EXISTS (SELECT 1 FROM listed l WHERE l.kind = 'payment' AND l.gateway_txn_id = t.gateway_txn_id)
    AND NOT EXISTS (SELECT 1 FROM listed l WHERE l.kind = 'payment' AND l.merchant_ref = t.reference)
),
refunds_missing AS (
  SELECT f.id, f.payment_intent_id, f.gateway_refund_id, f.amount, f.status, i.reference
  FROM refunds f JOIN payment_intents i ON i.id = f.payment_intent_id
  WHERE f.gateway = $2 AND f.status = 'succeeded' AND f.succeeded_at >= $3 AND f.succeeded_at < $4
    AND NOT EXISTS (SELECT 1 FROM reconciliation_rows r
                    WHERE r.run_id = $1 AND r.kind = 'refund' AND r.refund_ref = f.id)
    AND NOT EXISTS (SELECT 1 FROM listed l WHERE l.kind = 'refund' AND l.refund_ref = f.id)
),
inserted AS (
  INSERT INTO reconciliation_exceptions
    (id, run_id, gateway, kind, row_kind, merchant_ref, gateway_txn_id, payment_intent_id, refund_id,
     refund_ref, hub_amount, hub_status)
  SELECT reconciliation_id('rcx'), $1, $2, 'missing_in_gateway', 'payment', reference, gateway_txn_id,
         id, NULL, NULL, amount, status FROM intents
  UNION ALL
  SELECT reconciliation_id('rcx'), $1, $2, 'missing_in_gateway', 'refund', reference, gateway_refund_id,
         payment_intent_id, id, id, amount, status FROM refunds_missing
  RETURNING 1
)
SELECT count(*)::int AS n FROM inserted`;

/** Who resolves a timing difference: the import itself, not an operator. */
export const TIMING_RESOLVER = 'reconciliation';

/**
 * The open missing_in_gateway exceptions of other runs of gateway $2 whose item run $1's file lists
 * (a payment by transaction or reference, a refund by its reference): a timing difference, not a loss.
 * Each is resolved `timing_difference` by the import (no posting of its own: the file's settlement
 * moves the money; its ledger trace is that settlement transfer, $3, when the day paid anything out,
 * and the item's own booking), with one audit row. $4 is run $1's day. Answers the exceptions resolved.
 */
export const RESOLVE_TIMING_DIFFERENCES_SQL = `
WITH open_missing AS MATERIALIZED (
  SELECT e.id, e.row_kind, e.gateway_txn_id, e.merchant_ref, e.refund_id
  FROM reconciliation_exceptions e
  WHERE e.status = 'open' AND e.kind = 'missing_in_gateway' AND e.gateway = $2 AND e.run_id <> $1
),
found AS (
  SELECT e.id, r.line FROM open_missing e JOIN reconciliation_rows r
    ON r.run_id = $1 AND r.kind = 'payment' AND r.gateway_txn_id = e.gateway_txn_id
  WHERE e.row_kind = 'payment'
  UNION ALL
  SELECT e.id, r.line FROM open_missing e JOIN reconciliation_rows r
    ON r.run_id = $1 AND r.kind = 'payment' AND r.merchant_ref = e.merchant_ref
  WHERE e.row_kind = 'payment'
  UNION ALL
  SELECT e.id, r.line FROM open_missing e JOIN reconciliation_rows r
    ON r.run_id = $1 AND r.kind = 'refund' AND r.refund_ref = e.refund_id
  WHERE e.row_kind = 'refund'
),
listed AS (
  SELECT l.id, l.line,
         -- The settlement that moves the money (none when the day paid nothing out), then the booking.
         array_remove(ARRAY[$3::text, CASE e.row_kind WHEN 'payment' THEN 'pay:' || e.payment_intent_id
                                      ELSE 'refund:' || e.refund_id || ':post' END], NULL) AS trace
  FROM (SELECT id, min(line) AS line FROM found GROUP BY id) l
  JOIN reconciliation_exceptions e ON e.id = l.id
),
resolved AS (
  UPDATE reconciliation_exceptions e
     SET status = 'resolved', resolution = 'timing_difference', resolved_at = clock_timestamp(),
         resolved_by = '${TIMING_RESOLVER}',
         resolution_reason = format('listed in the %s file of %s, line %s', e.gateway, $4::text, l.line),
         transfer_id = l.trace[1], transfer_ids = l.trace,
         details = e.details || jsonb_build_object('listed_in', jsonb_build_object(
                     'run', $1::text, 'settlement_date', $4::text, 'line', l.line))
    FROM listed l
   WHERE e.id = l.id AND e.status = 'open'
  RETURNING e.id, e.kind, e.row_kind, e.hub_amount, e.resolution_reason, e.transfer_ids, l.line
)
INSERT INTO reconciliation_audit
  (exception_id, action, resolution, reason, operator, transfer_ids, amount, details)
SELECT id, 'timing_difference', 'timing_difference', resolution_reason, '${TIMING_RESOLVER}', transfer_ids,
       coalesce(hub_amount, 0),
       jsonb_build_object('kind', kind, 'row_kind', row_kind, 'hub_amount', hub_amount::text,
                          'listed_in', jsonb_build_object('run', $1::text, 'settlement_date', $4::text,
                                                          'line', line))
  FROM resolved
RETURNING exception_id`;

/** The file's totals and its payout (succeeded payments' amount − fee, less succeeded refunds). */
export const RUN_TOTALS_SQL = `
SELECT count(*)::int AS rows_total,
       count(*) FILTER (WHERE kind = 'payment')::int AS payment_rows,
       count(*) FILTER (WHERE kind = 'refund')::int AS refund_rows,
       coalesce(sum(amount), 0)::bigint AS amount_total,
       coalesce(sum(fee), 0)::bigint AS fee_total,
       (coalesce(sum(amount - fee) FILTER (WHERE kind = 'payment' AND status = 'succeeded'), 0)
        - coalesce(sum(amount) FILTER (WHERE kind = 'refund' AND status = 'succeeded'), 0))::bigint AS payout
FROM reconciliation_rows WHERE run_id = $1`;

export const settlementTransferId = (run_id: string) => `settle:${run_id}`;

/**
 * The settlement of a run: the gateway's payout moves from its clearing account to the hub's bank
 * (bank:collection ← clearing:<gateway>); a negative payout (refunds above payments) the other way.
 * Null when there is nothing to move. The id derives from the run, so a retry answers `exists`.
 */
export function settlementTransfer(input: {
  run_id: string;
  gateway: GatewayId;
  settlement_date: string;
  payout: bigint;
}): TransferInput | null {
  if (input.payout === 0n) return null;
  const outgoing = input.payout < 0n;
  return {
    id: settlementTransferId(input.run_id),
    debit_account_id: outgoing ? clearingAccount(input.gateway) : BANK_ACCOUNT,
    credit_account_id: outgoing ? BANK_ACCOUNT : clearingAccount(input.gateway),
    amount: outgoing ? -input.payout : input.payout,
    currency: 'VND',
    code: TRANSFER_CODES.settlement,
    metadata: { reconciliation_run: input.run_id, settlement_date: input.settlement_date },
  };
}
