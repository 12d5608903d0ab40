// The bank identification numbers (BIN, NAPAS acquirer id) a VietQR code names in tag 38/01/00, so the
// hub can show the payer which bank a code points at.
//
// Confidence [2nd]: this table is only seen in third-party copies of the NAPAS list
// (/work/shared/gateways/vietqr.md). Keep every BIN in this one table so a correction is one edit.
// It is not exhaustive (NAPAS has more members), which is why an unknown 6-digit BIN is accepted.

export interface VietQrBank {
  bin: string;
  /** The name people use for the bank. */
  short_name: string;
}

export const VIETQR_BANKS: readonly VietQrBank[] = [
  { bin: '970436', short_name: 'Vietcombank' },
  { bin: '970415', short_name: 'VietinBank' },
  { bin: '970418', short_name: 'BIDV' },
  { bin: '970405', short_name: 'Agribank' },
  { bin: '970422', short_name: 'MB' },
  { bin: '970407', short_name: 'Techcombank' },
  { bin: '970416', short_name: 'ACB' },
  { bin: '970432', short_name: 'VPBank' },
  { bin: '970423', short_name: 'TPBank' },
  { bin: '970403', short_name: 'Sacombank' },
  { bin: '970441', short_name: 'VIB' },
  { bin: '970437', short_name: 'HDBank' },
  { bin: '970443', short_name: 'SHB' },
  { bin: '970419', short_name: 'NCB' },
];

const BY_BIN = new Map(VIETQR_BANKS.map((bank) => [bank.bin, bank]));

/** The bank a BIN names, or null when the table does not know it. */
export function bankByBin(bin: string): VietQrBank | null {
  return BY_BIN.get(bin) ?? null;
}
