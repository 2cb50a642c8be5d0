// Renders every case of the Liquid corpus with LiquidJS (the npm package `liquidjs`, pinned in
// tests/package.json, installed by `npm ci --prefix tests`) and prints one JSON object:
// {"case name": {"output": "…"} or {"error": "…"}}, as tests/liquid_reference.rb does with
// Shopify's gem. The options are those closest to Shopify Liquid, lenient like Auth0
// (see tests/liquid-corpus/README.md): strictVariables and strictFilters off (an unknown filter
// passes its input through, as in Ruby's lax mode), Ruby truthiness (jsTruthy off), Shopify's
// fixed order of `for` parameters (orderedFilterParameters off), `include` with Shopify's
// arguments (jekyllInclude off), quoted partial names (dynamicPartials on), no extensions
// (groupedExpressions off), greedy whitespace control, no output escaping, dates in UTC with
// the zone of the input kept (timezoneOffset 0, preserveTimezones on: Ruby's Time.parse on a
// UTC machine), English names. Partials come from the case's own `--- partial` sections, found
// as `name` or `name.liquid`. Errors are thrown, not inlined (catchAllErrors off).
//
// Usage: node tests/liquid_reference.mjs FILE.cases...
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// Resolved from this file's folder (tests/node_modules), whatever the working directory.
const require = createRequire(import.meta.url);
const { Liquid } = require('liquidjs');

// Parse the corpus format (see tests/liquid-corpus/README.md).
function parseCases(path) {
  const cases = [];
  let current = null;
  let section = null;
  for (const line of readFileSync(path, 'utf8').split(/(?<=\n)/)) {
    if (line.startsWith('=== ')) {
      current = { name: line.slice(4).trim(), context: '', template: '', partials: {} };
      cases.push(current);
      section = null;
    } else if (current && line.startsWith('--- ')) {
      const header = line.slice(4).trim();
      const space = header.indexOf(' ');
      const word = space < 0 ? header : header.slice(0, space);
      if (word === 'partial') {
        const name = header.slice(space + 1);
        current.partials[name] = '';
        section = ['partial', name];
      } else {
        section = [word];
      }
    } else if (current && section) {
      if (section[0] === 'context') current.context += line;
      else if (section[0] === 'template') current.template += line;
      else if (section[0] === 'partial') current.partials[section[1]] += line;
    }
  }
  const chomp = (s) => (s.endsWith('\n') ? s.slice(0, -1) : s);
  for (const c of cases) {
    c.template = chomp(c.template);
    for (const name of Object.keys(c.partials)) c.partials[name] = chomp(c.partials[name]);
  }
  return cases;
}

function engine(partials) {
  const templates = {};
  for (const [name, text] of Object.entries(partials)) {
    templates[name] = text;
    if (!name.endsWith('.liquid')) templates[`${name}.liquid`] = text;
  }
  return new Liquid({
    templates,
    strictFilters: false,
    strictVariables: false,
    jsTruthy: false,
    jekyllInclude: false,
    dynamicPartials: true,
    orderedFilterParameters: false,
    groupedExpressions: false,
    greedy: true,
    catchAllErrors: false,
    ownPropertyOnly: true,
    timezoneOffset: 0,
    preserveTimezones: true,
    locale: 'en-US',
    // Bounds like the gem's resource limits, so that a hostile case fails instead of hanging.
    renderLimit: 10_000,
    memoryLimit: 1e8,
  });
}

const results = {};
for (const path of process.argv.slice(2)) {
  for (const c of parseCases(path)) {
    try {
      const context = c.context.trim() === '' ? {} : JSON.parse(c.context);
      const output = engine(c.partials).parseAndRenderSync(c.template, context);
      results[c.name] = { output: String(output) };
    } catch (e) {
      results[c.name] = { error: `${e && e.name}: ${e && e.message}` };
    }
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
