'use strict';
// Lets plain Node scripts require the TypeScript sources (node and test harness) without a build step.
const fs = require('fs');
const ts = require('typescript');

require.extensions['.ts'] = function compileTs(module, filename) {
	const source = fs.readFileSync(filename, 'utf8');
	const { outputText } = ts.transpileModule(source, {
		compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2019, esModuleInterop: true },
		fileName: filename,
	});
	module._compile(outputText, filename);
};

// `LagoEvents.node` has a codex `LagoEvents.node.json` beside the `.ts`: try `.ts` before `.json`, as tsc does.
for (const ext of ['.json', '.node']) {
	const loader = require.extensions[ext];
	delete require.extensions[ext];
	require.extensions[ext] = loader;
}
