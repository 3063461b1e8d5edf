// Queue-mode e2e: n8n main + 2 workers + Redis + Postgres, for n8n 1.x and 2.x (npm run test:queue).
// Prerequisites: bash e2e/queue/install-services.sh (redis-server, postgresql); n8n is installed on demand.
/** @type {import('jest').Config} */
module.exports = {
	rootDir: __dirname,
	testEnvironment: 'node',
	roots: ['<rootDir>'],
	testMatch: ['**/queue.e2e.test.js'],
	transform: {},
	// One cluster at a time: main + 2 workers + task runners already fill the 2 cores.
	maxWorkers: 1,
	testTimeout: 300000,
	verbose: true,
	// Prints how many n8n crashes (signals) were run again, per version.
	reporters: ['default', '<rootDir>/../../n8n-harness/crash-reporter.js'],
	// queue.e2e.test.js matches jest.e2e.config.js's testMatch too; it only runs when this config (or
	// LAGO_QUEUE_E2E=1) asks for it, so `npm run test:e2e` does not need Redis and Postgres.
	globals: { LAGO_QUEUE_E2E: true },
};
