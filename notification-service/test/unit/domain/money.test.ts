import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { currencyFractionDigits, formatMoney, minorToDecimal } from '../../../src/domain/money';

describe('money formatting', () => {
  it('knows the fraction digits of each currency', () => {
    assert.equal(currencyFractionDigits('EUR'), 2);
    assert.equal(currencyFractionDigits('JPY'), 0);
    assert.equal(currencyFractionDigits('BHD'), 3);
  });

  it('turns minor units into an exact decimal string', () => {
    assert.equal(minorToDecimal(1234n, 2), '12.34');
    assert.equal(minorToDecimal(5n, 2), '0.05');
    assert.equal(minorToDecimal(5n, 3), '0.005');
    assert.equal(minorToDecimal(0n, 2), '0.00');
    assert.equal(minorToDecimal(1234n, 0), '1234');
    assert.equal(minorToDecimal(-150n, 2), '-1.50');
  });

  it('formats EUR with two decimals, JPY with none, BHD with three', () => {
    assert.equal(formatMoney(1234, 'EUR'), '€12.34');
    assert.equal(formatMoney(1234, 'JPY'), '¥1,234');
    assert.equal(formatMoney(1234, 'BHD'), 'BHD\u00a01.234');
    assert.equal(formatMoney(5, 'USD'), '$0.05');
  });

  it('stays exact at the largest safe amount and beyond it as bigint', () => {
    assert.equal(formatMoney(Number.MAX_SAFE_INTEGER, 'USD'), '$90,071,992,547,409.91');
    assert.equal(formatMoney(9007199254740993n, 'JPY'), '¥9,007,199,254,740,993');
  });

  it('refuses an amount that is not a safe integer', () => {
    assert.throws(() => formatMoney(12.5, 'EUR'), RangeError);
    assert.throws(() => formatMoney(2 ** 60, 'EUR'), RangeError);
  });
});
