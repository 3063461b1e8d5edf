// End-to-end tests in real n8n (1.x on Node 20, 2.x on Node 24). Run `node e2e/setup.js` first (npm run test:e2e does).
/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/e2e'],
	testMatch: ['**/*.e2e.test.js'],
	// Queue mode (Redis, Postgres) and the browser journeys (Chromium) have their own configs and npm scripts.
	testPathIgnorePatterns: ['/node_modules/', '<rootDir>/e2e/queue/', '<rootDir>/e2e/journeys/'],
	transform: {},
	// Each case spawns n8n processes; the two flavours share the machine's cores, so keep one worker.
	maxWorkers: 1,
	testTimeout: 180000,
	// Show each case under its flavour ("Lago Events in n8n 1.x › Send: ...").
	verbose: true,
	// Prints how many n8n crashes (signals) were run again, per version.
	reporters: ['default', '<rootDir>/n8n-harness/crash-reporter.js'],
};
