/**
 * n8n-core's SSH clients manager (a DI singleton that the load-options context creates) starts a 60 s interval and
 * clears it only on process exit. Clear it after each test file, so jest exits on its own, without forceExit.
 */
afterAll(() => {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { Container } = require(require.resolve('@n8n/di', { paths: [require.resolve('n8n-core')] }));
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { SSHClientsManager } = require('n8n-core/dist/execution-engine/ssh-clients-manager');
	if (Container.has(SSHClientsManager)) Container.get(SSHClientsManager).onShutdown();
});
