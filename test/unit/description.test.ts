import { LagoApi } from '../../credentials/LagoApi.credentials';
import { LagoEvents } from '../../nodes/LagoEvents/LagoEvents.node';
import { LagoTrigger } from '../../nodes/LagoTrigger/LagoTrigger.node';

/**
 * What saved workflows and the editor depend on: every parameter's name, type, default, options and the conditions
 * that show it, for both nodes and the credential. A change here changes what users see or breaks what they saved,
 * so it must be deliberate: review the diff, then update with `npx jest test/unit/description.test.ts -u`.
 * (Functions such as the trigger's webhook methods are left out: a snapshot can only show their names.)
 */

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

test('the Lago node: every parameter, option and display condition', () => {
	expect(plain(new LagoEvents().description)).toMatchSnapshot();
});

test('the Lago Trigger node: every parameter, option and display condition', () => {
	expect(plain(new LagoTrigger().description)).toMatchSnapshot();
});

test('the Lago API credential: its fields, authentication and test request', () => {
	const credential = new LagoApi();
	expect(plain({ name: credential.name, displayName: credential.displayName, properties: credential.properties, authenticate: credential.authenticate, test: credential.test })).toMatchSnapshot();
});
