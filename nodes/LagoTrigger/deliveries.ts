import { createHash } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

/**
 * Which deliveries already started a run, so Lago's retries of one webhook (same `X-Lago-Unique-Key`) and a signed
 * body replayed under a new key start nothing.
 *
 * The records live in the trigger node's workflow static data, which n8n saves in its database after each request
 * (`LiveWebhooks` → `saveStaticData`) and loads again for the next one: they survive a restart and are shared by
 * every process of a queue-mode set-up. A per-process copy closes the gap between two requests handled at once by
 * one process (each reads the static data before the other has saved it).
 *
 * Bounded: keys are stored as 128-bit hashes (22 characters whatever the key's length); each trigger node keeps at
 * most MAX_RECORDS, the oldest going first; a record expires after RECORD_TTL_MS, longer than Lago's whole retry span
 * (3 attempts, 30 s timeout each, about 25 s of back-off: lago-api `send_http_service.rb`; even 10 attempts span
 * about 5 hours), and a day so that a webhook re-sent by hand from Lago's UI the same day is still caught.
 */

export const RECORD_TTL_MS = 24 * 60 * 60 * 1000;
export const MAX_RECORDS = 2_000;
/** Per-process copy: scopes are trigger nodes (never chosen by a sender); each holds at most MAX_RECORDS. */
const MAX_SCOPES = 500;

/** `{ <hash>: <seconds since epoch> }`. */
export type Records = Record<string, number>;

function hash(kind: string, value: string | Buffer): string {
	return `k${createHash('sha256').update(kind).update('\u0000').update(value).digest('base64url').slice(0, 22)}`;
}

/** The record keys of one delivery: its unique key (when sent) and its body. */
export function deliveryKeys(rawBody: Buffer, uniqueKey: string | undefined): string[] {
	return [hash('body', rawBody), ...(uniqueKey ? [hash('key', uniqueKey)] : [])];
}

function isLive(records: Records, key: string, nowSec: number): boolean {
	const at = records[key];
	return typeof at === 'number' && nowSec - at < RECORD_TTL_MS / 1000;
}

/**
 * Drops expired records, then the oldest past `max`. Oldest by time, not by key order: a database may not keep the
 * order of an object's keys (Postgres jsonb does not).
 */
export function prune(records: Records, nowSec: number, max = MAX_RECORDS): void {
	for (const key of Object.keys(records)) if (!isLive(records, key, nowSec)) delete records[key];
	const keys = Object.keys(records);
	// Stryker disable next-line EqualityOperator: at exactly `max` records the slice below is empty, so < drops nothing either
	if (keys.length <= max) return;
	keys.sort((a, b) => records[a] - records[b]);
	for (const key of keys.slice(0, keys.length - max)) delete records[key];
}

const processRecords = new Map<string, Records>();

function processScope(scope: string): Records {
	let records = processRecords.get(scope);
	if (!records) {
		if (processRecords.size >= MAX_SCOPES) processRecords.delete(processRecords.keys().next().value as string);
		records = {};
		processRecords.set(scope, records);
	}
	return records;
}

/** The static data field the records live in, created when missing or not an object. */
export function storedRecords(staticData: IDataObject): Records {
	const current = staticData.deliveries;
	if (!current || typeof current !== 'object' || Array.isArray(current)) staticData.deliveries = {};
	return staticData.deliveries as Records;
}

/** True when any of `keys` started a run in this trigger within the time-to-live, here or in any process. */
export function alreadyStarted(staticData: IDataObject, scope: string, keys: string[], now = Date.now()): boolean {
	const nowSec = Math.floor(now / 1000);
	const stored = storedRecords(staticData);
	const local = processScope(scope);
	return keys.some((key) => isLive(stored, key, nowSec) || isLive(local, key, nowSec));
}

/** Records `keys` as started, in the static data (saved by n8n) and in this process. */
export function recordStarted(staticData: IDataObject, scope: string, keys: string[], now = Date.now()): void {
	const nowSec = Math.floor(now / 1000);
	for (const records of [storedRecords(staticData), processScope(scope)]) {
		for (const key of keys) {
			delete records[key];
			records[key] = nowSec;
		}
		prune(records, nowSec);
	}
	// Assigned again so n8n's change tracking sees it and saves the static data, even for an object made this request.
	staticData.deliveries = storedRecords(staticData);
}

/** Forgets `keys`, when the delivery they were recorded for did not start a run after all. */
export function forgetStarted(staticData: IDataObject, scope: string, keys: string[]): void {
	for (const records of [storedRecords(staticData), processScope(scope)]) for (const key of keys) delete records[key];
	staticData.deliveries = storedRecords(staticData);
}

/** For tests: what this process holds, and a way to forget it (as a restart does). */
export function processRecordCount(): number {
	let n = 0;
	for (const records of processRecords.values()) n += Object.keys(records).length;
	return n;
}
export function clearProcessRecords(): void {
	processRecords.clear();
}
