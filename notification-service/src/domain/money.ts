// Money is carried as integer minor units; how many of them make a major unit depends on the
// currency (JPY 0, EUR 2, BHD 3), which Intl knows. Formatting goes through a decimal string so
// amounts up to Number.MAX_SAFE_INTEGER (and line totals beyond it, as bigint) stay exact.

const LOCALE = 'en';

const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string): Intl.NumberFormat {
  let formatter = formatters.get(currency);
  if (!formatter) {
    formatter = new Intl.NumberFormat(LOCALE, { style: 'currency', currency });
    formatters.set(currency, formatter);
  }
  return formatter;
}

/** Number of minor-unit digits of a currency (ISO 4217 as known to Intl; 2 if unknown). */
export function currencyFractionDigits(currency: string): number {
  return formatterFor(currency).resolvedOptions().maximumFractionDigits ?? 2;
}

/** Exact decimal string of a minor-unit amount, e.g. (1234n, 2) → "12.34", (5n, 3) → "0.005". */
export function minorToDecimal(amountMinor: bigint, fractionDigits: number): string {
  const negative = amountMinor < 0n;
  const digits = (negative ? -amountMinor : amountMinor)
    .toString()
    .padStart(fractionDigits + 1, '0');
  const whole = digits.slice(0, digits.length - fractionDigits);
  const fraction = digits.slice(digits.length - fractionDigits);
  return `${negative ? '-' : ''}${whole}${fractionDigits > 0 ? `.${fraction}` : ''}`;
}

/** "€12.34" for (1234, 'EUR'), "¥1,234" for (1234, 'JPY'). */
export function formatMoney(amountMinor: number | bigint, currency: string): string {
  if (typeof amountMinor === 'number' && !Number.isSafeInteger(amountMinor)) {
    throw new RangeError(`amount in minor units must be a safe integer, got ${amountMinor}`);
  }
  const decimal = minorToDecimal(BigInt(amountMinor), currencyFractionDigits(currency));
  // Intl formats decimal strings exactly (no float rounding).
  return formatterFor(currency).format(decimal as Intl.StringNumericLiteral);
}
