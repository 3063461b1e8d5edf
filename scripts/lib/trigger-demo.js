'use strict';
// The Lago Trigger part of the demo: activate the workflows that start with a Lago Trigger (n8n registers their
// webhook URL in the sandbox), send events Lago cannot bill, and make the sandbox deliver its events.errors webhook.

const TRIGGER_TYPE = 'n8n-nodes-lago.lagoTrigger';

/** Events Lago accepts with 200 but cannot bill: a metric-code typo, a renamed property, an unknown metric. */
function badEvents(prefix = 'demo') {
	const ts = Math.floor(Date.now() / 1000) - 60;
	return [
		{ transaction_id: `${prefix}-typo-${ts}`, external_subscription_id: 'sub_demo_1', code: 'api_call', timestamp: ts },
		{ transaction_id: `${prefix}-renamed-${ts}`, external_subscription_id: 'sub_demo_1', code: 'storage_gb', timestamp: ts, properties: { size_gb: 3 } },
		{ transaction_id: `${prefix}-unknown-${ts}`, external_subscription_id: 'sub_demo_1', code: 'made_up_metric', timestamp: ts },
	];
}

const triggerWorkflows = (workflows) => workflows.filter((w) => (w.wf.nodes || []).some((n) => n.type === TRIGGER_TYPE));

const webhookUrl = (n8nUrl, wf) => `${n8nUrl}/webhook/${wf.nodes.find((n) => n.type === TRIGGER_TYPE).webhookId}/webhook`;

/** Activates each trigger workflow and waits until the sandbox has its endpoint (n8n 2.x registers it after answering). */
async function activateTriggers(rest, sb, n8nUrl, workflows) {
	for (const { wf } of triggerWorkflows(workflows)) {
		await rest.activateWorkflow(wf.id);
		const url = webhookUrl(n8nUrl, wf);
		const started = Date.now();
		while (!Array.from(sb.webhooks.endpoints.values()).some((e) => e.webhook_url === url)) {
			if (Date.now() - started > 30_000) throw new Error(`"${wf.name}" was activated but did not register ${url} in the sandbox`);
			await new Promise((r) => setTimeout(r, 200));
		}
	}
}

/** Sends the bad events through the API, then runs the sandbox's events.errors job. */
async function sendBadEventsAndFire(sb, apiKey, prefix) {
	const events = badEvents(prefix);
	for (const event of events) {
		const res = await fetch(`${sb.apiUrl}/events`, {
			method: 'POST',
			headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
			body: JSON.stringify({ event }),
		});
		if (res.status !== 200) throw new Error(`the sandbox answered ${res.status} to ${event.transaction_id}`);
	}
	return { events, fired: await sb.webhooks.sendEventsErrors(sb.events) };
}

/** --check: fire events.errors at the activated example and verify the corrected events reached the sandbox. */
async function checkTrigger({ rest, sb, apiKey, workflows, flattedFrom }) {
	const lines = [];
	let ok = true;
	for (const { wf } of triggerWorkflows(workflows)) {
		const before = (await rest.listExecutions(wf.id)).length;
		const { events, fired } = await sendBadEventsAndFire(sb, apiKey, 'check');
		const statuses = fired.deliveries.flatMap((d) => d.attempts.map((a) => a.status));
		let list = await rest.listExecutions(wf.id);
		const started = Date.now();
		while (list.length <= before && Date.now() - started < 60_000) {
			await new Promise((r) => setTimeout(r, 300));
			list = await rest.listExecutions(wf.id);
		}
		const newest = list.reduce((a, b) => (Number(a.id) > Number(b.id) ? a : b), list[0] || { id: 0 });
		const result = newest.id ? await rest.waitForExecution(newest.id, { flattedFrom }) : { status: 'none', runData: {} };
		const items = (name) => ((result.runData[name] || [])[0]?.data?.main?.[0] || []).map((i) => i.json);
		const trigger = wf.nodes.find((n) => n.type === TRIGGER_TYPE).name;
		const failed = items(trigger);
		const resent = new Set(sb.events.map((e) => e.transaction_id));
		const fixed = events.slice(0, 2).every((e) => resent.has(`${e.transaction_id}-fixed`));
		const good = result.status === 'success' && failed.length === 3 && fixed && statuses.every((s) => s === 200);
		ok = ok && good;
		lines.push(`${good ? '✓' : '✗'} "${wf.name}" — sandbox fired events.errors (answered ${statuses.join(', ')}), execution ${newest.id}: ${result.status}`);
		for (const item of failed) lines.push(`      ${item.transaction_id}: ${item.error}${resent.has(`${item.transaction_id}-fixed`) ? ` → re-sent as ${item.transaction_id}-fixed` : ' (left for a person)'}`);
	}
	return { ok, text: lines.join('\n') };
}

module.exports = { TRIGGER_TYPE, triggerWorkflows, webhookUrl, activateTriggers, sendBadEventsAndFire, checkTrigger, badEvents };
