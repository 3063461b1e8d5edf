import { pickerCustomer } from '../../nodes/LagoEvents/listSearch/searchSubscriptions';
import { pastUsageQuery } from '../../nodes/LagoEvents/resources/customerUsage/getPast';
import { currentUsageQuery } from '../../nodes/LagoEvents/resources/customerUsage/getCurrent';
import { chunkByTransactionId, noInstantChargeItem, simplifyInstantFee } from '../../nodes/LagoEvents/resources/event/estimateInstantFees';
import { eventsQuery, pageSize } from '../../nodes/LagoEvents/resources/event/getMany';
import { centsToAmount, decimalToNumber, minorUnits } from '../../nodes/LagoEvents/shared/money';
import { simplifyUsage } from '../../nodes/LagoEvents/shared/usage';
import { describeLagoError } from '../../nodes/shared/errors';

describe('eventsQuery', () => {
	test.each([
		[{}, {}],
		[{ code: 'api_calls', externalSubscriptionId: 'sub_1' }, { code: 'api_calls', external_subscription_id: 'sub_1' }],
		[{ code: '', externalSubscriptionId: '  ', timestampFrom: '', timestampTo: null }, {}],
		[{ timestampFrom: 1767225600, timestampTo: '1767225600123' }, { timestamp_from: '2026-01-01T00:00:00.000Z', timestamp_to: '2026-01-01T00:00:00.123Z' }],
		[{ externalSubscriptionId: 12345, fromSubscriptionStart: true, timestampTo: '2026-01-02T00:00:00+01:00' }, { external_subscription_id: '12345', timestamp_from_started_at: true, timestamp_to: '2026-01-01T23:00:00.000Z' }],
		[{ fromSubscriptionStart: false, timestampFrom: new Date(Date.UTC(2026, 0, 1)) }, { timestamp_from: '2026-01-01T00:00:00.000Z' }],
		[{ timestampFrom: '2026-01-01T00:00:00Z', timestampTo: '2026-01-01T00:00:00Z' }, { timestamp_from: '2026-01-01T00:00:00.000Z', timestamp_to: '2026-01-01T00:00:00.000Z' }],
	])('%j -> %j', (filters, qs) => {
		expect(eventsQuery(filters)).toEqual(qs);
	});

	test.each([
		[{ fromSubscriptionStart: true }, 'fromSubscriptionStart', 'From Subscription Start needs an External Subscription ID'],
		[{ fromSubscriptionStart: true, externalSubscriptionId: 's', timestampFrom: 1767225600 }, 'fromSubscriptionStart', 'From Subscription Start and Timestamp From cannot be used together'],
		[{ timestampFrom: 1767225601, timestampTo: 1767225600 }, 'timestampFrom', 'Timestamp From (2026-01-01T00:00:01.000Z) is after Timestamp To (2026-01-01T00:00:00.000Z)'],
		[{ timestampFrom: 17672256 }, 'timestampFrom', 'Timestamp From 17672256 is 1970-07-24T12:57:36.000Z, outside 2000-2099'],
		[{ timestampTo: 'tomorrow' }, 'timestampTo', 'Timestamp To "tomorrow" is not a date Lago can use'],
		[{ code: 'has space ' }, 'code', 'Billable Metric Code "has space " has leading or trailing spaces'],
	])('%j is refused', (filters, field, message) => {
		expect(() => eventsQuery(filters)).toThrow(message);
		try {
			eventsQuery(filters);
		} catch (error) {
			expect((error as { field: string }).field).toBe(field);
		}
	});
});

test.each([
	[true, 50, 100],
	[false, 1, 1],
	[false, 50, 50],
	[false, 100, 100],
	[false, 101, 100],
	[false, 1000, 100],
])('pageSize(returnAll %s, limit %i) = %i', (returnAll, limit, size) => {
	expect(pageSize(returnAll, limit)).toBe(size);
});

describe('chunkByTransactionId', () => {
	const id = (s: string) => s;
	test.each([
		[[], 100, []],
		[['a', 'b', 'c'], 100, [['a', 'b', 'c']]],
		[['a', 'b', 'c', 'd', 'e'], 2, [['a', 'b'], ['c', 'd'], ['e']]],
		[['a', 'a', 'b'], 100, [['a'], ['a', 'b']]],
		[['a', 'b', 'a', 'b'], 100, [['a', 'b'], ['a', 'b']]],
	])('%j in chunks of %i', (ids, size, chunks) => {
		expect(chunkByTransactionId(ids, id, size)).toEqual(chunks);
	});

	test('250 distinct ids make 100, 100, 50', () => {
		const ids = Array.from({ length: 250 }, (_, i) => `t${i}`);
		expect(chunkByTransactionId(ids, id).map((c) => c.length)).toEqual([100, 100, 50]);
	});
});

describe('money', () => {
	test.each([
		[1234, 'EUR', 12.34],
		['1234', 'usd', 12.34],
		[5, 'EUR', 0.05],
		[1234, 'JPY', 1234],
		[1234, 'KWD', 1.234],
		[0, 'EUR', 0],
		[null, 'EUR', null],
		['abc', 'EUR', null],
		[-250, 'EUR', -2.5],
	])('centsToAmount(%j, %s) = %j', (cents, currency, amount) => {
		expect(centsToAmount(cents, currency)).toBe(amount);
	});

	test('minor units default to 2', () => {
		expect(minorUnits(undefined)).toBe(2);
		expect(minorUnits('xyz')).toBe(2);
	});

	test.each([
		['10.0', 10],
		['0.000125', 0.000125],
		[3, 3],
		['', null],
		['x', null],
		[null, null],
	])('decimalToNumber(%j) = %j', (value, n) => {
		expect(decimalToNumber(value)).toBe(n);
	});
});

describe('simplify', () => {
	test('an instant fee', () => {
		expect(
			simplifyInstantFee({ event_transaction_id: 't', external_subscription_id: 's', external_customer_id: 'c', item: { code: 'm', name: 'M' }, units: '2.5', amount_cents: 125, amount_currency: 'EUR' }),
		).toEqual({ transaction_id: 't', external_subscription_id: 's', external_customer_id: 'c', metric_code: 'm', metric_name: 'M', instant_charge: true, units: 2.5, amount_cents: 125, amount: 1.25, currency: 'EUR' });
	});

	test('an event without instant charge, simplified or not', () => {
		const event = { transaction_id: 't', external_subscription_id: 's', code: 'seats' };
		expect(noInstantChargeItem(event, true)).toMatchObject({ transaction_id: 't', metric_code: 'seats', instant_charge: false, amount: null });
		expect(noInstantChargeItem(event, false)).toMatchObject({ ...event, fees: [], instant_charge: false });
	});

	const request = { externalCustomerId: 'c', externalSubscriptionId: 's' };
	const usage = { from_datetime: 'F', to_datetime: 'T', issuing_date: 'I', currency: 'JPY', amount_cents: 0 };

	test('usage: one flat item per charge, ten fields at most (n8n\'s Simplify guideline)', () => {
		const items = simplifyUsage(
			{ ...usage, charges_usage: [{ units: '12.0', events_count: 4, amount_cents: 1200, amount_currency: 'JPY', charge: { charge_model: 'standard' }, billable_metric: { code: 'm', name: 'M', aggregation_type: 'sum_agg' } }] },
			request,
		);
		expect(items).toEqual([
			{ external_customer_id: 'c', external_subscription_id: 's', metric_code: 'm', metric_name: 'M', units: 12, events_count: 4, amount: 1200, currency: 'JPY', from_datetime: 'F', to_datetime: 'T' },
		]);
	});

	test('usage with no charge still gives one item for the period', () => {
		expect(simplifyUsage({ ...usage, charges_usage: [] }, request)).toEqual([
			{ external_customer_id: 'c', external_subscription_id: 's', metric_code: null, metric_name: null, units: 0, events_count: 0, amount: 0, currency: 'JPY', from_datetime: 'F', to_datetime: 'T' },
		]);
	});
});

describe('usage queries', () => {
	test('current usage sends apply_taxes explicitly', () => {
		expect(currentUsageQuery({ externalSubscriptionId: 's', options: {} })).toEqual({ external_subscription_id: 's', apply_taxes: true });
		expect(currentUsageQuery({ externalSubscriptionId: 's', billableMetricCode: 'm', options: { applyTaxes: false } })).toEqual({ external_subscription_id: 's', apply_taxes: false, billable_metric_code: 'm' });
	});

	test('past usage: periods_count only when set, and at least 1', () => {
		expect(pastUsageQuery({ externalSubscriptionId: 's', options: {} })).toEqual({ external_subscription_id: 's' });
		expect(pastUsageQuery({ externalSubscriptionId: 's', options: { periodsCount: 3 } })).toEqual({ external_subscription_id: 's', periods_count: 3 });
		expect(() => pastUsageQuery({ externalSubscriptionId: 's', options: { periodsCount: 1.5 } })).toThrow('Periods Count must be a whole number of at least 1, got 1.5');
	});

	test.each([
		['cus_1', 'cus_1'],
		[' cus_1 ', 'cus_1'],
		['', undefined],
		['={{ $json.customer }}', undefined],
		[undefined, undefined],
		[42, undefined],
	])('the picker reads customer %j as %j', (value, customer) => {
		expect(pickerCustomer(value)).toBe(customer);
	});
});

describe('read-side errors', () => {
	test.each([
		[405, { code: 'no_active_subscription' }, 'getCurrentUsage', 'Customer "c" has no active subscription with external ID "s"'],
		[404, { code: 'customer_not_found' }, 'getCurrentUsage', 'Lago has no customer with external ID "c"'],
		[404, { code: 'subscription_not_found' }, 'getPastUsage', 'Customer "c" has no subscription with external ID "s"'],
		[403, { code: 'read_action_not_allowed_for_customer_usage' }, 'getCurrentUsage', 'The API key is not allowed to read customer usage (403 read_action_not_allowed_for_customer_usage)'],
		[403, { code: 'read_action_not_allowed_for_event' }, 'getMany', 'The API key is not allowed to read events (403 read_action_not_allowed_for_event)'],
		[404, { code: 'subscription_not_found' }, 'estimateInstantFees', 'Lago found no active subscription with external ID "s"'],
	] as const)('%i %j during %s', (status, body, operation, message) => {
		const described = describeLagoError(status, { status, error: 'x', ...body }, { operation, externalCustomerId: 'c', externalSubscriptionId: 's' });
		expect(described.message).toBe(message);
		expect(described.description).toContain(`Lago code: ${body.code}`);
	});
});
