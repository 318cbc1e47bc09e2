import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { packageOf, shortLocation, summarizeProfile, type CpuProfile } from '../src/profile';

const frame = (functionName: string, url: string, lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
});

describe('CPU profile summary', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 4] },
      { id: 2, callFrame: frame('(idle)', '') },
      { id: 3, callFrame: frame('serialize', 'file:///srv/app/node_modules/bson/lib/bson.cjs', 9) },
      {
        id: 4,
        children: [5],
        callFrame: frame('handle', 'file:///srv/app/order-service/dist/orders/create.js', 41),
      },
      { id: 5, callFrame: frame('serialize', 'file:///srv/app/node_modules/bson/lib/bson.cjs', 9) },
    ],
    startTime: 0,
    // 4 ms idle, 3 ms in serialize (two nodes of one function), 1 ms in handle.
    samples: [2, 2, 3, 4, 5, 3, 2, 2],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
  };

  test('self time is summed per function across call paths, idle is kept apart', () => {
    const s = summarizeProfile('order-service', profile);
    assert.equal(s.sampledMs, 8);
    assert.equal(s.idlePercent, 50);
    assert.deepEqual(
      s.top.map((e) => [e.functionName, e.location, e.selfMs, e.selfPercent]),
      [
        ['serialize', 'bson/lib/bson.cjs:10', 3, 75],
        ['handle', 'dist/orders/create.js:42', 1, 25],
      ],
    );
  });

  test('each function names the caller behind most of its self time', () => {
    const s = summarizeProfile('order-service', profile);
    // serialize: 2 ms under (root), 1 ms under handle.
    assert.equal(s.top[0]!.calledFrom, '(root)');
    assert.equal(s.top[1]!.calledFrom, '(root)');
  });

  test('top limits the list', () => {
    assert.equal(summarizeProfile('x', profile, undefined, 1).top.length, 1);
  });

  test('a window keeps only the samples taken in it', () => {
    // Samples are at 1, 2, ... 8 ms; 3..5 ms holds serialize, handle, serialize.
    const s = summarizeProfile('x', profile, { fromUs: 3000, toUs: 5000 });
    assert.equal(s.sampledMs, 3);
    assert.equal(s.idlePercent, 0);
    assert.deepEqual(
      s.top.map((e) => [e.functionName, e.selfMs]),
      [
        ['serialize', 2],
        ['handle', 1],
      ],
    );
  });

  test('self time by package: builtins and native frames count to the package that called them', () => {
    const withBuiltins: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 6] },
        { id: 2, callFrame: frame('(garbage collector)', '') },
        {
          id: 3,
          children: [4],
          callFrame: frame('write', 'file:///srv/app/node_modules/@x/y/node_modules/mongodb/a.js'),
        },
        { id: 4, children: [5], callFrame: frame('writeGeneric', 'node:internal/stream_base') },
        { id: 5, callFrame: frame('writeBuffer', '') },
        { id: 6, callFrame: frame('handle', 'file:///srv/app/order-service/dist/h.js') },
      ],
      startTime: 0,
      samples: [2, 3, 4, 5, 5, 6],
      timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000],
    };
    const s = summarizeProfile('x', withBuiltins);
    assert.deepEqual(
      s.byPackage?.map((b) => [b.name, b.selfMs]),
      [
        ['mongodb', 4],
        ['(garbage collector)', 1],
        ['service', 1],
      ],
    );
    assert.equal(packageOf('file:///a/node_modules/@nestjs/core/x.js'), '@nestjs/core');
    assert.equal(packageOf('node:fs'), undefined);
    assert.equal(packageOf('file:///srv/bench/dist/db-tap.js'), undefined);
  });

  test('locations carry no machine paths', () => {
    assert.equal(
      shortLocation('node:internal/streams/writable', 3),
      'node:internal/streams/writable:4',
    );
    assert.equal(shortLocation('file:///home/me/p/a/b/c.js', -1), 'a/b/c.js');
    assert.equal(shortLocation('', 5), '');
  });
});
