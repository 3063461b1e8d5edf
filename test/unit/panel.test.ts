import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { LagoEvents } from '../../nodes/LagoEvents/LagoEvents.node';
import { LagoTrigger } from '../../nodes/LagoTrigger/LagoTrigger.node';

/**
 * The panels as n8n's rules for verified community nodes read them (issue 22). n8n's lint cannot see descriptions
 * built with spreads and functions, so these checks read the descriptions the nodes actually expose.
 */

const lago = new LagoEvents().description;
const trigger = new LagoTrigger().description;

/** Every property, with the options of collections, at any depth. */
function allProperties(properties: INodeProperties[]): INodeProperties[] {
	return properties.flatMap((p) => [p, ...(p.type === 'collection' ? allProperties((p.options ?? []) as INodeProperties[]) : [])]);
}

const texts = (properties: INodeProperties[]) =>
	allProperties(properties).flatMap((p) => [
		p.description ?? '',
		p.hint ?? '',
		p.type === 'notice' ? p.displayName : '',
		...(p.type === 'options' || p.type === 'multiOptions' ? ((p.options ?? []) as INodePropertyOptions[]).map((o) => o.description ?? '') : []),
	]);

test('the node is named after the service; its type and credential stay', () => {
	expect(lago).toMatchObject({ displayName: 'Lago', name: 'lagoEvents', defaults: { name: 'Lago' }, credentials: [{ name: 'lagoApi', required: true }] });
});

test('operation actions have no articles', () => {
	const actions = lago.properties
		.filter((p) => p.name === 'operation')
		.flatMap((p) => (p.options as INodePropertyOptions[]).map((o) => o.action));
	expect(actions).toEqual([
		'Estimate event fees',
		'Estimate instant event fees',
		'Get event',
		'Get many events',
		'Send event',
		'Send events in batches',
		'Get current customer usage',
		'Get past customer usage',
	]);
});

test('no API path in any user-facing text of either node', () => {
	for (const text of [...texts(lago.properties), ...texts(trigger.properties), lago.description, trigger.description]) {
		expect(text).not.toMatch(/\b(GET|POST|PUT|DELETE) \//);
	}
});

test('help texts are short: no tooltip over 300 characters, no notice over 400', () => {
	for (const p of allProperties([...lago.properties, ...trigger.properties])) {
		expect({ name: p.name, length: (p.description ?? '').length }).toEqual({ name: p.name, length: Math.min((p.description ?? '').length, 300) });
		if (p.type === 'notice') expect({ name: p.name, length: p.displayName.length }).toEqual({ name: p.name, length: Math.min(p.displayName.length, 400) });
	}
	expect(JSON.stringify(lago.properties)).not.toMatch(/AI agents?:/);
});

test('every collection lists its options alphabetically', () => {
	for (const p of allProperties([...lago.properties, ...trigger.properties]).filter((q) => q.type === 'collection')) {
		const names = ((p.options ?? []) as INodeProperties[]).map((o) => o.displayName);
		expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en')));
	}
});

test('retry options: title-case units, and Max Attempts tells n8n\'s Retry On Fail apart', () => {
	const send = lago.properties.find((p) => p.name === 'options' && p.displayOptions?.show?.operation?.includes('create'));
	const options = (send?.options ?? []) as INodeProperties[];
	expect(options.map((o) => o.displayName)).toEqual(
		expect.arrayContaining(['Initial Retry Delay (Milliseconds)', 'Max Attempts', 'Max Retry Time (Seconds)']),
	);
	expect(options.find((o) => o.name === 'maxAttempts')?.description).toBe(
		"Most tries of one request on 429, 5xx or a connection error, each with the identical event. This retries one request; n8n's Settings › Retry On Fail re-runs the whole node.",
	);
});

test('pickers: External Subscription ID everywhere it appears, External Customer ID in Customer Usage; date pickers for the times', () => {
	const all = allProperties(lago.properties);
	const subscriptions = all.filter((p) => p.name === 'externalSubscriptionId');
	expect(subscriptions.length).toBeGreaterThanOrEqual(6);
	for (const p of subscriptions) {
		expect(p.type).toBe('resourceLocator');
		expect(p.modes?.map((m) => m.name)).toEqual(['list', 'id']);
	}
	expect(all.filter((p) => p.name === 'externalCustomerId').map((p) => p.type)).toEqual(['resourceLocator', 'resourceLocator']);
	expect(all.filter((p) => ['timestamp', 'timestampFrom', 'timestampTo'].includes(p.name)).map((p) => p.type)).toEqual(
		expect.arrayContaining(['dateTime', 'dateTime', 'dateTime']),
	);
	expect(all.filter((p) => ['timestamp', 'timestampFrom', 'timestampTo'].includes(p.name)).every((p) => p.type === 'dateTime')).toBe(true);
});

test('dependent fields show only when they apply', () => {
	expect(allProperties(lago.properties).find((p) => p.name === 'fromSubscriptionStart')?.displayOptions).toEqual({
		show: { externalSubscriptionId: [{ _cnd: { exists: true } }] },
	});
	expect(allProperties(trigger.properties).find((p) => p.name === 'lookUpEvents')?.displayOptions).toEqual({ hide: { splitEventErrors: [false] } });
});

test('the trigger subtitle names All instead of showing *', () => {
	expect(trigger.subtitle).toBe('={{ ($parameter["events"] || []).includes("*") ? "All events" : ($parameter["events"] || []).join(", ") }}');
});
