// Reconciliation over real HTTP and Postgres with the hub's in-process VNPay simulator: payments made
// through the simulator, its own settlement file for the day, then discrepancies injected into it (one
// of each kind): each is found exactly once and nothing else is; the payment the hub never heard of is
// confirmed by VNPay's query and posted late (one receipt); a fully settled day books the payout and
// leaves clearing at zero; the same file twice changes nothing; bad files are refused naming the line
// and leave nothing; the CLI runs once as a process. The ledger verifies after every test.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { writeSettlementFile as writeMomoFile } from '../../adapters/momo/momo.settlement';
import { formatVietnamTime } from '../../adapters/shared/time';
import { formatPayDate, parsePayDate } from '../../adapters/vnpay/vnpay.settlement';
import type { VnpaySimulator } from '../../adapters/vnpay/vnpay.simulator';
import { GatewaysService } from '../../src/gateways/gateways.service';
import { idempotencyKeyMaterial } from '../../src/idempotency/sealed-response';
import { vietnamDay } from '../../src/reconciliation/reconciliation.matcher';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller, type ErrorBody } from './support/api';
import {
  assertLedgerOk,
  balance,
  bootCallbackHub,
  countRows,
  createBill,
  createIntent,
  feeBody,
  type Intent,
  until,
} from './support/gateway-payments';
import { ADMIN_TOKEN, DATA_DIR, payhub } from './support/hub';

interface Run {
  id: string;
  object: string;
  gateway: string;
  date: string;
  status: string;
  rows: number;
  payment_rows: number;
  refund_rows: number;
  matched: number;
  exceptions: number;
  payout: number;
  settlement_transfer: string | null;
  clearing_balance: number | null;
  created_now: boolean;
  exceptions_by_kind: Record<string, number>;
  timing_differences: number;
  confirmed: number;
}

interface Exception {
  id: string;
  kind: string;
  status: string;
  line: number | null;
  merchant_ref: string | null;
  payment_intent: string | null;
  file_amount: number | null;
  hub_amount: number | null;
  file_fee: number | null;
  expected_fee: number | null;
  details: Record<string, unknown>;
  resolution: string | null;
  transfer: string | null;
}

const DAY_MS = 24 * 3600 * 1000;
const vietnamDate = (at: Date) => formatVietnamTime(at, 'yyyy-MM-dd');

/** The lines of a VNPay file as fields; rewrite() puts the trailer back with the new totals. */
type Fields = string[];
const AMOUNT = 5;
const FEE = 6;
const PAY_DATE = 7;

function dataRows(file: string): Fields[] {
  const lines = file.trimEnd().split('\n');
  return lines.slice(1, -1).map((line) => line.split(','));
}

function rewrite(file: string, rows: Fields[]): string {
  const header = file.split('\n')[0]!;
  let amount = 0n;
  let fee = 0n;
  for (const row of rows) {
    amount += BigInt(row[AMOUNT]!);
    fee += BigInt(row[FEE]!);
  }
  return [header, ...rows.map((row) => row.join(',')), `TOTAL,${rows.length},${amount},${fee}`, ''].join(
    '\n',
  );
}

async function postFile(
  hub: RunningHub,
  fields: { gateway: string; date: string },
  file: string | Buffer,
  options: { idempotency_key?: string } = {},
): Promise<{ status: number; body: Run & ErrorBody; text: string; replayed: string | null }> {
  const form = new FormData();
  form.append('gateway', fields.gateway);
  form.append('date', fields.date);
  form.append('file', new Blob([file]), 'settlement.csv');
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
  if (options.idempotency_key) headers['idempotency-key'] = options.idempotency_key;
  const response = await fetch(`${hub.url}/v1/reconciliation/runs`, { method: 'POST', headers, body: form });
  const text = await response.text();
  return {
    status: response.status,
    body: JSON.parse(text) as Run & ErrorBody,
    text,
    replayed: response.headers.get('idempotent-replayed'),
  };
}

describe('reconciliation', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let agency: CreatedBiller;
  let bills = 0;

  const sim = (): VnpaySimulator => hub.app.get(GatewaysService).simulators!.vnpay!;
  const read = async (id: string) =>
    (await call<Intent>(hub, 'GET', `/v1/payment_intents/${id}`, { token: agency.api_key })).body;
  const count = (sql: string, values: unknown[] = []) => countRows(db, sql, values);
  const stored = async () => ({
    runs: await count('reconciliation_runs'),
    rows: await count('reconciliation_rows'),
    exceptions: await count('reconciliation_exceptions'),
    transfers: await count('ledger_transfers'),
  });
  const exceptions = async (query: string): Promise<Exception[]> => {
    const answer = await call<{ data: Exception[]; has_more: boolean }>(
      hub,
      'GET',
      `/v1/reconciliation/exceptions?limit=100&${query}`,
    );
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.has_more, false);
    return answer.body.data;
  };
  /** An intent paid through the simulator; `drop` loses VNPay's IPN, so the hub never hears of it. */
  const pay = async (amount: number, options: { drop?: boolean } = {}): Promise<Intent> => {
    const bill_id = await createBill(hub, agency, feeBody(`RC-2026-${++bills}`, amount));
    const created = await createIntent(hub, agency, bill_id, 'vnpay', { open_page: true });
    sim().callbacks.faults = options.drop ? { drop: true } : {};
    sim().approve(created.reference);
    if (options.drop) await sim().callbacks.idle();
    else await until(async () => (await read(created.id)).status === 'succeeded', 'the IPN');
    sim().callbacks.faults = {};
    return read(created.id);
  };
  /** Moves what the hub and the file say happened today to `days` days ago. */
  const moveToPast = async (rows: Fields[], intents: Intent[], days: number) => {
    for (const row of rows) {
      const at = parsePayDate(row[PAY_DATE]!)!;
      row[PAY_DATE] = formatPayDate(new Date(at.getTime() - days * DAY_MS));
    }
    const ids = intents.map((intent) => intent.id);
    await db.pool.query(
      `UPDATE payment_intents SET paid_at = paid_at - make_interval(days => $2) WHERE id = ANY($1)`,
      [ids, days],
    );
    await db.pool.query(
      `UPDATE refunds SET succeeded_at = succeeded_at - make_interval(days => $2)
       WHERE payment_intent_id = ANY($1) AND status = 'succeeded'`,
      [ids, days],
    );
  };

  before(async () => {
    db = await createTestDatabase();
    hub = await bootCallbackHub(db);
    agency = await createBiller(hub, { name: 'Sở Tư pháp', kind: 'agency' });
  });
  afterEach(async () => assertLedgerOk(hub));
  after(async () => {
    await hub?.close();
    await db?.drop();
  });

  it('books a fully settled day: no exception, the payout to the bank, clearing back to zero', async () => {
    const paid = [await pay(150_000), await pay(2_300_000)];
    const refunded = await pay(500_000);
    const refund = await call<{ id: string; status: string }>(hub, 'POST', '/v1/refunds', {
      token: agency.api_key,
      body: { payment_intent: refunded.id, amount: 200_000, reason: 'Nộp thừa' },
    });
    assert.equal(refund.status, 201, refund.text);
    await until(
      async () => (await count(`refunds WHERE id = $1 AND status = 'succeeded'`, [refund.body.id])) === 1,
      'the refund',
    );
    const refs = new Set([...paid, refunded].map((intent) => intent.reference));
    const rows = dataRows(sim().settlementFile(vietnamDate(new Date()))).filter((row) => refs.has(row[1]!));
    assert.equal(rows.length, 4, 'three payments and one refund');
    await moveToPast(rows, [...paid, refunded], 3);
    const date = vietnamDate(new Date(Date.now() - 3 * DAY_MS));
    const file = rewrite(sim().settlementFile('2000-01-01'), rows);
    const bankBefore = await balance(db, 'bank:collection');

    const answer = await postFile(hub, { gateway: 'vnpay', date }, file);
    assert.equal(answer.status, 200, answer.text);
    const run = answer.body;
    assert.equal(run.object, 'reconciliation_run');
    assert.equal(run.status, 'completed');
    assert.equal(run.created_now, true);
    assert.deepEqual([run.rows, run.payment_rows, run.refund_rows], [4, 3, 1]);
    assert.equal(run.matched, 4);
    assert.equal(run.exceptions, 0);
    assert.deepEqual(run.exceptions_by_kind, {});
    const fees = rows.filter((row) => row[3] === '01').reduce((sum, row) => sum + Number(row[FEE]), 0);
    assert.equal(run.payout, 150_000 + 2_300_000 + 500_000 - fees - 200_000);
    assert.equal(run.settlement_transfer, `settle:${run.id}`);
    assert.equal(run.clearing_balance, 0);
    const bankAfter = await balance(db, 'bank:collection');
    assert.equal(bankAfter.debits - bankBefore.debits, BigInt(run.payout));
    const clearing = await balance(db, 'clearing:vnpay');
    assert.equal(clearing.debits - clearing.credits, 0n);

    const got = await call<Run>(hub, 'GET', `/v1/reconciliation/runs/${run.id}`);
    assert.equal(got.status, 200, got.text);
    assert.equal(got.body.clearing_balance, 0);
    assert.equal(got.body.payout, run.payout);
    const list = await call<{ data: Run[] }>(hub, 'GET', '/v1/reconciliation/runs?gateway=vnpay');
    assert.equal(list.status, 200, list.text);
    assert.ok(list.body.data.some((listed) => listed.id === run.id));
  });

  it('finds one discrepancy of each kind exactly once, and posts the missing payment late', async () => {
    const matched = await pay(120_000);
    const missingInHub = await pay(175_000, { drop: true });
    assert.equal((await read(missingInHub.id)).status, 'requires_action');
    const missingInGateway = await pay(130_000);
    const amountOff = await pay(140_000);
    const statusOff = await pay(150_000);
    const duplicated = await pay(160_000);
    const feeOff = await pay(170_000);
    const mine = [matched, missingInHub, missingInGateway, amountOff, statusOff, duplicated, feeOff];
    const refs = new Set(mine.map((intent) => intent.reference));
    const rows = dataRows(sim().settlementFile(vietnamDate(new Date()))).filter((row) => refs.has(row[1]!));
    assert.equal(rows.length, mine.length);
    await moveToPast(rows, mine, 5);
    const date = vietnamDate(new Date(Date.now() - 5 * DAY_MS));
    const rowOf = (intent: Intent) => rows.find((row) => row[1] === intent.reference)!;
    rowOf(amountOff)[AMOUNT] = String(140_000 + 1_000);
    Object.assign(rowOf(statusOff), { 8: '24', 9: '02' });
    rowOf(feeOff)[FEE] = String(Number(rowOf(feeOff)[FEE]) + 1);
    const edited = rows.filter((row) => row !== rowOf(missingInGateway));
    edited.push([...rowOf(duplicated)]);
    const file = rewrite(sim().settlementFile('2000-01-01'), edited);
    const lineOf = (intent: Intent, nth = 0) =>
      2 +
      edited.map((row, index) => [row, index] as const).filter(([row]) => row[1] === intent.reference)[
        nth
      ]![1];

    const answer = await postFile(hub, { gateway: 'vnpay', date }, file);
    assert.equal(answer.status, 200, answer.text);
    const run = answer.body;
    assert.deepEqual(run.exceptions_by_kind, {
      missing_in_hub: 1,
      missing_in_gateway: 1,
      amount_mismatch: 1,
      status_mismatch: 1,
      duplicate: 1,
      fee_mismatch: 1,
    });
    assert.equal(run.exceptions, 6);
    assert.equal(run.rows, 7);
    assert.equal(run.matched, 2, 'the matched payment and the first of the duplicated one');
    assert.equal(run.confirmed, 1);

    const found = await exceptions(`run=${run.id}`);
    assert.equal(found.length, 6);
    const byKind = new Map(found.map((exception) => [exception.kind, exception]));
    assert.equal(byKind.size, 6, 'one of each kind');
    const check = (kind: string, intent: Intent, line: number | null) => {
      const exception = byKind.get(kind)!;
      assert.equal(exception.payment_intent, intent.id, kind);
      assert.equal(exception.merchant_ref, intent.reference, kind);
      assert.equal(exception.line, line, kind);
      return exception;
    };
    check('missing_in_gateway', missingInGateway, null);
    assert.equal(check('amount_mismatch', amountOff, lineOf(amountOff)).file_amount, 141_000);
    check('status_mismatch', statusOff, lineOf(statusOff));
    assert.deepEqual(check('duplicate', duplicated, lineOf(duplicated, 1)).details, {
      first_line: lineOf(duplicated),
    });
    const fee = check('fee_mismatch', feeOff, lineOf(feeOff));
    assert.equal(fee.file_fee, fee.expected_fee! + 1);

    // Paid at VNPay, never heard of by the hub: confirmed by VNPay's query, then posted late, once.
    const late = check('missing_in_hub', missingInHub, lineOf(missingInHub));
    assert.equal(late.status, 'resolved');
    assert.equal(late.resolution, 'late_capture');
    assert.equal(late.transfer, `pay:${missingInHub.id}`);
    const now = await read(missingInHub.id);
    assert.equal(now.status, 'succeeded');
    assert.ok(now.receipt);
    assert.equal(await count('receipts WHERE payment_intent_id = $1', [missingInHub.id]), 1);
    assert.equal(await count('ledger_transfers WHERE id = $1', [`pay:${missingInHub.id}`]), 1);

    assert.equal((await exceptions(`run=${run.id}&status=open`)).length, 5);
    assert.equal((await exceptions(`run=${run.id}&kind=duplicate`)).length, 1);

    // The same file again: the first run, and nothing changes.
    const before = await stored();
    const again = await postFile(hub, { gateway: 'vnpay', date }, file);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.id, run.id);
    assert.equal(again.body.created_now, false);
    assert.deepEqual(await stored(), before);
    assert.equal(await count('receipts WHERE payment_intent_id = $1', [missingInHub.id]), 1);

    // Another file for a day already reconciled is a person's call.
    const other = await postFile(hub, { gateway: 'vnpay', date }, rewrite(file, edited.slice(1)));
    assert.equal(other.status, 409, other.text);
    assert.equal(other.body.error.code, 'reconciliation_date_reconciled');
    assert.deepEqual(await stored(), before);
  });

  it('takes a payment made around midnight on the other day’s file as a timing difference, not a loss', async () => {
    // The hub recorded late (23:59:30 of day 1) on the gateway's file of day 2, and early (00:00:30
    // of day 2) on its file of day 1.
    const late = await pay(210_000);
    const early = await pay(220_000);
    const refs = new Set([late.reference, early.reference]);
    const rows = dataRows(sim().settlementFile(vietnamDate(new Date()))).filter((row) => refs.has(row[1]!));
    assert.equal(rows.length, 2);
    const rowOf = (intent: Intent) => rows.find((row) => row[1] === intent.reference)!;
    const day1 = vietnamDate(new Date(Date.now() - 12 * DAY_MS));
    const day2 = vietnamDate(new Date(Date.now() - 11 * DAY_MS));
    const midnight = vietnamDay(day2).start.getTime();
    const setPaidAt = (intent: Intent, at: number) =>
      db.pool.query('UPDATE payment_intents SET paid_at = $2 WHERE id = $1', [intent.id, new Date(at)]);
    await setPaidAt(late, midnight - 30_000);
    await setPaidAt(early, midnight + 30_000);
    rowOf(late)[PAY_DATE] = formatPayDate(new Date(midnight + 5_000));
    rowOf(early)[PAY_DATE] = formatPayDate(new Date(midnight - 5_000));
    const template = sim().settlementFile('2000-01-01');
    const clearingBefore = await balance(db, 'clearing:vnpay');

    // Day 1's file lists the early payment only: the late one is missing from it, for now.
    const first = await postFile(hub, { gateway: 'vnpay', date: day1 }, rewrite(template, [rowOf(early)]));
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body.exceptions_by_kind, { missing_in_gateway: 1 });
    assert.equal(first.body.matched, 1);
    const [missing] = await exceptions(`run=${first.body.id}`);
    assert.equal(missing!.payment_intent, late.id);
    assert.equal(missing!.status, 'open');

    // Day 2's file lists the late one: its exception is resolved as a timing difference by the import,
    // and the early payment (in day 2's hours at the hub) is not called missing: day 1's file had it.
    const second = await postFile(hub, { gateway: 'vnpay', date: day2 }, rewrite(template, [rowOf(late)]));
    assert.equal(second.status, 200, second.text);
    assert.deepEqual(second.body.exceptions_by_kind, {});
    assert.equal(second.body.matched, 1);
    assert.equal(second.body.timing_differences, 1);
    const settled = await call<Exception & { actions: string[]; audit: Array<Record<string, unknown>> }>(
      hub,
      'GET',
      `/v1/reconciliation/exceptions/${missing!.id}`,
    );
    assert.equal(settled.status, 200, settled.text);
    assert.equal(settled.body.status, 'resolved');
    assert.equal(settled.body.resolution, 'timing_difference');
    assert.equal(settled.body.transfer, `settle:${second.body.id}`);
    assert.deepEqual(settled.body.actions, [], 'nothing left to write off');
    assert.deepEqual(settled.body.details.listed_in, { run: second.body.id, settlement_date: day2, line: 2 });
    assert.equal(settled.body.audit.length, 1);
    assert.deepEqual(
      {
        action: settled.body.audit[0]!.action,
        operator: settled.body.audit[0]!.operator,
        transfers: settled.body.audit[0]!.transfers,
      },
      {
        action: 'timing_difference',
        operator: 'reconciliation',
        transfers: [`settle:${second.body.id}`, `pay:${late.id}`],
      },
    );
    // Both days' payouts took both payments out of clearing: nothing of theirs is left there.
    const clearingAfter = await balance(db, 'clearing:vnpay');
    assert.equal(
      clearingAfter.debits - clearingAfter.credits - (clearingBefore.debits - clearingBefore.credits),
      -BigInt(first.body.payout + second.body.payout),
    );
    assert.equal(
      first.body.payout + second.body.payout,
      210_000 + 220_000 - Number(rowOf(late)[FEE]) - Number(rowOf(early)[FEE]),
    );
    // A day's file imported again resolves nothing twice.
    const again = await postFile(hub, { gateway: 'vnpay', date: day2 }, rewrite(template, [rowOf(late)]));
    assert.equal(again.body.created_now, false);
    assert.equal(await count('reconciliation_audit WHERE exception_id = $1', [missing!.id]), 1);
  });

  it('finds a payment the gateway paid out again on the next day’s file: a duplicate naming the first', async () => {
    const twice = await pay(230_000);
    const rows = dataRows(sim().settlementFile(vietnamDate(new Date()))).filter(
      (row) => row[1] === twice.reference,
    );
    assert.equal(rows.length, 1);
    await moveToPast(rows, [twice], 21);
    const template = sim().settlementFile('2000-01-01');
    const first = await postFile(
      hub,
      { gateway: 'vnpay', date: vietnamDate(new Date(Date.now() - 21 * DAY_MS)) },
      rewrite(template, rows),
    );
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body.exceptions_by_kind, {});
    const again = await postFile(
      hub,
      { gateway: 'vnpay', date: vietnamDate(new Date(Date.now() - 20 * DAY_MS)) },
      rewrite(template, rows),
    );
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.body.exceptions_by_kind, { duplicate: 1 });
    assert.equal(again.body.matched, 0);
    const [duplicate] = await exceptions(`run=${again.body.id}`);
    assert.equal(duplicate!.payment_intent, twice.id);
    assert.equal(duplicate!.line, 2);
    assert.deepEqual(duplicate!.details, { first_line: 2, first_run: first.body.id });
  });

  it('refuses bad files naming the line, and stores nothing', async () => {
    const paid = await pay(110_000);
    const rows = dataRows(sim().settlementFile(vietnamDate(new Date()))).filter(
      (row) => row[1] === paid.reference,
    );
    const good = rewrite(sim().settlementFile('2000-01-01'), [rows[0]!, rows[0]!.slice()]);
    const date = '2026-01-02';
    const lines = good.split('\n');
    const cases: Array<[string, string | Buffer, string, number]> = [
      ['wrong columns', good.replace('TxnRef', 'OrderRef'), 'settlement_file_wrong_columns', 1],
      ["another gateway's format", [...writeMomoFile([])].join(''), 'settlement_file_wrong_columns', 1],
      [
        'bad encoding',
        Buffer.concat([
          Buffer.from(`${lines[0]}\n${lines[1]}\n`),
          Buffer.from([0xc3, 0x28]),
          Buffer.from(`${lines[2]}\n${lines[3]}\n`),
        ]),
        'settlement_file_bad_encoding',
        3,
      ],
      ['truncated', `${lines[0]}\n${lines[1]}\n${lines[2]}\n`, 'settlement_file_truncated', 4],
      ['bad row', good.replace(/,110000,/, ',11O000,'), 'settlement_file_bad_row', 2],
    ];
    const before = await stored();
    for (const [name, file, code, line] of cases) {
      const answer = await postFile(hub, { gateway: 'vnpay', date }, file);
      assert.equal(answer.status, 400, `${name}: ${answer.text}`);
      assert.equal(answer.body.error.code, code, name);
      assert.equal(answer.body.error.param, 'file', name);
      assert.match(answer.body.error.message, new RegExp(`line ${line}\\b`), name);
      assert.deepEqual(await stored(), before, name);
    }
    const noDate = await postFile(hub, { gateway: 'vnpay', date: '2026-02-30' }, good);
    assert.equal(noDate.status, 400, noDate.text);
    assert.equal(noDate.body.error.param, 'date');
    const noAdmin = await call(hub, 'GET', '/v1/reconciliation/runs', { token: null });
    assert.equal(noAdmin.status, 401);
    assert.deepEqual(await stored(), before);
  });

  it('takes an Idempotency-Key on the file import: the same file answered again, another refused, a refusal kept', async () => {
    const paid = await pay(130_000);
    const rows = dataRows(sim().settlementFile(vietnamDate(new Date()))).filter(
      (row) => row[1] === paid.reference,
    );
    await moveToPast(rows, [paid], 30);
    const date = vietnamDate(new Date(Date.now() - 30 * DAY_MS));
    const file = rewrite(sim().settlementFile('2000-01-01'), rows);
    const key = `recon-vnpay-${date}`;
    const before = await stored();

    // Another request holds the key (its advisory lock): 409 at once, nothing imported.
    const holder = await db.pool.connect();
    const { lock_id } = idempotencyKeyMaterial('admin', key);
    try {
      await holder.query('SELECT pg_advisory_lock($1::bigint)', [lock_id]);
      const busy = await postFile(hub, { gateway: 'vnpay', date }, file, { idempotency_key: key });
      assert.equal(busy.status, 409, busy.text);
      assert.equal(busy.body.error.code, 'idempotency_key_in_use');
      assert.deepEqual(await stored(), before);
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1::bigint)', [lock_id]);
      holder.release();
    }

    const first = await postFile(hub, { gateway: 'vnpay', date }, file, { idempotency_key: key });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.created_now, true);
    assert.equal(first.body.matched, 1);
    assert.equal(first.replayed, null);
    const imported = await stored();
    assert.equal(imported.runs, before.runs + 1);
    // The same key and file: the first answer, byte for byte, and nothing done again.
    const again = await postFile(hub, { gateway: 'vnpay', date }, file, { idempotency_key: key });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.replayed, 'true');
    assert.equal(again.text, first.text);
    assert.deepEqual(await stored(), imported);
    // The same key with another file, or the same file for another day: refused, nothing imported
    // (without the key, each would be a run of its own).
    const empty = rewrite(sim().settlementFile('2000-01-01'), []);
    for (const [name, fields, body] of [
      ['another file', { gateway: 'vnpay', date: '2026-01-03' }, empty],
      ['another day', { gateway: 'vnpay', date: '2026-01-04' }, file],
      ['another gateway', { gateway: 'momo', date }, file],
    ] as const) {
      const reused = await postFile(hub, fields, body, { idempotency_key: key });
      assert.equal(reused.status, 409, `${name}: ${reused.text}`);
      assert.equal(reused.body.error.code, 'idempotency_key_reused', name);
      assert.deepEqual(await stored(), imported, name);
    }
    // Without a key the file is still answered by its first run.
    const plain = await postFile(hub, { gateway: 'vnpay', date }, file);
    assert.equal(plain.status, 200, plain.text);
    assert.equal(plain.body.id, first.body.id);
    assert.equal(plain.body.created_now, false);

    // A refused file under a key: the same refusal again (kept), and its correction needs a new key.
    const bad = file.replace(/,130000,/, ',13O000,');
    assert.notEqual(bad, file);
    const refused = await postFile(hub, { gateway: 'vnpay', date: '2026-01-06' }, bad, {
      idempotency_key: 'recon-bad',
    });
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.body.error.code, 'settlement_file_bad_row');
    assert.equal(refused.replayed, null);
    const refusedAgain = await postFile(hub, { gateway: 'vnpay', date: '2026-01-06' }, bad, {
      idempotency_key: 'recon-bad',
    });
    assert.equal(refusedAgain.status, 400, refusedAgain.text);
    assert.equal(refusedAgain.replayed, 'true');
    assert.equal(refusedAgain.text, refused.text);
    const corrected = await postFile(hub, { gateway: 'vnpay', date: '2026-01-06' }, empty, {
      idempotency_key: 'recon-bad',
    });
    assert.equal(corrected.status, 409, corrected.text);
    assert.equal(corrected.body.error.code, 'idempotency_key_reused');
    assert.deepEqual(await stored(), imported);

    const invalid = await postFile(hub, { gateway: 'vnpay', date: '2026-01-06' }, empty, {
      idempotency_key: 'k'.repeat(256),
    });
    assert.equal(invalid.status, 400, invalid.text);
    assert.equal(invalid.body.error.code, 'idempotency_key_invalid');
    assert.deepEqual(await stored(), imported);
  });

  it('runs from the command line: progress, a summary, and the line of a bad file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'payhub-recon-'));
    try {
      const empty = join(dir, 'empty.csv');
      writeFileSync(empty, rewrite(sim().settlementFile('2000-01-01'), []));
      const env = { DATABASE_URL: db.url, HUB_DATA_DIR: DATA_DIR, LOG_LEVEL: 'silent' };
      const ok = await payhub(['reconcile', '--gateway', 'vnpay', '--date', '2026-03-04', empty], env);
      assert.equal(ok.code, 0, ok.stderr);
      const summary = JSON.parse(ok.stdout.trim().split('\n').pop()!) as Run;
      assert.equal(summary.object, 'reconciliation_run');
      assert.equal(summary.rows, 0);
      assert.equal(summary.created_now, true);
      assert.equal(await count(`reconciliation_runs WHERE id = $1`, [summary.id]), 1);

      const cut = join(dir, 'cut.csv');
      writeFileSync(cut, `${sim().settlementFile('2000-01-01').split('\n')[0]}\n`);
      const before = await stored();
      const bad = await payhub(['reconcile', '--gateway=vnpay', '--date=2026-03-05', cut], env);
      assert.equal(bad.code, 1, bad.stderr);
      assert.match(bad.stderr, /line 2\b/);
      assert.deepEqual(await stored(), before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
