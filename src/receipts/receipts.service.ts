// Issuing, cancelling, reading and verifying fee receipts. issueReceipt is what the payment flow calls
// inside its own transaction: the number, the row and the signature commit or roll back with it.
import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { BillerError } from '../billers/billers.errors';
import { BillersRepository } from '../billers/billers.repository';
import { newId } from '../common/ids';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/config.schema';
import { Db } from '../database/db';
import type { Statement } from '../database/script';
import { amountInVietnameseWords } from './amount-in-words';
import type { CancellationDto, ReceiptBodyDto, ReceiptDto } from './dto/receipt.dto';
import type { ReceiptSeriesDto, SetReceiptSeriesInput } from './dto/receipt-series.dto';
import type { ReceiptVerificationDto } from './dto/verify-receipt.dto';
import { ReceiptError } from './receipts.errors';
import {
  type IssuerRow,
  type NewReceipt,
  type ReceiptRow,
  ReceiptsRepository,
  type ReservedCounter,
  type SeriesRow,
  type SigningKeyRow,
} from './receipts.repository';
import { ReceiptSigningKeys } from './signing-keys';

/** The JWS `typ` of each signed statement, so a cancellation can never pass for a receipt. */
export const RECEIPT_TYP = 'receipt+jws';
export const CANCELLATION_TYP = 'receipt-cancellation+jws';

/**
 * Placeholders for a biller that has not configured its registered symbols yet: receipts are still
 * numbered gaplessly in this series, and a later configuration starts its own series from 1.
 */
export const DEFAULT_SERIES = {
  receipt_name: 'Biên lai thu phí, lệ phí',
  template_symbol: '01BLP0-001',
  series_symbol: 'PH',
} as const;

export interface IssueReceiptInput {
  /** The receipt's id when the caller drew it already (a batch that points at it first); else drawn. */
  id?: string;
  biller_id: string;
  bill_id?: string | null;
  payment_intent_id?: string | null;
  payer: { name: string; id_number?: string | null; address?: string | null };
  lines: ReadonlyArray<{ fee_name: string; amount: bigint }>;
  /** VND; must equal the sum of the lines. */
  amount: bigint;
  payment_method: string;
  gateway_transaction_id?: string | null;
  paid_at: Date;
  /** A refund receipt: the receipt of the payment refunded and the refund (src/refunds/). */
  refund?: { of_receipt: string; refund_id: string } | null;
}

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** Now, to the second: what is signed (Unix seconds) and what is stored are the same instant. */
function nowToTheSecond(): Date {
  return new Date(unixSeconds(new Date()) * 1000);
}

/** The fields the receipt's JWS signs, from its row: the one mapping for signing, reading and checking. */
function receiptBody(
  row: Omit<
    ReceiptRow,
    'jws' | 'kid' | 'status' | 'cancelled_at' | 'cancellation_reason' | 'cancellation_jws'
  >,
): ReceiptBodyDto {
  return {
    id: row.id,
    object: 'receipt',
    biller: row.biller_id,
    receipt_name: row.receipt_name,
    template_symbol: row.template_symbol,
    series_symbol: row.series_symbol,
    number: row.number.toString(),
    collector: { name: row.collector_name, id_number: row.collector_tax_id, address: row.collector_address },
    payer: { name: row.payer_name, id_number: row.payer_id_number, address: row.payer_address },
    bill: row.bill_id,
    payment_intent: row.payment_intent_id,
    lines: row.lines.map((line) => ({ fee_name: line.fee_name, amount: line.amount })),
    amount: row.amount.toString(),
    currency: row.currency,
    amount_in_words: row.amount_in_words,
    payment_method: row.payment_method,
    gateway_transaction_id: row.gateway_transaction_id,
    paid_at: unixSeconds(row.paid_at),
    issued_at: unixSeconds(row.issued_at),
    // Only refund receipts carry these, so a payment receipt signs exactly what it always did.
    ...(row.kind === 'refund'
      ? { kind: 'refund' as const, refund_of: row.refund_of, refund: row.refund_id }
      : {}),
  };
}

function cancellationOf(row: ReceiptRow): CancellationDto | null {
  if (row.status !== 'cancelled') return null;
  return {
    object: 'receipt_cancellation',
    receipt: row.id,
    biller: row.biller_id,
    template_symbol: row.template_symbol,
    series_symbol: row.series_symbol,
    number: row.number.toString(),
    cancelled_at: unixSeconds(row.cancelled_at!),
    reason: row.cancellation_reason!,
  };
}

/** A receipt as issued now, from the row about to be inserted (prepareReceipts). */
export function issuedReceiptDto(receipt: NewReceipt): ReceiptDto {
  return toReceipt({
    ...receipt,
    status: 'issued',
    cancelled_at: null,
    cancellation_reason: null,
    cancellation_jws: null,
  });
}

function toReceipt(row: ReceiptRow): ReceiptDto {
  return {
    ...receiptBody(row),
    status: row.status,
    jws: row.jws,
    cancellation: cancellationOf(row),
    cancellation_jws: row.cancellation_jws,
  };
}

function toSeries(biller_id: string, row: SeriesRow | null): ReceiptSeriesDto {
  return {
    object: 'receipt_series',
    biller: biller_id,
    receipt_name: row?.receipt_name ?? DEFAULT_SERIES.receipt_name,
    template_symbol: row?.template_symbol ?? DEFAULT_SERIES.template_symbol,
    series_symbol: row?.series_symbol ?? DEFAULT_SERIES.series_symbol,
    collector_address: row?.collector_address ?? null,
    is_default: row === null,
  };
}

/**
 * A receipt's stored fields before signing: the one mapping from what the payment says, who collects
 * and in which series, for issueReceipt and planReceipts alike.
 */
function receiptFields(
  input: IssueReceiptInput,
  collector: { biller_id: string; name: string; tax_id: string | null },
  series: ReceiptSeriesDto,
  number: bigint,
  issued_at: Date,
) {
  return {
    id: input.id ?? newId('receipt'),
    biller_id: collector.biller_id,
    receipt_name: series.receipt_name,
    template_symbol: series.template_symbol,
    series_symbol: series.series_symbol,
    number,
    collector_name: collector.name,
    collector_tax_id: collector.tax_id,
    collector_address: series.collector_address,
    bill_id: input.bill_id ?? null,
    payment_intent_id: input.payment_intent_id ?? null,
    payer_name: input.payer.name,
    payer_id_number: input.payer.id_number ?? null,
    payer_address: input.payer.address ?? null,
    lines: input.lines.map((line) => ({ fee_name: line.fee_name, amount: line.amount.toString() })),
    amount: input.amount,
    currency: 'VND' as const,
    amount_in_words: amountInVietnameseWords(input.amount),
    payment_method: input.payment_method,
    gateway_transaction_id: input.gateway_transaction_id ?? null,
    paid_at: new Date(unixSeconds(input.paid_at) * 1000),
    issued_at,
    kind: input.refund ? ('refund' as const) : ('payment' as const),
    refund_of: input.refund?.of_receipt ?? null,
    refund_id: input.refund?.refund_id ?? null,
  };
}

function receiptNotFound(id: string): ReceiptError {
  return new ReceiptError('receipt_not_found', `No such receipt: ${id.slice(0, 64)}.`, 'id');
}

function failed(reason: ReceiptVerificationDto['reason']): ReceiptVerificationDto {
  return {
    object: 'receipt_verification',
    valid: false,
    reason,
    kind: null,
    receipt: null,
    cancellation: null,
  };
}

/** Invariants only a bug in the caller (the payment flow) can break: a 500, not a client error. */
function assertIssuable(input: IssueReceiptInput): void {
  if (input.lines.length === 0) throw new Error('a receipt needs at least one line');
  const sum = input.lines.reduce((total, line) => total + line.amount, 0n);
  if (input.lines.some((line) => line.amount <= 0n)) throw new Error('receipt lines must be positive');
  if (sum !== input.amount) throw new Error(`receipt lines sum to ${sum}, not to the amount ${input.amount}`);
}

@Injectable()
export class ReceiptsService {
  constructor(
    private readonly db: Db,
    private readonly repository: ReceiptsRepository,
    private readonly billers: BillersRepository,
    private readonly keys: ReceiptSigningKeys,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  /**
   * Numbers, signs and stores a receipt. Call it inside the payment's Db.transaction: it then runs in
   * a savepoint of it, and the series' counter row stays locked until that transaction ends, so a
   * rolled-back payment gives its number back and a committed one never shares it.
   */
  async issueReceipt(input: IssueReceiptInput): Promise<ReceiptDto> {
    assertIssuable(input);
    return this.db.transaction(async () => {
      const biller = await this.billers.findBiller(input.biller_id);
      if (!biller)
        throw new BillerError('biller_not_found', `No such biller: ${input.biller_id.slice(0, 64)}.`);
      const series = toSeries(biller.id, await this.repository.findSeries(biller.id));
      const number = await this.repository.nextNumber(
        biller.id,
        series.template_symbol,
        series.series_symbol,
      );
      const fields = receiptFields(
        input,
        { biller_id: biller.id, name: biller.name, tax_id: biller.tax_id },
        series,
        number,
        nowToTheSecond(),
      );
      const body = receiptBody(fields);
      const { jws, kid } = await this.keys.sign(
        { iss: this.config.public_url, iat: body.issued_at, ...body },
        RECEIPT_TYP,
      );
      return toReceipt(await this.repository.insertReceipt({ ...fields, jws, kid }));
    });
  }

  /**
   * Payment receipts issued in bulk, in parts, for a caller that writes with its other statements and counts its round
   * trips (src/payments/payment-confirmations.ts): the issuers (read by the caller, e.g. with
   * issuersOfIntentsStatement), then `reserve`, the statement that moves each series' counter once by
   * the number of its receipts (consecutive numbers, locked until the transaction ends: run it in
   * the transaction that inserts the receipts), then `sign` with its rows and the active key: the
   * receipts, numbered in the order of the inputs per series, for insertReceiptsStatement.
   */
  planReceipts(
    inputs: readonly IssueReceiptInput[],
    issuerRows: readonly IssuerRow[],
  ): { reserve: Statement; sign(reserved: readonly ReservedCounter[], key: SigningKeyRow): NewReceipt[] } {
    for (const input of inputs) {
      assertIssuable(input);
      if (input.refund) throw new Error('planReceipts issues payment receipts only');
    }
    const biller_ids = [...new Set(inputs.map((input) => input.biller_id))];
    const issuers = new Map(issuerRows.map((issuer) => [issuer.biller_id, issuer]));
    const missing = biller_ids.find((id) => !issuers.has(id));
    if (missing) throw new BillerError('biller_not_found', `No such biller: ${missing.slice(0, 64)}.`);
    const series = new Map(biller_ids.map((id) => [id, toSeries(id, issuers.get(id)!.series)]));
    const counts = new Map<string, number>();
    for (const input of inputs) counts.set(input.biller_id, (counts.get(input.biller_id) ?? 0) + 1);
    const reservations = biller_ids.map((id) => ({
      biller_id: id,
      template_symbol: series.get(id)!.template_symbol,
      series_symbol: series.get(id)!.series_symbol,
      count: counts.get(id)!,
    }));
    return {
      reserve: this.repository.reserveNumbersStatement(reservations),
      sign: (reserved, key) => {
        const firsts = this.repository.reservedFirsts(reservations, reserved);
        const next = new Map(biller_ids.map((id, index) => [id, firsts[index]!]));
        const issued_at = nowToTheSecond();
        const all = inputs.map((input) => {
          const number = next.get(input.biller_id)!;
          next.set(input.biller_id, number + 1n);
          return receiptFields(
            input,
            issuers.get(input.biller_id)!,
            series.get(input.biller_id)!,
            number,
            issued_at,
          );
        });
        const signed = this.keys.signAllWith(
          key,
          all.map((fields) => {
            const body = receiptBody(fields);
            return { iss: this.config.public_url, iat: body.issued_at, ...body };
          }),
          RECEIPT_TYP,
        );
        return all.map((fields, index) => ({ ...fields, ...signed[index]! }));
      },
    };
  }

  /** Cancels a receipt: it keeps its number, and a signed cancellation is stored beside it. */
  async cancelReceipt(id: string, reason: string): Promise<ReceiptDto> {
    return this.db.transaction(async () => {
      const row = await this.repository.findReceipt(id, { lock: true });
      if (!row) throw receiptNotFound(id);
      if (row.status === 'cancelled')
        throw new ReceiptError('receipt_already_cancelled', `Receipt ${id} is already cancelled.`, 'id');
      const cancelled_at = nowToTheSecond();
      const cancellation = cancellationOf({
        ...row,
        status: 'cancelled',
        cancelled_at,
        cancellation_reason: reason,
      })!;
      const { jws } = await this.keys.sign(
        { iss: this.config.public_url, iat: cancellation.cancelled_at, ...cancellation },
        CANCELLATION_TYP,
      );
      return toReceipt(await this.repository.markCancelled(id, { cancelled_at, reason, jws }));
    });
  }

  async get(principal: Principal, id: string): Promise<ReceiptDto> {
    const row = await this.repository.findReceipt(id);
    // Another biller's receipt answers exactly like one that does not exist.
    if (!row || (principal.kind === 'biller' && principal.biller_id !== row.biller_id))
      throw receiptNotFound(id);
    return toReceipt(row);
  }

  /**
   * A JWS is valid when one of the hub's keys signed it and it is the very JWS the hub stored (so a
   * receipt from a rolled-back payment never verifies). A cancelled receipt answers valid: false,
   * reason `cancelled`, with the receipt and its cancellation: it no longer proves a payment.
   */
  async verify(jws: string): Promise<ReceiptVerificationDto> {
    const checked = await this.keys.verify(jws);
    if (!checked.ok) return failed(checked.reason);
    const { object } = checked.payload;
    const kind = object === 'receipt' || object === 'receipt_cancellation' ? object : null;
    const receipt_id = kind === 'receipt' ? checked.payload.id : checked.payload.receipt;
    const expectedTyp = kind === 'receipt' ? RECEIPT_TYP : CANCELLATION_TYP;
    if (kind === null || typeof receipt_id !== 'string' || checked.typ !== expectedTyp)
      return failed('malformed');
    const row = await this.repository.findReceipt(receipt_id);
    const stored = kind === 'receipt' ? row?.jws : row?.cancellation_jws;
    if (!row || stored !== jws) return failed('unknown_receipt');
    const answer = {
      object: 'receipt_verification',
      receipt: receiptBody(row),
      cancellation: cancellationOf(row),
    } as const;
    if (kind === 'receipt' && row.status === 'cancelled')
      return { ...answer, valid: false, reason: 'cancelled', kind: 'receipt' };
    return { ...answer, valid: true, reason: null, kind };
  }

  async getSeries(principal: Principal, biller_id: string): Promise<ReceiptSeriesDto> {
    await this.assertBiller(principal, biller_id);
    return toSeries(biller_id, await this.repository.findSeries(biller_id));
  }

  async setSeries(biller_id: string, input: SetReceiptSeriesInput): Promise<ReceiptSeriesDto> {
    await this.assertBiller({ kind: 'admin' }, biller_id);
    const row = await this.repository.upsertSeries({
      biller_id,
      receipt_name: input.receipt_name ?? DEFAULT_SERIES.receipt_name,
      template_symbol: input.template_symbol,
      series_symbol: input.series_symbol,
      collector_address: input.collector_address,
    });
    return toSeries(biller_id, row);
  }

  private async assertBiller(principal: Principal, biller_id: string): Promise<void> {
    const visible = principal.kind === 'admin' || principal.biller_id === biller_id;
    if (!visible || !(await this.billers.findBiller(biller_id)))
      throw new BillerError('biller_not_found', `No such biller: ${biller_id.slice(0, 64)}.`, 'id');
  }
}
