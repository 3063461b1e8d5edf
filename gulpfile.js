const path = require('path');
const { task, src, dest, parallel } = require('gulp');

// encoding:false keeps PNGs byte-identical: gulp 5 reads files as UTF-8 by default and corrupts binaries.
const copyIcons = (dir) =>
	function copy() {
		return src(`${dir}/**/*.{png,svg}`, { encoding: false }).pipe(dest(path.join('dist', dir)));
	};

task('build:icons', parallel(copyIcons('nodes'), copyIcons('credentials')));
