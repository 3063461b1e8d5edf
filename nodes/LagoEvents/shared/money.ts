/**
 * Lago counts money in the currency's smallest unit (`amount_cents`). ISO 4217 minor units for the currencies that do
 * not have two; every other currency Lago supports has two.
 */
const MINOR_UNITS: Record<string, number> = {
	BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
	BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
};

export function minorUnits(currency: unknown): number {
	return typeof currency === 'string' && currency.toUpperCase() in MINOR_UNITS ? MINOR_UNITS[currency.toUpperCase()] : 2;
}

/** 1234 EUR cents -> 12.34; 1234 JPY -> 1234. Exact for any whole number of cents up to 2^53. */
export function centsToAmount(cents: unknown, currency: unknown): number | null {
	const value = typeof cents === 'string' && cents.trim() !== '' ? Number(cents) : cents;
	if (typeof value !== 'number' || !Number.isFinite(value)) return null;
	const digits = minorUnits(currency);
	return Number((value / 10 ** digits).toFixed(digits));
}

/** Lago's decimal strings ("10.0", "0.000125") as numbers, so an IF node can compare them; null when not a number. */
export function decimalToNumber(value: unknown): number | null {
	if (typeof value === 'number') return Number.isFinite(value) ? value : null;
	if (typeof value !== 'string' || value.trim() === '') return null;
	const n = Number(value);
	return Number.isFinite(n) ? n : null;
}
