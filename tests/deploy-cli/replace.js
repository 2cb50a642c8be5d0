// deploy-cli's own keyword replacement (lib/tools/utils.js keywordReplace)
// over cases read from stdin: [{"text": "...", "mappings": {...}}, ...];
// prints the results as a JSON array (tests/integration/deploy_cli.rs).
'use strict';
const path = require('path');
const { keywordReplace } = require(path.join(__dirname, '..', 'node_modules', 'auth0-deploy-cli', 'lib', 'tools', 'utils.js'));

const input = require('fs').readFileSync(0, 'utf8');
const cases = JSON.parse(input);
process.stdout.write(JSON.stringify(cases.map((c) => keywordReplace(c.text, c.mappings))));
