// The scheduled reconciliation over a temporary drop folder: the pg-boss cron schedule is registered
// from RECON_CRON in Vietnam time; a run for a day (POST /v1/reconciliation/scheduled-runs, as the cron
// job does) imports the VNPay and MoMo simulators' own files for that day, refuses a bad file with its
// line in the report, runs the janitor and stores the report (GET /v1/reconciliation/reports); a second
// run changes nothing. The ledger verifies after every test.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { MomoSimulator } from '../../adapters/momo/momo.simulator';
import { formatVietnamTime } from '../../adapters/shared/time';
import type { VnpaySimulator } from '../../adapters/vnpay/vnpay.simulator';
import { GatewaysService } from '../../src/gateways/gateways.service';
import { JobQueue } from '../../src/jobs/job-queue';
import type { RunningHub } from '../../src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, createBiller, type CreatedBiller, type ErrorBody } from './support/api';
import {
  assertLedgerOk,
  bootCallbackHub,
  countRows,
  createBill,
  createIntent,
  feeBody,
  type Intent,
  until,
} from './support/gateway-payments';

interface FileReport {
  file: string;
  gateway: string;
  result: string;
  run: string | null;
  exceptions_by_kind: Record<string, number>;
  error: { code: string; message: string } | null;
}

interface Report {
  id: string;
  object: string;
  date: string;
  trigger: string;
  report: {
    files: FileReport[];
    found: number;
    imported: number;
    unchanged: number;
    refused: number;
    exceptions_by_kind: Record<string, number>;
    janitor: { queried: number; succeeded: number; failed: number; unresolved: number };
  };
}

describe('scheduled reconciliation', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let agency: CreatedBiller;
  let dir: string;
  let bills = 0;
  const today = formatVietnamTime(new Date(), 'yyyy-MM-dd');

  const simulators = () => hub.app.get(GatewaysService).simulators!;
  const read = async (id: string) =>
    (await call<Intent>(hub, 'GET', `/v1/payment_intents/${id}`, { token: agency.api_key })).body;
  const count = (sql: string) => countRows(db, sql);
  const stored = async () => ({
    runs: await count('reconciliation_runs'),
    rows: await count('reconciliation_rows'),
    exceptions: await count('reconciliation_exceptions'),
    transfers: await count('ledger_transfers'),
    receipts: await count('receipts'),
  });
  const pay = async (method: 'vnpay' | 'momo', amount: number, approve = true): Promise<Intent> => {
    const bill_id = await createBill(hub, agency, feeBody(`SC-2026-${++bills}`, amount));
    const created = await createIntent(hub, agency, bill_id, method, { open_page: method === 'vnpay' });
    if (!approve) return created;
    const sim =
      method === 'vnpay' ? (simulators().vnpay as VnpaySimulator) : (simulators().momo as MomoSimulator);
    sim.approve(created.reference);
    await until(async () => (await read(created.id)).status === 'succeeded', `the ${method} IPN`);
    return read(created.id);
  };
  const scheduledRun = (body: Record<string, unknown>) =>
    call<Report & ErrorBody>(hub, 'POST', '/v1/reconciliation/scheduled-runs', { body });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'payhub-drop-'));
    db = await createTestDatabase();
    hub = await bootCallbackHub(db, {
      RECON_DROP_DIR: dir,
      RECON_CRON: '45 5 * * *',
      JANITOR_INTERVAL_SECONDS: '0',
      JANITOR_QUERY_AFTER_SECONDS: '0',
    });
    agency = await createBiller(hub, { name: 'Bệnh viện Đa khoa tỉnh', kind: 'agency' });
  });
  afterEach(async () => assertLedgerOk(hub));
  after(async () => {
    await hub?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers the pg-boss cron schedule from RECON_CRON, in Vietnam time', async () => {
    const found = await db.pool.query<{ name: string; cron: string; timezone: string }>(
      'SELECT name, cron, timezone FROM pgboss.schedule',
    );
    assert.deepEqual(found.rows, [
      { name: 'reconciliation-scheduled', cron: '45 5 * * *', timezone: 'Asia/Ho_Chi_Minh' },
    ]);
  });

  it('imports both gateways’ files, refuses a bad one with its line, runs the janitor; again changes nothing', async () => {
    await pay('vnpay', 110_000);
    await pay('vnpay', 220_000);
    await pay('momo', 130_000);
    await pay('momo', 240_000);
    // An intent without a callback: the janitor asks MoMo about it.
    const waiting = await pay('momo', 50_000, false);
    const vnpayFile = (simulators().vnpay as VnpaySimulator).settlementFile(today);
    writeFileSync(join(dir, `vnpay-${today}.csv`), vnpayFile);
    writeFileSync(join(dir, `momo-${today}.csv`), (simulators().momo as MomoSimulator).settlementFile(today));
    // VNPay's file under ZaloPay's name: refused on its header.
    writeFileSync(join(dir, `zalopay-${today}.csv`), vnpayFile);
    // Not this day's, or not a settlement file: not looked at.
    writeFileSync(join(dir, 'vnpay-2001-01-01.csv'), 'nothing');
    writeFileSync(join(dir, 'README.txt'), 'drop files here');

    const first = await scheduledRun({ date: today });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.object, 'reconciliation_report');
    assert.equal(first.body.date, today);
    assert.equal(first.body.trigger, 'manual');
    const report = first.body.report;
    assert.deepEqual(
      report.files.map((file) => [file.file, file.result]),
      [
        [`momo-${today}.csv`, 'imported'],
        [`vnpay-${today}.csv`, 'imported'],
        [`zalopay-${today}.csv`, 'refused'],
      ],
    );
    assert.deepEqual([report.found, report.imported, report.unchanged, report.refused], [3, 2, 0, 1]);
    const refused = report.files[2]!;
    assert.equal(refused.error?.code, 'settlement_file_wrong_columns');
    assert.match(refused.error!.message, /line 1\b/);
    assert.equal(refused.run, null);
    assert.deepEqual(report.exceptions_by_kind, {});
    assert.ok(report.janitor.queried >= 1, JSON.stringify(report.janitor));

    const runs = await call<{ data: Array<{ id: string; gateway: string; date: string; matched: number }> }>(
      hub,
      'GET',
      '/v1/reconciliation/runs',
    );
    assert.deepEqual(runs.body.data.map((run) => [run.gateway, run.date, run.matched]).sort(), [
      ['momo', today, 2],
      ['vnpay', today, 2],
    ]);
    assert.deepEqual(
      report.files
        .slice(0, 2)
        .map((file) => file.run)
        .sort(),
      runs.body.data.map((run) => run.id).sort(),
    );
    assert.equal((await read(waiting.id)).status !== 'succeeded', true);

    // Again: the same files change nothing.
    const before = await stored();
    const second = await scheduledRun({ date: today });
    assert.equal(second.status, 200, second.text);
    assert.deepEqual(
      second.body.report.files.map((file) => [file.result, file.run]),
      report.files.map((file) => [file.result === 'imported' ? 'unchanged' : file.result, file.run]),
    );
    assert.deepEqual(
      [second.body.report.imported, second.body.report.unchanged, second.body.report.refused],
      [0, 2, 1],
    );
    assert.deepEqual(await stored(), before);

    const reports = await call<{ data: Report[]; has_more: boolean }>(
      hub,
      'GET',
      `/v1/reconciliation/reports?date=${today}`,
    );
    assert.equal(reports.status, 200, reports.text);
    assert.deepEqual(
      reports.body.data.map((stored) => stored.id),
      [second.body.id, first.body.id],
    );
    const page = await call<{ data: Report[]; has_more: boolean }>(
      hub,
      'GET',
      '/v1/reconciliation/reports?limit=1',
    );
    assert.equal(page.body.has_more, true);
  });

  it('runs from the queue: a job of the cron queue stores a cron report for its day', async () => {
    // What the cron tick does (pg-boss sends the scheduled job), without waiting for a tick.
    await hub.app.get(JobQueue).send(db.pool, 'reconciliation-scheduled', { date: '2001-02-03' });
    let found: Report | undefined;
    await until(async () => {
      const reports = await call<{ data: Report[] }>(
        hub,
        'GET',
        '/v1/reconciliation/reports?date=2001-02-03',
      );
      found = reports.body.data[0];
      return found !== undefined;
    }, 'the scheduled job');
    assert.equal(found!.trigger, 'cron');
    assert.deepEqual([found!.report.found, found!.report.imported, found!.report.refused], [0, 0, 0]);
  });

  it('refuses a bad date and an unknown parameter', async () => {
    const bad = await scheduledRun({ date: '2026-13-01' });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.body.error.param, 'date');
    const unknown = await scheduledRun({ day: today });
    assert.equal(unknown.status, 400, unknown.text);
    assert.equal(unknown.body.error.code, 'parameter_unknown');
    const noAdmin = await call(hub, 'GET', '/v1/reconciliation/reports', { token: null });
    assert.equal(noAdmin.status, 401);
  });
});
