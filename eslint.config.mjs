// Lint rules, including the layering rule that keeps the picture in docs/architecture.md true:
// ledger/ and adapters/ are plain TypeScript that know nothing of NestJS, of src/, or of each other.
import tseslint from 'typescript-eslint';

const nest = { group: ['@nestjs/*'], message: 'ledger/ and adapters/ are framework-free: no NestJS here.' };
const app = { group: ['**/src', '**/src/**'], message: 'Only src/ wires the layers together.' };

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', 'test-artifacts/**', 'bin/**', 'scripts/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.name='parseFloat']",
          message: 'No floats near money: use bigint, or decimal.js with a named rounding rule.',
        },
      ],
    },
  },
  {
    files: ['ledger/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            nest,
            app,
            { group: ['**/adapters', '**/adapters/**'], message: 'The ledger knows no gateway.' },
          ],
        },
      ],
    },
  },
  {
    files: ['adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            nest,
            app,
            { group: ['**/ledger', '**/ledger/**'], message: 'Adapters know no ledger.' },
          ],
        },
      ],
    },
  },
);
