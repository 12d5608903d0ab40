// Issuing, reading and cancelling bills, and the parking tariffs that price stays. Validation and
// arithmetic are the pure code beside this file; here they meet the database, scoped by biller.
import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { BillerError } from '../billers/billers.errors';
import { BillersRepository } from '../billers/billers.repository';
import { newId } from '../common/ids';
import { toJson } from '../common/json';
import { dong } from '../common/money';
import { type Page, type PageRequest, toPage } from '../common/pagination';
import { objectBody } from '../common/validation';
import { type NormalizedBill, parseBillInput } from './bill.schema';
import { BillError, billError } from './bills.errors';
import {
  type BillFilters,
  type BillRow,
  BillsRepository,
  type DepositRow,
  type TariffRow,
} from './bills.repository';
import type { BillDto, BillLineDto } from './dto/bill.dto';
import type { ParkingTariffDto } from './dto/parking-tariff.dto';
import { resolveDeposits, settleHospitalBill, type StoredDeposit } from './hospital';
import { type ParkingTariff, parseParkingTariff } from './parking-tariff';
import { CheckoutLinks } from '../web/web-secrets';

function unixSeconds(date: Date | string): number {
  return Math.floor(new Date(date).getTime() / 1000);
}

function toLine(stored: Record<string, unknown>): BillLineDto {
  const line: BillLineDto = { name: String(stored.name), amount: dong(stored.amount) };
  if (stored.legal_basis !== undefined) line.legal_basis = String(stored.legal_basis);
  if (stored.insurance_covered !== undefined) line.insurance_covered = dong(stored.insurance_covered);
  if (stored.patient_pays !== undefined) line.patient_pays = dong(stored.patient_pays);
  return line;
}

/** The kind's own fields, from the details column, in the names the client sent them under. */
function kindFields(row: BillRow): Partial<BillDto> {
  const details = row.details;
  if (row.kind === 'fee') return { procedure_code: String(details.procedure_code) };
  if (row.kind === 'parking') {
    return {
      lot: String(details.lot),
      plate: String(details.plate),
      entered_at: unixSeconds(String(details.entered_at)),
      exited_at: unixSeconds(String(details.exited_at)),
      amount_source: details.amount_source as 'tariff' | 'lines',
    };
  }
  const hospital: Partial<BillDto> = {
    stage: row.stage!,
    invoice_number: String(details.invoice_number),
    patient: details.patient as BillDto['patient'],
  };
  if (row.stage === 'deposit') return hospital;
  return {
    ...hospital,
    amount_total: dong(details.amount_total),
    insurance_covered: dong(details.insurance_covered),
    deposit_references: details.deposit_references as string[],
    deposit_applied: dong(details.deposit_applied),
    deposit_refund: dong(details.deposit_refund),
    amount_due: dong(details.amount_due),
  };
}

export function toBill(row: BillRow): BillDto {
  const lines = row.lines.map(toLine);
  // Checked again on read: the stored amount is what the lines add up to (the patient's parts, for a
  // final hospital bill). Only a bug or a hand edit can break it, and then no one should pay it.
  const final = row.kind === 'hospital' && row.stage === 'final';
  const total = lines.reduce((sum, line) => sum + BigInt(final ? line.patient_pays! : line.amount), 0n);
  if (total !== row.amount) throw new Error(`bill ${row.id}: its lines do not add up to its amount`);
  return {
    id: row.id,
    object: 'bill',
    biller: row.biller_id,
    kind: row.kind,
    reference: row.reference,
    payer: row.payer as unknown as BillDto['payer'],
    lines,
    amount: dong(row.amount),
    currency: row.currency,
    status: row.status,
    expires_at: row.expires_at && unixSeconds(row.expires_at),
    created: unixSeconds(row.created_at),
    ...kindFields(row),
  };
}

/** What a final hospital bill's details record beside the lines: the split and the deposits applied. */
interface Settled {
  amount_due: bigint;
  deposit_applied: bigint;
  deposit_refund: bigint;
}

function storedDetails(bill: NormalizedBill, settled: Settled | null): Record<string, unknown> {
  switch (bill.kind) {
    case 'fee':
      return { procedure_code: bill.procedure_code };
    case 'parking':
      return toJson({
        lot: bill.lot,
        plate: bill.plate,
        entered_at: bill.entered_at,
        exited_at: bill.exited_at,
        amount_source: bill.amount_source,
      });
    case 'hospital': {
      const common = { invoice_number: bill.invoice_number, patient: bill.patient };
      if (bill.stage === 'deposit') return common;
      return toJson({
        ...common,
        amount_total: bill.amount_total,
        insurance_covered: bill.insurance_covered,
        deposit_references: bill.deposit_references,
        ...settled!,
      });
    }
  }
}

function tariffDto(row: TariffRow, tariff: ParkingTariff): ParkingTariffDto {
  return {
    object: 'parking_tariff',
    biller: row.biller_id,
    first_block_minutes: tariff.first_block_minutes,
    first_block_price: dong(tariff.first_block_price),
    price_per_hour: dong(tariff.price_per_hour),
    night: tariff.night && { ...tariff.night, price_per_hour: dong(tariff.night.price_per_hour) },
    cap_per_day: tariff.cap_per_day === null ? null : dong(tariff.cap_per_day),
    updated: unixSeconds(row.updated_at),
  };
}

/** A stored tariff was checked when it was set; one that no longer parses is the hub's fault. */
function storedTariff(row: TariffRow): ParkingTariff {
  const parsed = parseParkingTariff(row.tariff);
  if (!parsed.ok) throw new Error(`stored parking tariff of ${row.biller_id} is invalid`);
  return parsed.value;
}

const TARIFF_FIELDS = ['first_block_minutes', 'first_block_price', 'price_per_hour', 'night', 'cap_per_day'];

function billNotFound(id: string): BillError {
  // The id came from the path: cut short in case it is garbage.
  return new BillError('bill_not_found', `No such bill: ${id.slice(0, 64)}.`, 'id');
}

/** The routes of bills admit billers only, so a principal here is always one. */
function billerIdOf(principal: Principal): string {
  if (principal.kind !== 'biller') throw new Error('bills routes are for billers only');
  return principal.biller_id;
}

@Injectable()
export class BillsService {
  constructor(
    private readonly repository: BillsRepository,
    private readonly billers: BillersRepository,
    private readonly links: CheckoutLinks,
  ) {}

  /** The bill as the API answers it: with the signed link to its checkout page for the payer. */
  private dto(row: BillRow): BillDto {
    return { ...toBill(row), checkout_url: this.links.url(row.id) };
  }

  async create(principal: Principal, body: unknown, now: Date = new Date()): Promise<BillDto> {
    const biller_id = billerIdOf(principal);
    const is_parking =
      typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'parking';
    const tariff_row = is_parking ? await this.repository.findTariff(biller_id) : null;
    const parsed = parseBillInput(body, {
      now,
      parking_tariff: tariff_row && storedTariff(tariff_row),
    });
    if (!parsed.ok) throw BillError.from(parsed.error);
    const bill = parsed.bill;
    return this.repository.transaction(async () => {
      let deposits: DepositRow[] = [];
      let settled: Settled | null = null;
      if (bill.kind === 'hospital' && bill.stage === 'final') {
        deposits = await this.depositsFor(biller_id, bill.invoice_number, bill.deposit_references);
        settled = settleHospitalBill(
          bill.lines,
          deposits.map((deposit) => deposit.amount),
        );
      }
      const inserted = await this.repository.insertBill({
        id: newId('bill'),
        biller_id,
        kind: bill.kind,
        reference: bill.reference,
        stage: bill.kind === 'hospital' ? bill.stage : null,
        payer: toJson(bill.payer),
        lines: toJson(bill.lines as { name: string; amount: bigint }[]),
        amount: bill.amount,
        expires_at: bill.expires_at,
        details: storedDetails(bill, settled),
      });
      if (inserted === 'reference_exists') {
        throw new BillError(
          'bill_reference_exists',
          `An open or paid ${bill.kind} bill already has the reference ${bill.reference}.`,
          'reference',
        );
      }
      if (
        deposits.length > 0 &&
        (await this.repository.deductDeposits(inserted.id, deposits)) < deposits.length
      ) {
        // Another final bill recorded one of them after our check: the primary key caught it.
        throw new BillError(
          'deposit_already_applied',
          'A deposit was deducted by another final bill meanwhile.',
          'deposit_references',
        );
      }
      return this.dto(inserted);
    });
  }

  /**
   * The deposits a final bill names, locked, in the order named; refuses one that is unknown, of
   * another invoice, unpaid, or already deducted by another open or paid final bill.
   */
  private async depositsFor(
    biller_id: string,
    invoice_number: string,
    references: readonly string[],
  ): Promise<DepositRow[]> {
    if (references.length === 0) return [];
    const rows = await this.repository.lockDeposits(biller_id, references);
    const chosen = new Map<string, DepositRow>();
    // Newest first; a live (open or paid) deposit wins over a cancelled or expired one of the same name.
    for (const row of rows) {
      const seen = chosen.get(row.reference);
      const live = row.status === 'open' || row.status === 'paid';
      if (!seen || (live && seen.status !== 'open' && seen.status !== 'paid')) chosen.set(row.reference, row);
    }
    const found = new Map<string, StoredDeposit>(chosen);
    const resolved = resolveDeposits(references, invoice_number, found);
    if (!resolved.ok) throw BillError.from(resolved.error);
    return references.map((reference, index) => {
      const deposit = chosen.get(reference)!;
      if (deposit.deducted_by !== null) {
        throw BillError.from(
          billError(
            'deposit_already_applied',
            `deposit_references[${index}]`,
            `Deposit ${reference} is already deducted by ${deposit.deducted_by}.`,
          ),
        );
      }
      return deposit;
    });
  }

  async get(principal: Principal, id: string): Promise<BillDto> {
    const row = await this.repository.findBill(billerIdOf(principal), id);
    if (!row) throw billNotFound(id);
    return this.dto(row);
  }

  async list(principal: Principal, filters: BillFilters, page: PageRequest): Promise<Page<BillDto>> {
    return toPage(await this.repository.listBills(billerIdOf(principal), filters, page), page, (row) =>
      this.dto(row),
    );
  }

  async cancel(principal: Principal, id: string): Promise<BillDto> {
    const biller_id = billerIdOf(principal);
    const cancelled = await this.repository.cancelBill(biller_id, id);
    if (cancelled) return this.dto(cancelled);
    const row = await this.repository.findBill(biller_id, id);
    if (!row) throw billNotFound(id);
    throw new BillError(
      'bill_not_open',
      `The bill is ${row.status}; only an open bill can be cancelled.`,
      'id',
    );
  }

  async getTariff(principal: Principal, biller_id: string): Promise<ParkingTariffDto> {
    await this.assertBiller(principal, biller_id);
    const row = await this.repository.findTariff(biller_id);
    if (!row) throw new BillError('parking_tariff_not_found', 'This biller has no parking tariff.', 'id');
    return tariffDto(row, storedTariff(row));
  }

  async putTariff(principal: Principal, biller_id: string, body: unknown): Promise<ParkingTariffDto> {
    const fields = objectBody(body, TARIFF_FIELDS);
    const parsed = parseParkingTariff(fields, 'tariff');
    if (!parsed.ok) {
      // The body is the tariff itself: its fields are named without the `tariff.` prefix.
      const param = parsed.error.param?.replace(/^tariff\.?/, '') || null;
      throw BillError.from({ ...parsed.error, param });
    }
    await this.assertBiller(principal, biller_id);
    const row = await this.repository.putTariff(biller_id, toJson(parsed.value));
    return tariffDto(row, parsed.value);
  }

  /** The admin may act on any biller that exists, a biller on itself only; others answer 404. */
  private async assertBiller(principal: Principal, biller_id: string): Promise<void> {
    const visible = principal.kind === 'admin' || principal.biller_id === biller_id;
    if (!visible || (principal.kind === 'admin' && !(await this.billers.findBiller(biller_id)))) {
      throw new BillerError('biller_not_found', `No such biller: ${biller_id.slice(0, 64)}.`, 'id');
    }
  }
}
