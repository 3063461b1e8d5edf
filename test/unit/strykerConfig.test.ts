import { existsSync } from 'fs';
import { join } from 'path';

/**
 * `npm run test:mutation` takes longer than CI's budget allows beside the rest, so `npm test` does not run it. This
 * keeps its configuration honest instead: a file renamed or removed must be renamed or removed there too, or the
 * mutation run would silently skip it.
 */

const ROOT = join(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require(join(ROOT, 'stryker.config.js')) as { mutate: string[]; jest: { configFile: string }; tsconfigFile: string; coverageAnalysis: string };

test('every file the Stryker configuration mutates exists', () => {
	expect(config.mutate.length).toBeGreaterThan(0);
	expect(config.mutate.filter((file) => !existsSync(join(ROOT, file)))).toEqual([]);
});

test('the configuration names plain files (a glob that matches nothing would not be noticed)', () => {
	expect(config.mutate.filter((file) => /[*?{}[\]!]/.test(file))).toEqual([]);
});

test('the jest and TypeScript configurations it points at exist, and each mutant runs only the tests that cover it', () => {
	expect(existsSync(join(ROOT, config.jest.configFile))).toBe(true);
	expect(existsSync(join(ROOT, config.tsconfigFile))).toBe(true);
	expect(config.coverageAnalysis).toBe('perTest');
});
