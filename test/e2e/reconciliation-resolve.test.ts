// Resolutions of reconciliation exceptions over real HTTP and Postgres, with the in-process VNPay
// simulator and FEE_BEARER=biller (so that a fee adjustment moves the agency's payable): one day's file
// with one exception of each kind (and a payment the hub never heard of), then each action on its kind
// posts the expected transfers; a wrong action is 400 and changes nothing; resolving twice is 409 (the
// very same request answers the same); concurrent resolutions resolve once; the audit rows cannot be
// updated or deleted; the agency's statement shows the adjustments and still ties; once every exception
// is resolved clearing:vnpay is back to zero. The ledger verifies after every test.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { formatVietnamTime } from '../../adapters/shared/time';
import { formatPayDate, parsePayDate } from '../../adapters/vnpay/vnpay.settlement';
import type { VnpaySimulator } from '../../adapters/vnpay/vnpay.simulator';
import { GatewaysService } from '../../src/gateways/gateways.service';
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
import { ADMIN_TOKEN } from './support/hub';

interface Audit {
  object: string;
  action: string;
  resolution: string;
  reason: string;
  operator: string;
  transfers: string[];
  amount: number;
}

interface Exception {
  id: string;
  kind: string;
  status: string;
  row_kind: string;
  payment_intent: string | null;
  merchant_ref: string | null;
  file_amount: number | null;
  file_fee: number | null;
  expected_fee: number | null;
  resolution: string | null;
  resolved_by: string | null;
  resolution_reason: string | null;
  transfer: string | null;
  transfers: string[];
  actions: string[];
  audit: Audit[];
}

interface Statement {
  adjustments: Array<{ transfer: string; reconciliation_exception: string; action: string; amount: number }>;
  totals: { adjustments: { count: number; amount: number }; net: number; payable_movement: number };
  ledger: { net: number };
  ties: boolean;
}

const DAY_MS = 24 * 3600 * 1000;
const AMOUNT = 5;
const FEE = 6;
const PAY_DATE = 7;
const vietnamDate = (at: Date) => formatVietnamTime(at, 'yyyy-MM-dd');
type Fields = string[];

function dataRows(file: string): Fields[] {
  return file
    .trimEnd()
    .split('\n')
    .slice(1, -1)
    .map((line) => line.split(','));
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

describe('reconciliation resolutions', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let agency: CreatedBiller;
  let bills = 0;
  const byKind = new Map<string, Exception>();
  let unknownRef: Exception;
  let run_id: string;

  const sim = (): VnpaySimulator => hub.app.get(GatewaysService).simulators!.vnpay!;
  const read = async (id: string) =>
    (await call<Intent>(hub, 'GET', `/v1/payment_intents/${id}`, { token: agency.api_key })).body;
  const count = (sql: string, values: unknown[] = []) => countRows(db, sql, values);
  const resolve = (id: string, body: Record<string, unknown>) =>
    call<Exception & ErrorBody>(hub, 'POST', `/v1/reconciliation/exceptions/${id}/resolve`, { body });
  const getException = async (id: string) => {
    const answer = await call<Exception>(hub, 'GET', `/v1/reconciliation/exceptions/${id}`);
    assert.equal(answer.status, 200, answer.text);
    return answer.body;
  };
  const transfer = async (id: string) =>
    (
      await db.pool.query<{
        debit_account_id: string;
        credit_account_id: string;
        amount: string;
        code: number;
      }>(
        'SELECT debit_account_id, credit_account_id, amount::text, code FROM ledger_transfers WHERE id = $1',
        [id],
      )
    ).rows[0];
  const clearing = async () => {
    const found = await balance(db, 'clearing:vnpay');
    return found.debits - found.credits;
  };
  const statement = async () => {
    const today = vietnamDate(new Date());
    const answer = await call<Statement>(
      hub,
      'GET',
      `/v1/reports/statements?biller=${agency.id}&from=${today}&to=${today}`,
    );
    assert.equal(answer.status, 200, answer.text);
    return answer.body;
  };
  const pay = async (amount: number, options: { drop?: boolean } = {}): Promise<Intent> => {
    const bill_id = await createBill(hub, agency, feeBody(`RR-2026-${++bills}`, amount));
    const created = await createIntent(hub, agency, bill_id, 'vnpay', { open_page: true });
    sim().callbacks.faults = options.drop ? { drop: true } : {};
    sim().approve(created.reference);
    if (options.drop) await sim().callbacks.idle();
    else await until(async () => (await read(created.id)).status === 'succeeded', 'the IPN');
    sim().callbacks.faults = {};
    return read(created.id);
  };

  before(async () => {
    db = await createTestDatabase();
    hub = await bootCallbackHub(db, { FEE_BEARER: 'biller', JANITOR_INTERVAL_SECONDS: '0' });
    agency = await createBiller(hub, { name: 'Sở Giao thông Vận tải', kind: 'agency' });

    const matched = await pay(120_000);
    const missingInHub = await pay(175_000, { drop: true });
    const missingInGateway = await pay(130_000);
    const amountOff = await pay(140_000);
    const statusOff = await pay(150_000);
    const duplicated = await pay(160_000);
    const feeOff = await pay(170_000);
    const mine = [matched, missingInHub, missingInGateway, amountOff, statusOff, duplicated, feeOff];
    const refs = new Set(mine.map((intent) => intent.reference));
    const rows = dataRows(sim().settlementFile(vietnamDate(new Date()))).filter((row) => refs.has(row[1]!));
    assert.equal(rows.length, mine.length);
    // The file is for 4 days ago: the hub's side moves there too (paid_at), so that the day matches.
    for (const row of rows)
      row[PAY_DATE] = formatPayDate(new Date(parsePayDate(row[PAY_DATE]!)!.getTime() - 4 * DAY_MS));
    await db.pool.query(
      `UPDATE payment_intents SET paid_at = paid_at - interval '4 days' WHERE id = ANY($1)`,
      [mine.map((intent) => intent.id)],
    );
    // VNPay finds a transaction by its reference AND its creation date: with another date the core's
    // query finds nothing, so the missing payment stays open for an operator to capture.
    await db.pool.query(
      `UPDATE payment_intents SET created_at = created_at - interval '2 days' WHERE id = $1`,
      [missingInHub.id],
    );
    const rowOf = (intent: Intent) => rows.find((row) => row[1] === intent.reference)!;
    rowOf(amountOff)[AMOUNT] = String(141_000);
    Object.assign(rowOf(statusOff), { 8: '24', 9: '02' });
    rowOf(feeOff)[FEE] = String(Number(rowOf(feeOff)[FEE]) + 1_000);
    const edited = rows.filter((row) => row !== rowOf(missingInGateway));
    edited.push([...rowOf(duplicated)]);
    // A payment the hub has no intent for at all.
    const stranger = [...rowOf(matched)];
    stranger[1] = 'RRUNKNOWN0001';
    stranger[2] = '99990001';
    edited.push(stranger);
    const file = rewrite(sim().settlementFile('2000-01-01'), edited);
    const date = vietnamDate(new Date(Date.now() - 4 * DAY_MS));

    const form = new FormData();
    form.append('gateway', 'vnpay');
    form.append('date', date);
    form.append('file', new Blob([file]), 'vnpay.csv');
    const response = await fetch(`${hub.url}/v1/reconciliation/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: form,
    });
    const text = await response.text();
    assert.equal(response.status, 200, text);
    const run = JSON.parse(text) as {
      id: string;
      exceptions_by_kind: Record<string, number>;
      confirmed: number;
    };
    assert.deepEqual(run.exceptions_by_kind, {
      missing_in_hub: 2,
      missing_in_gateway: 1,
      amount_mismatch: 1,
      status_mismatch: 1,
      duplicate: 1,
      fee_mismatch: 1,
    });
    assert.equal(run.confirmed, 0);
    run_id = run.id;
    const listed = await call<{ data: Exception[] }>(
      hub,
      'GET',
      `/v1/reconciliation/exceptions?run=${run.id}`,
    );
    assert.equal(listed.status, 200, listed.text);
    for (const exception of listed.body.data) {
      if (exception.kind === 'missing_in_hub' && exception.payment_intent === null) unknownRef = exception;
      else byKind.set(exception.kind, exception);
    }
    assert.ok(unknownRef, 'the unknown reference');
    assert.equal(byKind.get('missing_in_hub')!.payment_intent, missingInHub.id);
  });
  afterEach(async () => assertLedgerOk(hub));
  after(async () => {
    await hub?.close();
    await db?.drop();
  });

  it('filters the queue by kind, status, gateway and date, a page at a time', async () => {
    const date = vietnamDate(new Date(Date.now() - 4 * DAY_MS));
    const page = await call<{ data: Exception[]; has_more: boolean }>(
      hub,
      'GET',
      `/v1/reconciliation/exceptions?gateway=vnpay&date=${date}&status=open&limit=5`,
    );
    assert.equal(page.status, 200, page.text);
    assert.equal(page.body.data.length, 5);
    assert.equal(page.body.has_more, true);
    const rest = await call<{ data: Exception[]; has_more: boolean }>(
      hub,
      'GET',
      `/v1/reconciliation/exceptions?gateway=vnpay&date=${date}&status=open&starting_after=${page.body.data[4]!.id}`,
    );
    assert.equal(rest.body.data.length, 2);
    assert.equal(rest.body.has_more, false);
    const other = await call<{ data: Exception[] }>(hub, 'GET', `/v1/reconciliation/exceptions?gateway=momo`);
    assert.equal(other.body.data.length, 0);
    const otherDay = await call<{ data: Exception[] }>(
      hub,
      'GET',
      `/v1/reconciliation/exceptions?date=2001-01-01`,
    );
    assert.equal(otherDay.body.data.length, 0);
    const kind = await call<{ data: Exception[] }>(
      hub,
      'GET',
      `/v1/reconciliation/exceptions?kind=missing_in_hub`,
    );
    assert.equal(kind.body.data.length, 2);
    const bad = await call<ErrorBody>(hub, 'GET', '/v1/reconciliation/exceptions?date=2026-02-30');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.param, 'date');
    const detail = await getException(byKind.get('fee_mismatch')!.id);
    assert.deepEqual(detail.actions, ['fee_adjustment', 'write_off']);
    assert.deepEqual(detail.audit, []);
  });

  it('refuses an action that does not fit the kind, and bad bodies, changing nothing', async () => {
    const before = await count('ledger_transfers');
    const duplicate = byKind.get('duplicate')!;
    const cases: Array<[string, Record<string, unknown>, number, string]> = [
      [
        duplicate.id,
        { action: 'fee_adjustment', reason: 'x', operator: 'An' },
        400,
        'reconciliation_action_invalid',
      ],
      [
        unknownRef.id,
        { action: 'late_capture', reason: 'x', operator: 'An' },
        400,
        'reconciliation_action_invalid',
      ],
      [duplicate.id, { action: 'delete', reason: 'x', operator: 'An' }, 400, 'parameter_invalid'],
      [duplicate.id, { action: 'write_off', operator: 'An' }, 400, 'parameter_missing'],
      [
        duplicate.id,
        { action: 'write_off', reason: 'x', operator: 'An', amount: 5 },
        400,
        'parameter_unknown',
      ],
      [
        'rcx_00000000000000000000000000',
        { action: 'write_off', reason: 'x', operator: 'An' },
        404,
        'reconciliation_exception_not_found',
      ],
    ];
    for (const [id, body, status, code] of cases) {
      const answer = await resolve(id, body);
      assert.equal(answer.status, status, answer.text);
      assert.equal(answer.body.error.code, code, JSON.stringify(body));
    }
    assert.equal(await count('ledger_transfers'), before);
    assert.equal(await count('reconciliation_audit'), 0);
    assert.equal((await getException(duplicate.id)).status, 'open');
  });

  it('late_capture posts the missing payment through the callbacks: intent paid, one receipt', async () => {
    const exception = byKind.get('missing_in_hub')!;
    const answer = await resolve(exception.id, {
      action: 'late_capture',
      reason: 'VNPay confirmed the transaction (ticket 4411).',
      operator: 'Nguyễn Văn An',
    });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.status, 'resolved');
    assert.equal(answer.body.resolution, 'late_capture');
    assert.equal(answer.body.resolved_by, 'Nguyễn Văn An');
    assert.equal(answer.body.resolution_reason, 'VNPay confirmed the transaction (ticket 4411).');
    assert.equal(answer.body.transfer, `pay:${exception.payment_intent}`);
    assert.equal(answer.body.audit.length, 1);
    assert.deepEqual(answer.body.audit[0]!.transfers, [`pay:${exception.payment_intent}`]);
    assert.equal((await read(exception.payment_intent!)).status, 'succeeded');
    assert.equal(await count('receipts WHERE payment_intent_id = $1', [exception.payment_intent]), 1);
    const pay = await transfer(`pay:${exception.payment_intent}`);
    assert.equal(pay?.credit_account_id, `payable:${agency.id}`);
    assert.equal(pay?.amount, '175000');
  });

  it('fee_adjustment moves the difference from the bearer (the agency) and the statement still ties', async () => {
    const exception = byKind.get('fee_mismatch')!;
    const difference = exception.file_fee! - exception.expected_fee!;
    assert.equal(difference, 1_000);
    const before = await statement();
    assert.equal(before.ties, true);
    const body = {
      action: 'fee_adjustment',
      reason: 'Contract rate 1.1 % + 1,000',
      operator: 'Trần Thị Bình',
    };
    const answer = await resolve(exception.id, body);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.resolution, 'fee_adjustment');
    const id = `recon:${exception.id}:fee_adjustment`;
    assert.deepEqual(answer.body.transfers, [id]);
    assert.deepEqual(await transfer(id), {
      debit_account_id: `payable:${agency.id}`,
      credit_account_id: 'clearing:vnpay',
      amount: '1000',
      code: 6,
    });

    const after = await statement();
    assert.equal(after.ties, true, JSON.stringify(after.totals));
    const line = after.adjustments.find((adjustment) => adjustment.transfer === id);
    assert.ok(line, 'the adjustment is a line of the statement');
    assert.equal(line.amount, -1_000);
    assert.equal(line.action, 'fee_adjustment');
    assert.equal(line.reconciliation_exception, exception.id);
    assert.equal(after.totals.adjustments.amount - before.totals.adjustments.amount, -1_000);
    assert.equal(after.ledger.net - before.ledger.net, -1_000);
    const today = vietnamDate(new Date());
    const csv = await fetch(
      `${hub.url}/v1/reports/statements?biller=${agency.id}&from=${today}&to=${today}&format=csv`,
      { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
    );
    assert.equal(csv.status, 200);
    const lines = (await csv.text()).split('\r\n');
    const row = lines.find((text) => text.includes(',adjustment,') && text.endsWith(`,${exception.id}`));
    assert.ok(row, 'the adjustment is a row of the CSV');
    assert.match(row, /,-1000,,,fee_adjustment,0,/);
    assert.ok(lines.includes('ledger,ties,,true'), 'the CSV ties too');

    // The very same request again answers the same and changes nothing; another is 409.
    const transfers = await count('ledger_transfers');
    const again = await resolve(exception.id, body);
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.body.transfers, [id]);
    assert.equal(again.body.audit.length, 1);
    const other = await resolve(exception.id, { ...body, operator: 'Lê Văn Cường' });
    assert.equal(other.status, 409, other.text);
    assert.equal(other.body.error.code, 'reconciliation_exception_resolved');
    const write = await resolve(exception.id, { ...body, action: 'write_off' });
    assert.equal(write.status, 409, write.text);
    assert.equal(await count('ledger_transfers'), transfers);
    assert.equal(await count('reconciliation_audit WHERE exception_id = $1', [exception.id]), 1);
  });

  it('refund reverses a payment the gateway says failed; the statement shows it and ties', async () => {
    const exception = byKind.get('status_mismatch')!;
    const intent = exception.payment_intent!;
    const fee = await transfer(`pay:${intent}:fee`);
    assert.ok(fee, 'a fee was booked');
    const answer = await resolve(exception.id, {
      action: 'refund',
      reason: 'VNPay: the card payment was reversed by the bank',
      operator: 'Nguyễn Văn An',
    });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.resolution, 'refund');
    assert.deepEqual(answer.body.transfers, [
      `recon:${exception.id}:refund`,
      `recon:${exception.id}:refund_fee`,
    ]);
    assert.deepEqual(await transfer(`recon:${exception.id}:refund`), {
      debit_account_id: `payable:${agency.id}`,
      credit_account_id: 'clearing:vnpay',
      amount: '150000',
      code: 4,
    });
    assert.deepEqual(await transfer(`recon:${exception.id}:refund_fee`), {
      debit_account_id: 'clearing:vnpay',
      credit_account_id: `payable:${agency.id}`,
      amount: fee.amount,
      code: 4,
    });
    const after = await statement();
    assert.equal(after.ties, true, JSON.stringify(after.totals));
    const lines = after.adjustments.filter((line) => line.reconciliation_exception === exception.id);
    assert.deepEqual(
      lines.map((line) => line.amount).sort((a, b) => a - b),
      [-150_000, Number(fee.amount)],
    );
  });

  it('write_off: concurrent resolutions resolve once; loss to write_offs, surplus to suspense', async () => {
    const duplicate = byKind.get('duplicate')!;
    const answers = await Promise.all(
      ['Operator A', 'Operator B'].map((operator) =>
        resolve(duplicate.id, { action: 'write_off', reason: 'VNPay paid the line twice', operator }),
      ),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    assert.deepEqual(statuses, [200, 409], answers.map((answer) => answer.text).join('\n'));
    assert.equal(await count('reconciliation_audit WHERE exception_id = $1', [duplicate.id]), 1);
    const surplus = duplicate.file_amount! - duplicate.file_fee!;
    assert.deepEqual(await transfer(`recon:${duplicate.id}:write_off`), {
      debit_account_id: 'clearing:vnpay',
      credit_account_id: 'suspense:vnpay',
      amount: String(surplus),
      code: 8,
    });
    const winner = answers.find((answer) => answer.status === 200)!;
    assert.equal(winner.body.resolution, 'write_off_to_suspense');

    // The payment VNPay settled that the hub never heard of: held in suspense.
    const unknown = await resolve(unknownRef.id, {
      action: 'write_off',
      reason: 'Unidentified',
      operator: 'An',
    });
    assert.equal(unknown.status, 200, unknown.text);
    assert.equal((await transfer(`recon:${unknownRef.id}:write_off`))?.credit_account_id, 'suspense:vnpay');

    // The payment VNPay did not settle: a loss, once the next day's file has not listed it either
    // (before, it may be a payment around midnight on that file: refused, nothing changes).
    const missing = byKind.get('missing_in_gateway')!;
    const early = await resolve(missing.id, { action: 'write_off', reason: 'Dispute lost', operator: 'An' });
    assert.equal(early.status, 409, early.text);
    assert.equal(early.body.error.code, 'reconciliation_action_not_applicable');
    const next_day = vietnamDate(new Date(Date.now() - 3 * DAY_MS));
    assert.ok(early.body.error.message.includes(next_day), early.body.error.message);
    assert.equal((await getException(missing.id)).status, 'open');
    assert.equal(await transfer(`recon:${missing.id}:write_off`), undefined);
    const form = new FormData();
    form.append('gateway', 'vnpay');
    form.append('date', next_day);
    form.append('file', new Blob([rewrite(sim().settlementFile('2000-01-01'), [])]), 'vnpay.csv');
    const nextRun = await fetch(`${hub.url}/v1/reconciliation/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: form,
    });
    assert.equal(nextRun.status, 200, await nextRun.text());
    const lost = await resolve(missing.id, { action: 'write_off', reason: 'Dispute lost', operator: 'An' });
    assert.equal(lost.status, 200, lost.text);
    assert.equal(lost.body.resolution, 'write_off');
    const loss = await transfer(`recon:${missing.id}:write_off`);
    assert.equal(loss?.debit_account_id, 'write_offs:vnpay');
    assert.equal(loss?.credit_account_id, 'clearing:vnpay');
    const fee = await transfer(`pay:${missing.payment_intent}:fee`);
    assert.equal(loss?.amount, String(130_000 - Number(fee?.amount ?? 0)));

    // 1,000 more in the file than the hub booked: surplus to suspense.
    const amount = byKind.get('amount_mismatch')!;
    const off = await resolve(amount.id, { action: 'write_off', reason: 'Gateway error', operator: 'An' });
    assert.equal(off.status, 200, off.text);
    assert.equal((await transfer(`recon:${amount.id}:write_off`))?.amount, '1000');
  });

  it('leaves clearing at zero once every exception is resolved, and the statement tied', async () => {
    const open = await call<{ data: Exception[] }>(
      hub,
      'GET',
      `/v1/reconciliation/exceptions?run=${run_id}&status=open`,
    );
    assert.deepEqual(
      open.body.data.map((exception) => exception.kind),
      [],
    );
    assert.equal(await clearing(), 0n);
    assert.equal((await statement()).ties, true);
  });

  it('keeps the audit trail append-only: Postgres refuses UPDATE and DELETE', async () => {
    const detail = await getException(byKind.get('fee_mismatch')!.id);
    assert.equal(detail.audit.length, 1);
    assert.equal(detail.audit[0]!.operator, 'Trần Thị Bình');
    assert.equal(detail.audit[0]!.action, 'fee_adjustment');
    assert.equal(detail.audit[0]!.amount, 1_000);
    await assert.rejects(
      db.pool.query(`UPDATE reconciliation_audit SET operator = 'someone else'`),
      /reconciliation audit rows are immutable: UPDATE/,
    );
    await assert.rejects(db.pool.query('DELETE FROM reconciliation_audit'), /immutable: DELETE/);
    await assert.rejects(db.pool.query('TRUNCATE reconciliation_audit'), /immutable: TRUNCATE/);
    assert.equal(await count('reconciliation_audit'), 7);
  });
});
