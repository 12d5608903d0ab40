// A fee receipt states its amount in figures and in words (Decree 123/2020); this reads a bigint of
// đồng aloud in Vietnamese, the way receipts and invoices write it.
//
// The rules, group by group of three digits (trăm, mươi, đơn vị):
// - tens: 10-19 are "mười", 20-99 "<digit> mươi"; a zero tens before a unit is "linh" (or "lẻ",
//   the southern form, by option): 105 "một trăm linh năm".
// - units: 1 after "mươi" is "mốt" (21 "hai mươi mốt"), but "một" after "mười" or "linh";
//   5 after "mười"/"mươi" is "lăm" (15 "mười lăm", 25 "hai mươi lăm"), but "năm" after "linh";
//   4 after "mươi" is "tư" (24 "hai mươi tư"), but "bốn" after "mười" or "linh".
// - a group after the first non-zero one is read in full, hundreds included: 1 005 000 is
//   "một triệu không trăm linh năm nghìn"; a group of zeros is skipped.
// - scales: nghìn, triệu, tỷ; above tỷ the words repeat: 10^12 is "một nghìn tỷ", 10^18 "một tỷ tỷ".
// - 0 is "Không đồng"; the first letter is capital, and the text ends in "đồng".

export interface AmountInWordsOptions {
  /** How a zero tens before a unit is read: "linh" (default) or the southern "lẻ". */
  zero_tens?: 'linh' | 'lẻ';
}

const DIGITS = ['không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín'] as const;
const BILLION = 1_000_000_000n;

function digit(value: number): string {
  return DIGITS[value]!;
}

/** One group of three digits; `full` reads the hundreds even when they are zero. */
function readGroup(group: number, full: boolean, zero_tens: string): string[] {
  const hundreds = Math.floor(group / 100);
  const tens = Math.floor(group / 10) % 10;
  const units = group % 10;
  const words: string[] = [];
  const hasHundreds = full || hundreds > 0;
  if (hasHundreds) words.push(digit(hundreds), 'trăm');
  if (tens === 0) {
    if (units > 0) {
      if (hasHundreds) words.push(zero_tens);
      words.push(digit(units));
    }
  } else if (tens === 1) {
    words.push('mười');
    if (units === 5) words.push('lăm');
    else if (units > 0) words.push(digit(units));
  } else {
    words.push(digit(tens), 'mươi');
    if (units === 1) words.push('mốt');
    else if (units === 4) words.push('tư');
    else if (units === 5) words.push('lăm');
    else if (units > 0) words.push(digit(units));
  }
  return words;
}

/** 1 to 999 999 999; `full`: this part follows a larger one, so its first group is read in full. */
function readBelowBillion(value: number, full: boolean, zero_tens: string): string[] {
  const groups: Array<[number, string | null]> = [
    [Math.floor(value / 1_000_000), 'triệu'],
    [Math.floor(value / 1000) % 1000, 'nghìn'],
    [value % 1000, null],
  ];
  const words: string[] = [];
  let started = full;
  for (const [group, scale] of groups) {
    if (group === 0) continue;
    words.push(...readGroup(group, started, zero_tens));
    if (scale) words.push(scale);
    started = true;
  }
  return words;
}

function read(value: bigint, full: boolean, zero_tens: string): string[] {
  if (value < BILLION) return readBelowBillion(Number(value), full, zero_tens);
  const rest = value % BILLION;
  const words = [...read(value / BILLION, full, zero_tens), 'tỷ'];
  if (rest > 0n) words.push(...readBelowBillion(Number(rest), true, zero_tens));
  return words;
}

/** 150000n -> "Một trăm năm mươi nghìn đồng". Negative amounts are a bug: RangeError. */
export function amountInVietnameseWords(amount: bigint, options: AmountInWordsOptions = {}): string {
  if (amount < 0n) throw new RangeError('an amount in words must not be negative');
  const words = amount === 0n ? ['không'] : read(amount, false, options.zero_tens ?? 'linh');
  const text = [...words, 'đồng'].join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
