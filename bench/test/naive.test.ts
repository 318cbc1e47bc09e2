import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BSON } from 'mongodb';
import { commandsByKind } from '../src/db-commands';
import { commandOf } from '../src/db-tap';
import { durabilityOf } from '../src/durability';
import { AUDIENCE, ISSUER, signHs256, verifyHs256 } from '../src/naive/hs256';
import { orderConfirmedMail } from '../src/naive/order-mail';

describe('the equal-work naive pipeline’s confirmation e-mail', () => {
  const order = {
    orderId: 'order-1',
    email: 'a<b>@x.test',
    lines: [
      { sku: 'SKU-1', quantity: 2, unitPriceMinor: 1250 },
      { sku: 'SKU-<2>', quantity: 1, unitPriceMinor: 99 },
    ],
    totalMinor: 2599,
  };

  test('has the lines and the total in its text and HTML parts', () => {
    const mail = orderConfirmedMail(order);
    assert.equal(mail.to, order.email);
    assert.match(mail.messageId, /^<[0-9a-f-]+@naive\.bench>$/);
    assert.match(mail.text, /2 x SKU-1 at €12\.50 = €25\.00/);
    assert.match(mail.text, /Total: €25\.99/);
    assert.match(mail.html, /<td><code>SKU-1<\/code><\/td><td align="right">2<\/td>/);
    assert.match(mail.html, /<th align="right">€25\.99<\/th>/);
  });

  test('escapes what comes from the order in its HTML part', () => {
    const { html } = orderConfirmedMail(order);
    assert.match(html, /<code>SKU-&lt;2&gt;<\/code>/);
    assert.match(html, /sent to a&lt;b&gt;@x\.test/);
    assert.doesNotMatch(html, /SKU-<2>|a<b>/);
  });
});

describe('the equal-work naive pipeline’s token check', () => {
  const claims = { sub: 'u1', iss: ISSUER, aud: AUDIENCE, exp: 2_000, email: 'u1@x.test' };

  test('a token it signed is valid before its expiry and gives its claims', () => {
    const token = signHs256('secret', claims);
    assert.deepEqual(verifyHs256('secret', token, 1_000), claims);
  });

  test('another secret, a changed body, expiry or a wrong audience fail', () => {
    const token = signHs256('secret', claims);
    assert.equal(verifyHs256('other', token, 1_000), undefined);
    const [head, , mac] = token.split('.');
    const forged = `${head}.${Buffer.from(JSON.stringify({ ...claims, sub: 'u2' })).toString('base64url')}.${mac}`;
    assert.equal(verifyHs256('secret', forged, 1_000), undefined);
    assert.equal(verifyHs256('secret', token, 3_000), undefined);
    assert.equal(
      verifyHs256('secret', signHs256('secret', { ...claims, aud: 'x' }), 1_000),
      undefined,
    );
    assert.equal(verifyHs256('secret', 'not-a-token', 1_000), undefined);
  });
});

describe('database commands by kind', () => {
  test('reads, writes and deletes; handshakes and status calls are not work', () => {
    const counts = commandsByKind({
      metrics: {
        commands: {
          find: { total: 4 },
          aggregate: { total: 1 },
          insert: { total: 2 },
          update: { total: 3 },
          findAndModify: { total: 1 },
          delete: { total: 1 },
          hello: { total: 50 },
          serverStatus: { total: 9 },
          createIndexes: { total: 2 },
        },
      },
    });
    assert.deepEqual(counts, { read: 5, write: 6, delete: 1, other: 2 });
  });
});

describe('durability from the FerretDB command line', () => {
  test('SQLite without a synchronous pragma is FULL; a pragma is read; another backend is named', () => {
    assert.match(
      durabilityOf(['ferretdb', '--handler=sqlite', '--sqlite-url=file:/data/']),
      /synchronous=FULL \(SQLite’s default/,
    );
    assert.match(
      durabilityOf(['ferretdb', '--sqlite-url=file:/data/?_pragma=synchronous(normal)']),
      /synchronous=NORMAL$/,
    );
    assert.equal(
      durabilityOf(['ferretdb', '--handler=postgresql']),
      'FerretDB with the postgresql backend',
    );
    assert.match(durabilityOf(['node', 'x.js']), /unknown/);
  });
});

describe('the db tap reads the command of an OP_MSG frame', () => {
  test('the first key of the body section; other frames give nothing', () => {
    const body = BSON.serialize({ find: 'orders', filter: { _id: 'x' }, $db: 'shop' });
    const frame = Buffer.alloc(21 + body.length);
    frame.writeInt32LE(frame.length, 0);
    frame.writeInt32LE(2013, 12);
    Buffer.from(body).copy(frame, 21);
    assert.equal(commandOf(frame), 'find');
    frame.writeInt32LE(2012, 12); // compressed
    assert.equal(commandOf(frame), undefined);
    assert.equal(commandOf(Buffer.from('hello')), undefined);
  });
});
