// The VietQR adapter against the shared known answers (vectors.json), and each field rule and
// rejection code on payloads crafted to break exactly one rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  appendCrc,
  bankByBin,
  buildVietQr,
  crc16Hex,
  decodeTlv,
  encodeTlv,
  parseVietQr,
  stripDiacritics,
  TlvEncodeError,
  VietQrInputError,
  type TlvNode,
  type VietQrInput,
  type VietQrRejection,
} from './index';
import { loadVietQrVectors } from './vietqr.vectors';

const vectors = loadVietQrVectors();

function parsed(payload: string) {
  const result = parseVietQr(payload);
  if (!result.ok) assert.fail(`expected a valid payload, got ${result.reason}: ${result.detail}`);
  return result.value;
}

function rejection(payload: string): VietQrRejection {
  const result = parseVietQr(payload);
  assert.equal(result.ok, false, `expected a rejection for ${payload}`);
  return (result as { reason: VietQrRejection }).reason;
}

function buildError(input: VietQrInput): VietQrInputError {
  try {
    buildVietQr(input);
  } catch (error) {
    assert.ok(error instanceof VietQrInputError, String(error));
    return error;
  }
  assert.fail('expected buildVietQr to refuse the input');
}

interface Parts {
  top?: Record<string, string | TlvNode[] | null>;
  account_info?: TlvNode[];
}

/** A valid dynamic payload with some top-level fields replaced (null removes one), CRC recomputed. */
function craft({ top = {}, account_info }: Parts = {}): string {
  const base: Record<string, string | TlvNode[] | null> = {
    '00': '01',
    '01': '12',
    '38': account_info ?? [
      { id: '00', value: 'A000000727' },
      {
        id: '01',
        children: [
          { id: '00', value: '970436' },
          { id: '01', value: '0011001234567' },
        ],
      },
      { id: '02', value: 'QRIBFTTA' },
    ],
    '53': '704',
    '54': '50000',
    '58': 'VN',
    '62': [{ id: '08', value: 'Nop le phi' }],
    ...top,
  };
  const nodes: TlvNode[] = Object.entries(base)
    .filter((entry): entry is [string, string | TlvNode[]] => entry[1] !== null)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, value]) => (typeof value === 'string' ? { id, value } : { id, children: value }));
  return appendCrc(encodeTlv(nodes));
}

/** A payload whose tag 38 is built from these parts (each defaults to a valid value). */
function accountInfo({
  guid = 'A000000727',
  bin = '970436',
  account = '1',
  service = 'QRIBFTTA',
} = {}): string {
  return craft({
    account_info: [
      { id: '00', value: guid },
      {
        id: '01',
        children: [
          { id: '00', value: bin },
          { id: '01', value: account },
        ],
      },
      { id: '02', value: service },
    ],
  });
}

describe('VietQR known answers (shared vectors.json)', () => {
  it('computes the CRC-16/CCITT-FALSE check value', () => {
    assert.equal(crc16Hex(vectors.crc_check.input), vectors.crc_check.crc);
  });

  for (const vector of vectors.payloads) {
    it(`parses: ${vector.note}`, () => {
      const value = parsed(vector.payload);
      assert.equal(value.bin, vector.bin);
      assert.equal(value.account, vector.account);
      assert.equal(value.amount, vector.amount === null ? null : BigInt(vector.amount));
      assert.equal(value.point_of_initiation, vector.amount === null ? 'static' : 'dynamic');
      if (vector.purpose !== undefined) assert.equal(value.purpose, vector.purpose);
      if (vector.bill_number !== undefined) assert.equal(value.bill_number, vector.bill_number);
      assert.equal(value.currency, '704');
      assert.equal(value.country, 'VN');
      assert.equal(value.crc, vector.payload.slice(-4));
      assert.deepEqual(value.other_fields, []);
    });

    it(`builds the same payload back: ${vector.note}`, () => {
      const value = parsed(vector.payload);
      const rebuilt = buildVietQr({
        bin: value.bin,
        account: value.account,
        service: value.service,
        ...(value.amount === null ? {} : { amount: value.amount }),
        ...(value.bill_number === null ? {} : { bill_number: value.bill_number }),
        ...(value.purpose === null ? {} : { purpose: value.purpose }),
      });
      assert.equal(rebuilt, vector.payload);
    });
  }

  it('builds the vectors that list every field from those fields alone', () => {
    const complete = vectors.payloads.filter((vector) => vector.purpose !== undefined);
    assert.ok(complete.length >= 2);
    for (const vector of complete) {
      const built = buildVietQr({
        bin: vector.bin,
        account: vector.account,
        ...(vector.amount === null ? {} : { amount: BigInt(vector.amount) }),
        ...(vector.bill_number === undefined ? {} : { bill_number: vector.bill_number }),
        ...(vector.purpose === undefined ? {} : { purpose: vector.purpose }),
      });
      assert.equal(built, vector.payload);
    }
  });

  it('rejects every malformed vector with the code for its defect', () => {
    const expected: Record<string, VietQrRejection> = {
      'truncated: no CRC field (tag 63) and payload format indicator 00': 'missing_field',
      'CRC does not match': 'crc_mismatch',
    };
    for (const vector of vectors.malformed) {
      const reason = rejection(vector.payload);
      if (expected[vector.why]) assert.equal(reason, expected[vector.why], vector.why);
    }
  });

  it('knows the BIN of every vector', () => {
    for (const vector of vectors.payloads) assert.notEqual(bankByBin(vector.bin), null, vector.bin);
  });
});

describe('VietQR CRC', () => {
  it('accepts a lower-case checksum and reports it as written', () => {
    const payload = vectors.payloads[1]!.payload;
    const lower = payload.slice(0, -4) + payload.slice(-4).toLowerCase();
    assert.notEqual(lower, payload, 'the vector CRC must contain a letter for this test to mean anything');
    assert.equal(parsed(lower).crc, payload.slice(-4).toLowerCase());
  });

  it('emits 4 upper-case hex digits, zero-padded', () => {
    for (let n = 0; n < 300; n++) assert.match(crc16Hex(`x${n}`), /^[0-9A-F]{4}$/);
  });

  it('covers the literal 6304', () => {
    const body = '000201010211';
    assert.equal(appendCrc(body), `${body}6304${crc16Hex(body + '6304')}`);
    assert.notEqual(crc16Hex(body), crc16Hex(body + '6304'));
  });
});

describe('EMVCo TLV', () => {
  it('encodes nested templates with lengths in bytes', () => {
    assert.equal(
      encodeTlv([
        { id: '62', children: [{ id: '08', value: 'đi' }] },
        { id: '00', value: '01' },
      ]),
      '6207' + '0803đi' + '000201',
    );
  });

  it('decodes lengths in bytes and nests the named templates', () => {
    const result = decodeTlv('6207' + '0803đi' + '000201', { '62': {} });
    assert.ok(result.ok);
    assert.deepEqual(
      result.fields.map((field) => [field.id, field.value, field.offset_bytes]),
      [
        ['62', '0803đi', 0],
        ['00', '01', 11],
      ],
    );
    assert.deepEqual(
      result.fields[0]!.children!.map((field) => [field.id, field.value]),
      [['08', 'đi']],
    );
  });

  for (const [why, text] of [
    ['a length running past the end', '000301'],
    ['a non-digit length', '00A201'],
    ['a non-digit id', 'X00201'],
    ['fewer than 4 bytes left', '00020101'],
    ['an empty value', '0000'],
    ['an id repeated', '00020100020'.concat('1')],
    ['a length that cuts a UTF-8 character', '0001đ'],
  ] as const) {
    it(`refuses ${why}`, () => {
      const result = decodeTlv(text);
      assert.equal(result.ok, false);
      assert.equal((result as { reason: string }).reason, 'malformed_tlv');
    });
  }

  it('refuses to encode a value over 99 bytes, an empty value, or a bad id', () => {
    const refused = (nodes: TlvNode[]) => {
      try {
        encodeTlv(nodes);
      } catch (error) {
        assert.ok(error instanceof TlvEncodeError);
        return [error.reason, error.path];
      }
      return null;
    };
    assert.deepEqual(refused([{ id: '62', children: [{ id: '08', value: 'x'.repeat(100) }] }]), [
      'bad_length',
      '62/08',
    ]);
    assert.deepEqual(refused([{ id: '08', value: 'đ'.repeat(50) }]), ['bad_length', '08']);
    assert.deepEqual(refused([{ id: '08', value: '' }]), ['bad_length', '08']);
    assert.deepEqual(refused([{ id: '8', value: 'x' }]), ['bad_id', '8']);
    assert.equal(refused([{ id: '08', value: 'x'.repeat(99) }]), null);
  });
});

describe('buildVietQr', () => {
  const base = { bin: '970436', account: '0011001234567' };

  it('makes a static code without an amount and a dynamic one with it', () => {
    const without = parsed(buildVietQr(base));
    assert.equal(without.point_of_initiation, 'static');
    assert.equal(without.amount, null);
    const with_amount = parsed(buildVietQr({ ...base, amount: 9_999_999_999_999n }));
    assert.equal(with_amount.point_of_initiation, 'dynamic');
    assert.equal(with_amount.amount, 9_999_999_999_999n);
  });

  it('strips Vietnamese diacritics, đ and Đ included', () => {
    assert.equal(stripDiacritics('Nộp lệ phí Đường bộ đợt 2'), 'Nop le phi Duong bo dot 2');
    assert.equal(stripDiacritics('ăâêôơưƯ ÁÀẢÃẠ ỳỹ'), 'aaeoouU AAAAA yy');
    const value = parsed(
      buildVietQr({
        ...base,
        purpose: 'Nộp phí Đăng ký',
        merchant_name: 'Sở Tư pháp',
        merchant_city: 'Hà Nội',
      }),
    );
    assert.equal(value.purpose, 'Nop phi Dang ky');
    assert.equal(value.merchant_name, 'So Tu phap');
    assert.equal(value.merchant_city, 'Ha Noi');
  });

  it('writes the card service code when asked', () => {
    assert.equal(parsed(buildVietQr({ ...base, service: 'QRIBFTTC' })).service, 'QRIBFTTC');
  });

  it('accepts a 6-digit BIN the table does not know, and reports no bank name', () => {
    const value = parsed(buildVietQr({ ...base, bin: '971999' }));
    assert.equal(value.bin, '971999');
    assert.equal(value.bank, null);
  });

  it('accepts a 25-character purpose and refuses a 26-character one', () => {
    assert.equal(parsed(buildVietQr({ ...base, purpose: 'p'.repeat(25) })).purpose, 'p'.repeat(25));
    const error = buildError({ ...base, purpose: 'p'.repeat(26) });
    assert.deepEqual([error.code, error.field], ['bad_length', 'purpose']);
  });

  const refusals: [string, VietQrInput, VietQrRejection, string][] = [
    ['a 5-digit BIN', { ...base, bin: '97043' }, 'bad_bin', 'bin'],
    ['a BIN with a letter', { ...base, bin: '97043A' }, 'bad_bin', 'bin'],
    ['a BIN too long for tag 38', { ...base, bin: '9'.repeat(80) }, 'bad_length', '38/01'],
    ['an empty account', { ...base, account: '' }, 'bad_account', 'account'],
    ['a 20-character account', { ...base, account: '1'.repeat(20) }, 'bad_account', 'account'],
    ['an account with a dash', { ...base, account: '0011-00' }, 'bad_account', 'account'],
    ['a zero amount', { ...base, amount: 0n }, 'bad_amount', 'amount'],
    ['a negative amount', { ...base, amount: -5n }, 'bad_amount', 'amount'],
    ['a 14-digit amount', { ...base, amount: 10n ** 13n }, 'bad_amount', 'amount'],
    ['a number amount', { ...base, amount: 1000 as unknown as bigint }, 'bad_amount', 'amount'],
    ['an unknown service', { ...base, service: 'QRPUSH' as 'QRIBFTTA' }, 'bad_service', 'service'],
    ['an emoji in the purpose', { ...base, purpose: 'phi 😀' }, 'bad_text', 'purpose'],
    ['a newline in the bill number', { ...base, bill_number: 'HS\n1' }, 'bad_text', 'bill_number'],
    ['an empty bill number', { ...base, bill_number: '' }, 'bad_length', 'bill_number'],
    ['a 16-character city', { ...base, merchant_city: 'c'.repeat(16) }, 'bad_length', 'merchant_city'],
    ['a 26-character name', { ...base, merchant_name: 'n'.repeat(26) }, 'bad_length', 'merchant_name'],
  ];
  for (const [why, input, code, field] of refusals) {
    it(`refuses ${why} with ${code}`, () => {
      const error = buildError(input);
      assert.deepEqual([error.code, error.field], [code, field]);
    });
  }
});

describe('parseVietQr rejections', () => {
  it('accepts the crafted baseline, so each case below breaks one rule only', () => {
    const value = parsed(craft());
    assert.equal(value.amount, 50000n);
    assert.equal(value.purpose, 'Nop le phi');
  });

  const cases: [string, string, VietQrRejection][] = [
    ['an empty payload', '', 'malformed_tlv'],
    [
      'a payload over 512 bytes',
      craft({
        top: {
          '80': 'x'.repeat(99),
          '81': 'x'.repeat(99),
          '82': 'x'.repeat(99),
          '83': 'x'.repeat(99),
          '84': 'x'.repeat(60),
        },
      }),
      'bad_length',
    ],
    ['trailing whitespace after the CRC', craft() + ' ', 'malformed_tlv'],
    ['a CRC of non-hex digits', craft().slice(0, -4) + 'ZZZZ', 'malformed_tlv'],
    ['a CRC that is not the last field', craft().slice(0, -8) + '6304' + 'ABCD' + '8002ab', 'malformed_tlv'],
    ['no payload format field', craft({ top: { '00': null } }), 'missing_field'],
    ['payload format 02', craft({ top: { '00': '02' } }), 'unsupported_format'],
    ['initiation method 13', craft({ top: { '01': '13' } }), 'unsupported_format'],
    ['no initiation method', craft({ top: { '01': null } }), 'missing_field'],
    ['no tag 38', craft({ top: { '38': null } }), 'missing_field'],
    ['tag 38 that is not a TLV list', craft({ top: { '38': 'not tlv' } }), 'malformed_tlv'],
    ['another scheme in 38/00', accountInfo({ guid: 'A000000677' }), 'unsupported_format'],
    [
      'no beneficiary',
      craft({
        account_info: [
          { id: '00', value: 'A000000727' },
          { id: '02', value: 'QRIBFTTA' },
        ],
      }),
      'missing_field',
    ],
    [
      'no BIN',
      craft({
        account_info: [
          { id: '00', value: 'A000000727' },
          { id: '01', children: [{ id: '01', value: '1' }] },
          { id: '02', value: 'QRIBFTTA' },
        ],
      }),
      'missing_field',
    ],
    [
      'no service code',
      craft({
        account_info: [
          { id: '00', value: 'A000000727' },
          {
            id: '01',
            children: [
              { id: '00', value: '970436' },
              { id: '01', value: '1' },
            ],
          },
        ],
      }),
      'missing_field',
    ],
    ['a 5-digit BIN', accountInfo({ bin: '97043' }), 'bad_bin'],
    ['an account with a space', accountInfo({ account: '12 34' }), 'bad_account'],
    ['service QRPUSH', accountInfo({ service: 'QRPUSH' }), 'bad_service'],
    ['currency 840', craft({ top: { '53': '840' } }), 'bad_currency'],
    ['no currency', craft({ top: { '53': null } }), 'missing_field'],
    ['an amount with decimals', craft({ top: { '54': '50000.00' } }), 'bad_amount'],
    ['a zero amount', craft({ top: { '54': '0' } }), 'bad_amount'],
    ['an amount with a leading zero', craft({ top: { '54': '050000' } }), 'bad_amount'],
    ['a negative amount', craft({ top: { '54': '-5' } }), 'bad_amount'],
    ['a 14-digit amount', craft({ top: { '54': '1'.repeat(14) } }), 'bad_amount'],
    ['country TH', craft({ top: { '58': 'TH' } }), 'bad_country'],
    ['no country', craft({ top: { '58': null } }), 'missing_field'],
    ['an MCC of 3 digits', craft({ top: { '52': '123' } }), 'bad_mcc'],
    ['a purpose with diacritics', craft({ top: { '62': [{ id: '08', value: 'Nộp phí' }] } }), 'bad_text'],
    ['a 26-byte purpose', craft({ top: { '62': [{ id: '08', value: 'p'.repeat(26) }] } }), 'bad_length'],
    ['a 26-byte bill number', craft({ top: { '62': [{ id: '01', value: 'b'.repeat(26) }] } }), 'bad_length'],
    ['a 16-byte city', craft({ top: { '60': 'c'.repeat(16) } }), 'bad_length'],
  ];
  for (const [why, payload, reason] of cases) {
    it(`answers ${reason} for ${why}`, () => assert.equal(rejection(payload), reason));
  }

  it('puts 00 first: a payload that starts elsewhere is malformed', () => {
    const body = encodeTlv([
      { id: '01', value: '11' },
      { id: '00', value: '01' },
    ]);
    assert.equal(rejection(appendCrc(body)), 'malformed_tlv');
  });

  it('keeps fields it does not interpret, by path, for display', () => {
    const value = parsed(
      craft({
        top: {
          '26': [{ id: '00', value: 'other.scheme' }],
          '52': '9399',
          '62': [
            { id: '05', value: 'REF1' },
            { id: '08', value: 'Nop le phi' },
          ],
        },
      }),
    );
    assert.equal(value.mcc, '9399');
    assert.deepEqual(value.other_fields, [
      { path: '26', value: '0012other.scheme' },
      { path: '62/05', value: 'REF1' },
    ]);
  });

  it('accepts a static code that carries an amount, and says so (lenient on initiation vs amount)', () => {
    const value = parsed(craft({ top: { '01': '11' } }));
    assert.equal(value.point_of_initiation, 'static');
    assert.equal(value.amount, 50000n);
  });
});
