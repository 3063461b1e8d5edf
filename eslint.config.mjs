import { config } from '@n8n/node-cli/eslint';

// n8n's community-node rules apply in full to everything that ships (nodes/, credentials/, package.json).
// Tests run in jest, not in n8n's sandbox, so the runtime-sandbox rules (no timers, no Node built-ins) do not apply there.
export default [
	...config,
	{ ignores: ['dist/**', 'node_modules/**', '.e2e-cache/**', 'sandbox/**', 'e2e/**', 'scripts/**', 'bench/**', 'n8n-harness/**', '*.js', '*.mjs'] },
	{
		files: ['test/**/*.ts'],
		rules: {
			'@n8n/community-nodes/no-restricted-globals': 'off',
			'@n8n/community-nodes/no-restricted-imports': 'off',
			'@n8n/community-nodes/missing-paired-item': 'off',
			'@n8n/community-nodes/no-hardcoded-secrets': 'off',
			'@n8n/community-nodes/require-node-api-error': 'off',
			'@typescript-eslint/no-explicit-any': 'off',
		},
	},
];
