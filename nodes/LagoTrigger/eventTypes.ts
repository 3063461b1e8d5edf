import type { INodePropertyOptions } from 'n8n-workflow';

/**
 * Lago's webhook types (lago-api `config/webhook_event_types.yml`), grouped as Lago's docs group them. The picker lists
 * All first, then every type by its readable name in alphabetical order; `*` stands for every type, including ones Lago
 * adds later.
 */

export const ALL_EVENT_TYPES = '*';

const GROUPS: Array<[group: string, types: Array<[type: string, description: string]>]> = [
	[
		'Events',
		[
			// event.error, deprecated by Lago for events.errors, is no longer offered; a workflow that picked it keeps it.
			['events.errors', 'Lago could not bill some events it accepted, e.g. an unknown metric code'],
		],
	],
	[
		'Invoices',
		[
			['invoice.created', 'A new invoice has been emitted'],
			['invoice.one_off_created', 'A new one-off invoice has been emitted'],
			['invoice.paid_credit_added', 'A new prepaid credit invoice has been emitted'],
			['invoice.generated', 'A new invoice PDF has been generated'],
			['invoice.drafted', 'A new draft invoice has been emitted'],
			['invoice.ready_to_finalize', 'A draft invoice is ready to be finalized'],
			['invoice.voided', 'An invoice has been voided'],
			['invoice.payment_status_updated', 'The payment status of an invoice has been updated'],
			['invoice.payment_overdue', 'An invoice payment is overdue'],
			['invoice.payment_failure', 'A payment attempt for an invoice failed on a payment provider'],
			['invoice.payment_dispute_lost', 'A payment dispute has been lost for an invoice payment'],
			['invoice.resynced', 'An invoice has been resynced with Salesforce'],
		],
	],
	[
		'Subscriptions and Fees',
		[
			['subscription.started', 'A subscription has started'],
			['subscription.updated', 'A subscription has been updated'],
			['subscription.terminated', 'A subscription has been terminated'],
			['subscription.canceled', 'A subscription has been canceled'],
			['subscription.incomplete', 'A subscription is waiting for its activation rule'],
			['subscription.termination_alert', 'A subscription will be terminated in the future'],
			['subscription.trial_ended', 'A subscription trial period has ended'],
			['subscription.usage_threshold_reached', 'A usage threshold has been reached by a subscription'],
			['fee.created', 'A pay-in-advance fee has been created'],
			['fee.tax_provider_error', 'Taxes for a fee could not be fetched from a tax provider'],
		],
	],
	[
		'Customers',
		[
			['customer.created', 'A new customer has been created'],
			['customer.updated', 'A customer has been updated'],
			['customer.accounting_provider_created', 'A customer was created on an accounting integration'],
			['customer.accounting_provider_error', 'A customer could not be synced to an accounting provider'],
			['customer.crm_provider_created', 'A customer was created in the CRM provider'],
			['customer.crm_provider_error', 'A customer could not be synced to a CRM provider'],
			['customer.payment_provider_created', 'A customer was created on a payment provider'],
			['customer.payment_provider_error', 'A customer could not be synced to a payment provider'],
			['customer.checkout_url_generated', 'A checkout URL was generated for a customer'],
			['customer.tax_provider_error', 'Taxes for a customer could not be fetched from a tax provider'],
			['customer.vies_check', 'A VIES VAT number check finished for a customer'],
		],
	],
	[
		'Wallets and Credits',
		[
			['wallet.created', 'A new wallet has been created'],
			['wallet.updated', 'A wallet has been updated'],
			['wallet.terminated', 'A wallet has been terminated'],
			['wallet.depleted_ongoing_balance', 'The balance of a wallet has been depleted'],
			['wallet_transaction.created', 'A new wallet transaction has been created'],
			['wallet_transaction.updated', 'A wallet transaction has been updated'],
			['wallet_transaction.payment_failure', 'A payment attempt for a wallet transaction failed'],
			['wallet_transaction.payment_failure_after_settlement', 'A payment failed for a wallet transaction already settled'],
		],
	],
	[
		'Payments',
		[
			['payment.succeeded', 'A payment was processed by the payment provider'],
			['payment.requires_action', 'An action is required to process a payment'],
			['payment_provider.error', 'A payment provider raised an error'],
			['payment_request.created', 'A new payment request has been created'],
			['payment_request.payment_failure', 'A payment attempt for a payment request failed'],
			['payment_request.payment_status_updated', 'The payment status of a payment request has been updated'],
			['payment_receipt.created', 'A new payment receipt has been created'],
			['payment_receipt.generated', 'A new payment receipt PDF has been generated'],
		],
	],
	[
		'Credit Notes',
		[
			['credit_note.created', 'A new credit note has been created'],
			['credit_note.generated', 'A new credit note PDF has been generated'],
			['credit_note.provider_refund_failure', 'The refund of a credit note failed on a payment provider'],
		],
	],
	['Alerts', [['alert.triggered', 'One or more thresholds of an alert were crossed']]],
	[
		'Others',
		[
			['billable_metric.created', 'A new billable metric has been created'],
			['billable_metric.updated', 'A billable metric has been updated'],
			['billable_metric.deleted', 'A billable metric has been deleted'],
			['plan.created', 'A new plan has been created'],
			['plan.updated', 'A plan has been updated'],
			['plan.deleted', 'A plan has been deleted'],
			['feature.created', 'A new feature has been created'],
			['feature.updated', 'A feature has been updated'],
			['feature.deleted', 'A feature has been deleted'],
			['dunning_campaign.finished', 'A dunning campaign has finished for a customer'],
			['integration.provider_error', 'An integration failed to process data'],
		],
	],
];

export const EVENT_TYPES: string[] = GROUPS.flatMap(([, types]) => types.map(([type]) => type));

/** Words that title case would spell wrongly. */
const WORDS: Record<string, string> = { crm: 'CRM', vies: 'VIES', url: 'URL', 'one-off': 'One-Off', events: 'Event' };

/** `invoice.payment_status_updated` → `Invoice Payment Status Updated`; `events.errors` → `Event Errors`. */
export function eventTypeName(type: string): string {
	return type
		.replace('one_off', 'one-off')
		.split(/[._]/)
		.map((word) => WORDS[word] ?? word.charAt(0).toUpperCase() + word.slice(1))
		.join(' ');
}

export const eventTypeOptions: INodePropertyOptions[] = [
	{ name: 'All (Including Future Types)', value: ALL_EVENT_TYPES, description: 'Every webhook Lago sends' },
	...GROUPS.flatMap(([, types]) => types.map(([type, description]) => ({ name: eventTypeName(type), value: type, description: `${description} (${type})` }))).sort(
		(a, b) => a.name.localeCompare(b.name, 'en'),
	),
];

/** The types to register and accept: `*` alone when All is picked, otherwise the picked types, de-duplicated. */
export function normaliseEventTypes(picked: unknown): string[] {
	const list = (Array.isArray(picked) ? picked : [picked]).filter((t): t is string => typeof t === 'string' && t.trim() !== '');
	const types = Array.from(new Set(list.map((t) => t.trim().toLowerCase())));
	return types.includes(ALL_EVENT_TYPES) ? [ALL_EVENT_TYPES] : types;
}

export function isSelected(types: string[], webhookType: unknown): boolean {
	if (types.includes(ALL_EVENT_TYPES)) return true;
	return typeof webhookType === 'string' && types.includes(webhookType);
}
