const os = require('os');
const path = require('path');

// n8n-core writes an instance config (encryption key) into $N8N_USER_FOLDER on first use: keep it out of ~/.n8n.
process.env.N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS = 'false';
process.env.N8N_USER_FOLDER = path.join(os.tmpdir(), `n8n-nodes-lago-jest-${process.pid}`);
// The node's retry warnings would fill a passing run's output; tests that check logging spy on the node's logger.
process.env.N8N_LOG_LEVEL = 'silent';

/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts', '**/*.test.js'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
	setupFilesAfterEnv: ['<rootDir>/test/helpers/teardown.ts'],
	// Removes the N8N_USER_FOLDER above once the run ends (runs in this process, so it sees the same folder).
	globalTeardown: '<rootDir>/test/helpers/removeUserFolder.js',
	testTimeout: 30000,
};
