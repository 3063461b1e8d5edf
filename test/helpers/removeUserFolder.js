'use strict';
// jest's globalTeardown: the temp N8N_USER_FOLDER that jest.config.js made for this run (n8n-core writes its instance
// config there) goes when the run ends, so runs do not pile up n8n-nodes-lago-jest-* folders in the temp directory.
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports = async () => {
	const folder = process.env.N8N_USER_FOLDER;
	if (folder && path.basename(folder).startsWith('n8n-nodes-lago-jest-') && path.dirname(folder) === os.tmpdir()) {
		fs.rmSync(folder, { recursive: true, force: true });
	}
};
