import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { signWebhook, verifyWebhookSignature } from './webhook-signature';

const SECRET = 'whsec_' + 'k'.repeat(43);
const BODY = '{"id":"evt_01JD3M0Q8XK6W1E9T3V4R5S6P7","type":"receipt.issued","created":1700000000,"data":{}}';
const NOW = 1_700_000_100;

describe('webhook signatures', () => {
  it('signs t.rawBody with HMAC-SHA256 of the secret, as the header documents', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW}.${BODY}`).digest('hex');
    assert.equal(signWebhook(SECRET, BODY, NOW), `t=${NOW},v1=${expected}`);
  });

  it('accepts its own signature, over a string or the same bytes', () => {
    const header = signWebhook(SECRET, BODY, NOW);
    assert.equal(verifyWebhookSignature(header, BODY, SECRET, 300, NOW), 'valid');
    assert.equal(verifyWebhookSignature(header, Buffer.from(BODY), SECRET, 300, NOW + 300), 'valid');
  });

  it('refuses a changed body, another secret, or a body serialised again', () => {
    const header = signWebhook(SECRET, BODY, NOW);
    assert.equal(
      verifyWebhookSignature(header, BODY.replace('{}', '{"a":1}'), SECRET, 300, NOW),
      'signature_mismatch',
    );
    assert.equal(verifyWebhookSignature(header, BODY, SECRET + 'x', 300, NOW), 'signature_mismatch');
    const reserialised = JSON.stringify(JSON.parse(BODY), null, 2);
    assert.equal(verifyWebhookSignature(header, reserialised, SECRET, 300, NOW), 'signature_mismatch');
  });

  it('refuses a timestamp outside the tolerance, either side', () => {
    const header = signWebhook(SECRET, BODY, NOW);
    assert.equal(verifyWebhookSignature(header, BODY, SECRET, 300, NOW + 301), 'timestamp_outside_tolerance');
    assert.equal(verifyWebhookSignature(header, BODY, SECRET, 300, NOW - 301), 'timestamp_outside_tolerance');
  });

  it('refuses a signature whose timestamp was changed', () => {
    const header = signWebhook(SECRET, BODY, NOW).replace(`t=${NOW}`, `t=${NOW + 1}`);
    assert.equal(verifyWebhookSignature(header, BODY, SECRET, 300, NOW), 'signature_mismatch');
  });

  it('accepts any one matching v1 among several, and ignores other schemes', () => {
    const good = signWebhook(SECRET, BODY, NOW);
    const other = signWebhook('whsec_other', BODY, NOW).split(',')[1]!;
    assert.equal(verifyWebhookSignature(`${other},${good},v2=zz`, BODY, SECRET, 300, NOW), 'valid');
    assert.equal(verifyWebhookSignature(`t=${NOW},${other}`, BODY, SECRET, 300, NOW), 'signature_mismatch');
  });

  it('calls a missing or garbled header malformed', () => {
    const v1 = signWebhook(SECRET, BODY, NOW).split(',')[1]!;
    for (const header of [
      undefined,
      null,
      '',
      `t=${NOW}`,
      v1,
      `t=abc,${v1}`,
      `t=${NOW},v1=XYZ`,
      `t=${NOW},t=${NOW},${v1}`,
      'garbage',
    ])
      assert.equal(
        verifyWebhookSignature(header, BODY, SECRET, 300, NOW),
        'header_malformed',
        String(header),
      );
  });
});
