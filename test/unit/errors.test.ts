import { describeLagoError, formatErrorDetails, isOnlyDuplicate } from '../../nodes/shared/errors';

const body = (status: number, extra: object) => ({ status, error: 'x', ...extra });

describe('describeLagoError', () => {
	test.each([
		[400, body(400, { error: 'BadRequest: param is missing or the value is empty or invalid: event' }), { operation: 'create' }, /could not read the request \(400\): BadRequest: param is missing/],
		[401, { status: 401, error: 'Unauthorized' }, { operation: 'create' }, /^Lago rejected the API key \(401 Unauthorized\)$/],
		[403, body(403, { code: 'write_action_not_allowed_for_event' }), { operation: 'create' }, /not allowed to send events \(403 write_action_not_allowed_for_event\)/],
		[403, body(403, { code: 'read_action_not_allowed_for_event' }), { operation: 'get' }, /not allowed to read events/],
		[404, body(404, { code: 'event_not_found' }), { operation: 'get', transactionId: 'ord/2026#7?x' }, /^No event with transaction ID "ord\/2026#7\?x" was found in Lago$/],
		[404, body(404, { code: 'subscription_not_found' }), { operation: 'estimateFees', externalSubscriptionId: 'sub_x' }, /no active subscription with external ID "sub_x"/],
		[404, body(404, { code: 'billable_metric_not_found' }), { operation: 'estimateFees', code: 'nope' }, /no billable metric with code "nope"/],
		[404, body(404, { code: 'resource_not_found' }), { operation: 'create' }, /Base URL does not look like a Lago API/],
		[422, body(422, { code: 'validation_errors', error_details: { transaction_id: ['value_already_exist'] } }), { operation: 'create', transactionId: 'tx-1' }, /Transaction ID "tx-1" was already ingested/],
		[422, body(422, { code: 'validation_errors', error_details: { timestamp: ['invalid_format'] } }), { operation: 'create' }, /could not read the timestamp/],
		[422, body(422, { code: 'validation_errors', error_details: { code: ['does_not_match_an_instant_charge'] } }), { operation: 'estimateFees', code: 'seats', externalSubscriptionId: 'sub_1' }, /"seats" has no pay-in-advance charge on the plan of subscription "sub_1"/],
		[422, body(422, { code: 'validation_errors', error_details: { properties: ['value_is_not_valid_number'] } }), { operation: 'estimateFees', code: 'storage_gb' }, /property used by billable metric "storage_gb" is not a number/],
		[422, body(422, { code: 'validation_errors', error_details: 'expression_evaluation_failed: Variable: b not found' }), { operation: 'create' }, /rejected the event: expression_evaluation_failed: Variable: b not found/],
		[422, body(422, { code: 'validation_errors', error_details: { events: ['too_many_events'] } }), { operation: 'createBatch' }, /more events than this Lago server accepts/],
		[422, body(422, { code: 'validation_errors', error_details: { events: ['no_events'] } }), { operation: 'createBatch' }, /contained no events/],
		[422, body(422, { code: 'validation_errors', error_details: { code: ['value_is_mandatory'] } }), { operation: 'create' }, /Billable Metric Code is required \(value_is_mandatory\)/],
		[429, { status: 429, error: 'Too Many Requests' }, { operation: 'create' }, /rate limit was still exceeded/],
		[500, { status: 500, error: 'Internal Server Error' }, { operation: 'create' }, /server error \(500 Internal Server Error\)/],
		[502, '<html><body><h1>502 Bad Gateway</h1></body></html>', { operation: 'create' }, /answered 502 with a page that is not from Lago's API/],
		[404, '<html>Not here</html>', { operation: 'create' }, /answered 404 with a page that is not from Lago's API/],
	])('%d %j', (status, responseBody, ctx, message) => {
		const described = describeLagoError(status, responseBody, ctx as never);
		expect(described.message).toMatch(message);
		expect(described.httpCode).toBe(String(status));
		expect(described.description.length).toBeGreaterThan(20);
	});

	test('the description carries Lago code and error_details', () => {
		const described = describeLagoError(422, { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { timestamp: ['invalid_format'] } }, { operation: 'create' });
		expect(described.description).toContain('Lago code: validation_errors');
		expect(described.description).toContain('Lago error_details: {"timestamp":["invalid_format"]}');
		expect(described.lagoCode).toBe('validation_errors');
		expect(described.errorDetails).toEqual({ timestamp: ['invalid_format'] });
	});

	test.each([
		[301, { location: 'https://lago.example.com/api/v1/events' }, "Lago's address answered with a redirect (301) to https://lago.example.com/api/v1/events: the request did not reach Lago"],
		[308, {}, "Lago's address answered with a redirect (308) to another address: the request did not reach Lago"],
		[302, undefined, "Lago's address answered with a redirect (302) to another address: the request did not reach Lago"],
	])('a %d redirect names where it points, whatever the page says', (status, headers, message) => {
		const described = describeLagoError(status, '<html>Moved Permanently</html>', { operation: 'create' }, headers);
		expect(described.message).toBe(message);
		expect(described.description).toMatch(/^Set the Base URL in the Lago API credential/);
		expect(described.httpCode).toBe(String(status));
	});

	test("a proxy page's text is quoted, without tags", () => {
		const described = describeLagoError(503, '<html><head><style>x{}</style></head><body><h1>Service Unavailable</h1></body></html>', { operation: 'create' });
		expect(described.description).toContain('"Service Unavailable"');
	});

	// The fix each message gives must point to something that exists, for the operation that ran (issue 22, point 7).
	test.each([
		[429, { status: 429, error: 'Too Many Requests' }, { operation: 'create' }, 'Lago Cloud allows about 500 requests per second per organisation. Use Send Batch, lower Options › Parallel Requests, or raise Options › Max Retry Time (Seconds).'],
		[400, { status: 400, error: 'Bad Request' }, { operation: 'create' }, 'This is a bug in the node. Please report it at https://github.com/n8n-nodes-lago/n8n-nodes-lago/issues with the workflow (without the API key).'],
		[418, { status: 418, error: 'Teapot' }, { operation: 'get' }, 'Lago did not say more than the status and error below. Check the Base URL and the API key in the Lago API credential; if they are right, report it at https://github.com/n8n-nodes-lago/n8n-nodes-lago/issues.'],
		[404, body(404, { code: 'subscription_not_found' }), { operation: 'estimateInstantFees', externalSubscriptionId: 's' }, "Estimate Instant Fees needs a subscription that is active now. Use the subscription's external ID, not the customer's."],
		[404, body(404, { code: 'subscription_not_found' }), { operation: 'estimateFees', externalSubscriptionId: 's' }, "Estimate Fees needs a subscription that is active now. Use the subscription's external ID, not the customer's."],
		[422, body(422, { code: 'validation_errors', error_details: { code: ['does_not_match_an_instant_charge'] } }), { operation: 'estimateInstantFees', code: 'seats' }, 'Estimate Instant Fees only works for metrics charged in advance. Add a pay-in-advance charge for this metric to the plan, or use a different metric.'],
	])('%d fix for %j', (status, responseBody, ctx, fix) => {
		expect(describeLagoError(status, responseBody, ctx as never).description.split('\n')[0]).toBe(fix);
	});
});

describe('details helpers', () => {
	test('isOnlyDuplicate', () => {
		expect(isOnlyDuplicate({ transaction_id: ['value_already_exist'] })).toBe(true);
		expect(isOnlyDuplicate({ transaction_id: ['value_already_exist'], timestamp: ['invalid_format'] })).toBe(false);
		expect(isOnlyDuplicate({ transaction_id: ['value_is_mandatory'] })).toBe(false);
		expect(isOnlyDuplicate('expression_evaluation_failed')).toBe(false);
		expect(isOnlyDuplicate(undefined)).toBe(false);
	});

	test('formatErrorDetails', () => {
		expect(formatErrorDetails({ timestamp: ['invalid_format'], code: ['value_is_mandatory'] })).toBe(
			'Timestamp has a format Lago cannot read (invalid_format); Billable Metric Code is required (value_is_mandatory)',
		);
		expect(formatErrorDetails('expression_evaluation_failed: x')).toBe('expression_evaluation_failed: x');
	});
});
