// The broker topology each service declares from its handlers, read from the services' own source:
// every `defineConsumer({ queue, handlers: { [EventTypes.X]: Handler, ... } })` call. The kit
// binds a consumer's queue to exactly the routing keys of its handlers (consumer-host.ts), so
// these are the queues and bindings the chart must declare, no more, no fewer.
//
// Also the queues the kit declares in every service (`shared`, with their arguments), and the
// event types each service publishes (`publishes`, from the contracts' catalog).
//
// Usage: node service-topology.mjs REPO_ROOT
//   prints {"order": {"<queue>": ["<key>", ...]}, ..., "shared": {"<queue>": {<arguments>}},
//           "publishes": {"order": ["<type>", ...], ...}}
// Parses with the repository's TypeScript (root devDependency); fails on anything it cannot
// resolve rather than guess.
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = process.argv[2] && resolve(process.argv[2]);
if (!root) throw new Error('usage: service-topology.mjs REPO_ROOT');
const ts = createRequire(join(root, 'package.json'))('typescript');
const SERVICES = ['order', 'inventory', 'notification'];

function parse(file) {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
}

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function walk(node, visit) {
  visit(node);
  ts.forEachChild(node, (child) => walk(child, visit));
}

function fail(node, message) {
  const sf = node.getSourceFile();
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
  throw new Error(`${sf.fileName}:${line + 1}: ${message}`);
}

/** The object literal of `{ ... } as const` / `{ ... } satisfies T`. */
function objectLiteral(init) {
  while (init && (ts.isAsExpression(init) || ts.isSatisfiesExpression(init)))
    init = init.expression;
  return init;
}

/** The contracts' routing names: EventTypes = { Name: 'type.v1', ... }. */
function eventTypes() {
  const out = new Map();
  walk(parse(join(root, 'events-contracts/src/types.ts')), (n) => {
    if (ts.isVariableDeclaration(n) && n.name.getText() === 'EventTypes') {
      for (const p of objectLiteral(n.initializer).properties)
        out.set(p.name.getText(), p.initializer.text);
    }
  });
  if (out.size === 0) throw new Error('no EventTypes in events-contracts/src/types.ts');
  return out;
}

/** `const NAME = 'literal'` anywhere in the service's source (queue names may be constants). */
function stringConstants(files) {
  const out = new Map();
  for (const sf of files) {
    walk(sf, (n) => {
      if (ts.isVariableDeclaration(n) && n.initializer && ts.isStringLiteral(n.initializer)) {
        const name = n.name.getText();
        if (out.has(name) && out.get(name) !== n.initializer.text)
          fail(n, `${name} has two values`);
        out.set(name, n.initializer.text);
      }
    });
  }
  return out;
}

function serviceTopology(service, types) {
  const files = sourceFiles(join(root, `${service}-service/src`)).map(parse);
  const constants = stringConstants(files);
  const text = (expr) => {
    if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return expr.text;
    if (ts.isIdentifier(expr) && constants.has(expr.text)) return constants.get(expr.text);
    if (ts.isPropertyAccessExpression(expr) && expr.expression.getText() === 'EventTypes') {
      const value = types.get(expr.name.text);
      if (value) return value;
    }
    return fail(expr, `cannot resolve ${expr.getText()} to a string`);
  };
  const queues = {};
  for (const sf of files) {
    walk(sf, (n) => {
      if (!ts.isCallExpression(n) || n.expression.getText() !== 'defineConsumer') return;
      const [def] = n.arguments;
      if (!def || !ts.isObjectLiteralExpression(def))
        fail(n, 'defineConsumer needs an object literal');
      const prop = (name) => def.properties.find((p) => p.name?.getText() === name);
      const queue = text(prop('queue')?.initializer ?? fail(def, 'no queue'));
      const handlers = prop('handlers')?.initializer;
      if (!handlers || !ts.isObjectLiteralExpression(handlers))
        fail(def, 'handlers must be an object literal');
      const keys = handlers.properties.map((p) => {
        if (ts.isComputedPropertyName(p.name)) return text(p.name.expression);
        return ts.isIdentifier(p.name) ? p.name.text : text(p.name);
      });
      if (queues[queue]) fail(def, `queue ${queue} defined twice`);
      queues[queue] = keys;
    });
  }
  if (Object.keys(queues).length === 0) throw new Error(`${service}-service declares no consumer`);
  return queues;
}

/**
 * Queues the kit itself declares in every service (service-kit/src/messaging/topology.ts): each
 * exported function without parameters returning `{ name, arguments }`, e.g. unroutableQueue().
 * Values are literals, constants of that file, or products/sums of them.
 */
function sharedQueues() {
  const sf = parse(join(root, 'service-kit/src/messaging/topology.ts'));
  const decls = new Map();
  walk(sf, (n) => {
    if (ts.isVariableDeclaration(n) && n.initializer) decls.set(n.name.getText(), n.initializer);
  });
  const value = (expr) => {
    if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return expr.text;
    if (ts.isNumericLiteral(expr)) return Number(expr.text);
    if (ts.isIdentifier(expr) && decls.has(expr.text)) return value(decls.get(expr.text));
    if (ts.isBinaryExpression(expr)) {
      const [a, b] = [value(expr.left), value(expr.right)];
      if (expr.operatorToken.kind === ts.SyntaxKind.AsteriskToken) return a * b;
      if (expr.operatorToken.kind === ts.SyntaxKind.PlusToken) return a + b;
    }
    return fail(expr, `cannot evaluate ${expr.getText()}`);
  };
  const queues = {};
  walk(sf, (n) => {
    if (!ts.isFunctionDeclaration(n) || n.parameters.length > 0 || !n.body) return;
    if (!n.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return;
    const ret = n.body.statements.find(ts.isReturnStatement)?.expression;
    if (!ret || !ts.isObjectLiteralExpression(ret)) return;
    const prop = (name) => ret.properties.find((p) => p.name?.getText() === name)?.initializer;
    const args = prop('arguments');
    if (!prop('name') || !args || !ts.isObjectLiteralExpression(args)) return;
    queues[value(prop('name'))] = Object.fromEntries(
      args.properties.map((p) => [
        ts.isStringLiteral(p.name) ? p.name.text : p.name.getText(),
        value(p.initializer),
      ]),
    );
  });
  if (Object.keys(queues).length === 0) throw new Error('the kit declares no shared queue');
  return queues;
}

/** The event types each service publishes: the `producer` of each entry of the contracts'
 * EVENT_CATALOG (events-contracts/src/catalog.ts). Feeds the services' topic permissions. */
function publishedTypes() {
  const out = Object.fromEntries(SERVICES.map((s) => [s, []]));
  walk(parse(join(root, 'events-contracts/src/catalog.ts')), (n) => {
    if (!ts.isVariableDeclaration(n) || n.name.getText() !== 'EVENT_CATALOG') return;
    for (const entry of objectLiteral(n.initializer).properties) {
      const producer = entry.initializer.properties.find((p) => p.name?.getText() === 'producer');
      const service = producer?.initializer.text?.replace(/-service$/, '');
      if (!out[service]) fail(entry, 'no producer among the services');
      out[service].push(entry.name.text);
    }
  });
  if (Object.values(out).every((types) => types.length === 0)) throw new Error('no EVENT_CATALOG');
  return out;
}

const types = eventTypes();
const topology = Object.fromEntries(SERVICES.map((s) => [s, serviceTopology(s, types)]));
topology.shared = sharedQueues();
topology.publishes = publishedTypes();
process.stdout.write(`${JSON.stringify(topology, null, 2)}\n`);
