// The layering rule of docs/architecture.md, exercised: ESLint must refuse a ledger or adapter file
// that reaches into NestJS, src/ or the other layer, and accept one that does not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImports(filePath: string, code: string): Promise<number> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').length;
}

describe('layering rule', () => {
  it('refuses NestJS, src/ and adapters/ in ledger/', async () => {
    assert.equal(
      await restrictedImports(
        'ledger/probe.ts',
        "import { Injectable } from '@nestjs/common';\nexport { Injectable };\n",
      ),
      1,
    );
    assert.equal(
      await restrictedImports(
        'ledger/probe.ts',
        "import { loadConfig } from '../src/config/config.schema';\nexport { loadConfig };\n",
      ),
      1,
    );
    assert.equal(
      await restrictedImports(
        'ledger/probe.ts',
        "import * as vnpay from '../adapters/vnpay';\nexport { vnpay };\n",
      ),
      1,
    );
  });

  it('refuses NestJS, src/ and ledger/ in adapters/', async () => {
    assert.equal(
      await restrictedImports(
        'adapters/vnpay/probe.ts',
        "import { Module } from '@nestjs/common';\nexport { Module };\n",
      ),
      1,
    );
    assert.equal(
      await restrictedImports(
        'adapters/vnpay/probe.ts',
        "import { PgLedger } from '../../ledger';\nexport { PgLedger };\n",
      ),
      1,
    );
    assert.equal(
      await restrictedImports(
        'adapters/vnpay/probe.ts',
        "import { main } from '../../src/main';\nexport { main };\n",
      ),
      1,
    );
  });

  it('lets src/ wire the layers together and the ledger use its own files', async () => {
    assert.equal(
      await restrictedImports(
        'src/probe.ts',
        "import { PgLedger } from '../ledger';\nimport { Module } from '@nestjs/common';\nexport { PgLedger, Module };\n",
      ),
      0,
    );
    assert.equal(
      await restrictedImports('ledger/probe.ts', "import { Engine } from './engine';\nexport { Engine };\n"),
      0,
    );
  });
});
