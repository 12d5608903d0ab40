import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpException, NotFoundException } from '@nestjs/common';
import { defineErrorCodes, errorCodeSpec, HubError } from './errors';
import { toErrorAnswer } from './hub-exception.filter';

describe('error codes', () => {
  it('refuses a code that another module already defined', () => {
    defineErrorCodes('test_a', { test_duplicate_code: { status: 409, type: 'invalid_request_error' } });
    assert.throws(
      () =>
        defineErrorCodes('test_b', { test_duplicate_code: { status: 400, type: 'invalid_request_error' } }),
      /test_duplicate_code is defined by both test_a and test_b/,
    );
    assert.equal(errorCodeSpec('test_duplicate_code')?.status, 409);
  });

  it('maps a module code to its status, type, message and param', () => {
    defineErrorCodes('test_c', { test_amount_invalid: { status: 400, type: 'invalid_request_error' } });
    const answer = toErrorAnswer(
      new HubError('test_amount_invalid', 'amount must be positive', 'amount'),
      'POST',
      '/x',
    );
    assert.deepEqual(answer, {
      status: 400,
      unexpected: false,
      body: {
        error: {
          type: 'invalid_request_error',
          code: 'test_amount_invalid',
          message: 'amount must be positive',
          param: 'amount',
        },
      },
    });
  });

  it('answers 500 internal_error, without the message, for an unregistered code or any other error', () => {
    for (const error of [
      new HubError('test_never_defined', 'secret detail'),
      new Error('secret detail'),
      'secret detail',
    ]) {
      const answer = toErrorAnswer(error, 'GET', '/x');
      assert.equal(answer.status, 500);
      assert.equal(answer.unexpected, true);
      assert.equal(answer.body.error.code, 'internal_error');
      assert.equal(answer.body.error.type, 'api_error');
      assert.ok(!answer.body.error.message.includes('secret'));
    }
  });

  it('maps the framework errors: not found, client errors, and 5xx as internal', () => {
    assert.equal(toErrorAnswer(new NotFoundException(), 'GET', '/a?b=c').body.error.code, 'route_not_found');
    assert.equal(
      toErrorAnswer(new NotFoundException(), 'GET', '/a?b=c').body.error.message,
      'No route for GET /a.',
    );
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    assert.deepEqual(toErrorAnswer(tooLarge, 'POST', '/a').body.error, {
      type: 'invalid_request_error',
      code: 'payload_too_large',
      message: 'Request body is too large',
      param: null,
    });
    const foreign = Object.assign(new Error('internal parser state 0xdead'), { statusCode: 400 });
    assert.equal(toErrorAnswer(foreign, 'POST', '/a').body.error.message, 'Bad Request.');
    assert.equal(
      toErrorAnswer(new HttpException('upstream exploded', 502), 'GET', '/a').body.error.code,
      'internal_error',
    );
  });
});
