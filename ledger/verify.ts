// Recomputes the whole ledger from its transfers and checks every invariant. The CLI (`payhub ledger
// verify`), the admin API and the tests all call this one function.
import type { Pool } from 'pg';
import { LEDGER_PG_TYPES } from './rows';

export interface VerifyFault {
  kind:
    | 'balance_mismatch'
    | 'history_mismatch'
    | 'currency_unbalanced'
    | 'limit_exceeded'
    | 'bad_resolution'
    | 'currency_mismatch'
    | 'dangling_reference';
  account_id?: string;
  transfer_id?: string;
  currency?: string;
  detail: string;
}

export interface CurrencyTotals {
  currency: string;
  debits_posted: bigint;
  credits_posted: bigint;
  debits_pending: bigint;
  credits_pending: bigint;
}

export interface VerifyReport {
  ok: boolean;
  accounts_checked: number;
  transfers_checked: number;
  totals: CurrencyTotals[];
  faults: VerifyFault[];
}

const FAULTS_MAX = 100;

export async function verifyLedger(pool: Pool): Promise<VerifyReport> {
  const client = await pool.connect();
  try {
    // One snapshot for every query, so a busy ledger verifies as consistently as an idle one.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const q = (text: string) => client.query({ text, types: LEDGER_PG_TYPES });
    const faults: VerifyFault[] = [];
    /** Runs a check whose rows are the offending accounts or transfers, one fault per row. */
    const found = async (
      kind: VerifyFault['kind'],
      target: 'account_id' | 'transfer_id',
      detail: string,
      sql: string,
    ): Promise<void> => {
      const rows = await q(`${sql} LIMIT ${FAULTS_MAX}`);
      for (const row of rows.rows) faults.push({ kind, [target]: row.id, detail });
    };

    const counts = await q(`SELECT (SELECT count(*) FROM ledger_accounts) AS accounts,
                                   (SELECT count(*) FROM ledger_transfers) AS transfers`);

    // Balances recomputed from transfers: normal and post transfers are posted; a pending transfer
    // counts as pending until a post, void or expiry resolves it.
    const mismatched = await q(`
      WITH resolved AS (SELECT pending_id FROM ledger_transfers WHERE pending_id IS NOT NULL),
      effects AS (
        SELECT debit_account_id AS account_id,
               CASE WHEN flags & 14 = 0 OR flags & 4 <> 0 THEN amount ELSE 0 END AS debits_posted,
               CASE WHEN flags & 2 <> 0 AND id NOT IN (SELECT pending_id FROM resolved) THEN amount ELSE 0 END AS debits_pending,
               0::bigint AS credits_posted, 0::bigint AS credits_pending
          FROM ledger_transfers
        UNION ALL
        SELECT credit_account_id, 0, 0,
               CASE WHEN flags & 14 = 0 OR flags & 4 <> 0 THEN amount ELSE 0 END,
               CASE WHEN flags & 2 <> 0 AND id NOT IN (SELECT pending_id FROM resolved) THEN amount ELSE 0 END
          FROM ledger_transfers
      ),
      recomputed AS (
        SELECT account_id, sum(debits_posted) AS dpo, sum(debits_pending) AS dp,
               sum(credits_posted) AS cpo, sum(credits_pending) AS cp
          FROM effects GROUP BY account_id
      )
      SELECT a.id, a.debits_posted, a.debits_pending, a.credits_posted, a.credits_pending,
             coalesce(r.dpo, 0) AS dpo, coalesce(r.dp, 0) AS dp, coalesce(r.cpo, 0) AS cpo, coalesce(r.cp, 0) AS cp
        FROM ledger_accounts a LEFT JOIN recomputed r ON r.account_id = a.id
       WHERE a.debits_posted <> coalesce(r.dpo, 0) OR a.debits_pending <> coalesce(r.dp, 0)
          OR a.credits_posted <> coalesce(r.cpo, 0) OR a.credits_pending <> coalesce(r.cp, 0)
       ORDER BY a.id LIMIT ${FAULTS_MAX}`);
    for (const row of mismatched.rows) {
      faults.push({
        kind: 'balance_mismatch',
        account_id: row.id,
        detail:
          `stored debits ${row.debits_posted}/${row.debits_pending} credits ${row.credits_posted}/${row.credits_pending}` +
          ` (posted/pending), transfers give debits ${row.dpo}/${row.dp} credits ${row.cpo}/${row.cp}`,
      });
    }

    // The balances the newest transfer recorded for each account must be the account's balances.
    await found(
      'history_mismatch',
      'account_id',
      'balances differ from the last transfer’s record',
      `
      SELECT a.id FROM ledger_accounts a
        JOIN LATERAL (
          SELECT * FROM (
            (SELECT seq, dr_debits_pending AS dp, dr_debits_posted AS dpo, dr_credits_pending AS cp, dr_credits_posted AS cpo
               FROM ledger_transfers WHERE debit_account_id = a.id ORDER BY seq DESC LIMIT 1)
            UNION ALL
            (SELECT seq, cr_debits_pending, cr_debits_posted, cr_credits_pending, cr_credits_posted
               FROM ledger_transfers WHERE credit_account_id = a.id ORDER BY seq DESC LIMIT 1)
          ) x ORDER BY seq DESC LIMIT 1
        ) last ON true
       WHERE (last.dp, last.dpo, last.cp, last.cpo) <> (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
       ORDER BY a.id`,
    );

    const totals = await q(`
      SELECT currency, sum(debits_posted)::text AS debits_posted, sum(credits_posted)::text AS credits_posted,
             sum(debits_pending)::text AS debits_pending, sum(credits_pending)::text AS credits_pending
        FROM ledger_accounts GROUP BY currency ORDER BY currency`);
    // Sums over many accounts may pass int8's range: they are summed as numeric and read as bigint.
    for (const row of totals.rows) {
      for (const field of ['debits_posted', 'credits_posted', 'debits_pending', 'credits_pending'])
        row[field] = BigInt(row[field]);
      if (row.debits_posted !== row.credits_posted || row.debits_pending !== row.credits_pending) {
        faults.push({
          kind: 'currency_unbalanced',
          currency: row.currency,
          detail: `debits ${row.debits_posted}/${row.debits_pending} <> credits ${row.credits_posted}/${row.credits_pending}`,
        });
      }
    }

    await found(
      'limit_exceeded',
      'account_id',
      'balance breaks the account’s limit flag',
      `
      SELECT id FROM ledger_accounts
       WHERE (debits_must_not_exceed_credits AND debits_pending + debits_posted > credits_posted)
          OR (credits_must_not_exceed_debits AND credits_pending + credits_posted > debits_posted)
       ORDER BY id`,
    );

    await found(
      'bad_resolution',
      'transfer_id',
      'does not match the pending transfer it resolves',
      `
      SELECT r.id FROM ledger_transfers r LEFT JOIN ledger_transfers p ON p.id = r.pending_id
       WHERE r.pending_id IS NOT NULL AND (p.id IS NULL OR p.flags & 2 = 0
          OR p.debit_account_id <> r.debit_account_id OR p.credit_account_id <> r.credit_account_id
          OR r.amount > p.amount OR (r.flags & 8 <> 0 AND r.amount <> p.amount))
       ORDER BY r.seq`,
    );

    await found(
      'currency_mismatch',
      'transfer_id',
      'an account is in another currency',
      `
      SELECT t.id FROM ledger_transfers t
        JOIN ledger_accounts d ON d.id = t.debit_account_id JOIN ledger_accounts c ON c.id = t.credit_account_id
       WHERE d.currency <> t.currency OR c.currency <> t.currency
       ORDER BY t.seq`,
    );

    // No foreign keys on the hot insert path (docs/adr/0002): references are checked here instead.
    await found(
      'dangling_reference',
      'transfer_id',
      'names an account or pending transfer that does not exist',
      `
      SELECT t.id FROM ledger_transfers t
       WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = t.debit_account_id)
          OR NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = t.credit_account_id)
          OR (t.pending_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ledger_transfers p WHERE p.id = t.pending_id))
       ORDER BY t.seq`,
    );

    await client.query('COMMIT');
    return {
      ok: faults.length === 0,
      accounts_checked: Number(counts.rows[0].accounts),
      transfers_checked: Number(counts.rows[0].transfers),
      totals: totals.rows.map((row) => ({
        currency: row.currency,
        debits_posted: row.debits_posted,
        credits_posted: row.credits_posted,
        debits_pending: row.debits_pending,
        credits_pending: row.credits_pending,
      })),
      faults,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
