// The amount in words printed on every receipt: a table of amounts that exercises each reading rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { amountInVietnameseWords } from './amount-in-words';

const TABLE: ReadonlyArray<[bigint, string]> = [
  [0n, 'Không đồng'],
  [5n, 'Năm đồng'],
  [10n, 'Mười đồng'],
  [11n, 'Mười một đồng'],
  [14n, 'Mười bốn đồng'],
  [15n, 'Mười lăm đồng'],
  [20n, 'Hai mươi đồng'],
  [21n, 'Hai mươi mốt đồng'],
  [24n, 'Hai mươi tư đồng'],
  [25n, 'Hai mươi lăm đồng'],
  [100n, 'Một trăm đồng'],
  [101n, 'Một trăm linh một đồng'],
  [104n, 'Một trăm linh bốn đồng'],
  [105n, 'Một trăm linh năm đồng'],
  [110n, 'Một trăm mười đồng'],
  [115n, 'Một trăm mười lăm đồng'],
  [1000n, 'Một nghìn đồng'],
  [1005n, 'Một nghìn không trăm linh năm đồng'],
  [1050n, 'Một nghìn không trăm năm mươi đồng'],
  [15000n, 'Mười lăm nghìn đồng'],
  [150000n, 'Một trăm năm mươi nghìn đồng'],
  [1500000n, 'Một triệu năm trăm nghìn đồng'],
  [2050000n, 'Hai triệu không trăm năm mươi nghìn đồng'],
  [1000005n, 'Một triệu không trăm linh năm đồng'],
  [1000000000n, 'Một tỷ đồng'],
  [1000001000n, 'Một tỷ không trăm linh một nghìn đồng'],
  [1234567891n, 'Một tỷ hai trăm ba mươi tư triệu năm trăm sáu mươi bảy nghìn tám trăm chín mươi mốt đồng'],
  [1000000000000n, 'Một nghìn tỷ đồng'],
  [2000000000000000000n, 'Hai tỷ tỷ đồng'],
];

describe('amountInVietnameseWords', () => {
  for (const [amount, words] of TABLE) {
    it(`reads ${amount} as "${words}"`, () => {
      assert.equal(amountInVietnameseWords(amount), words);
    });
  }

  it('reads a zero tens as "lẻ" when asked for the southern form', () => {
    assert.equal(amountInVietnameseWords(105n, { zero_tens: 'lẻ' }), 'Một trăm lẻ năm đồng');
    assert.equal(amountInVietnameseWords(2001n, { zero_tens: 'lẻ' }), 'Hai nghìn không trăm lẻ một đồng');
  });

  it('refuses a negative amount', () => {
    assert.throws(() => amountInVietnameseWords(-1n), RangeError);
  });
});
