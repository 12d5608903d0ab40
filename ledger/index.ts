// The ledger's public surface: what src/ and the tools may use.
export * from './types';
export { Engine, EXPIRY_ID_PREFIX, canonicalJson } from './engine';
export { PgLedger, type PgLedgerOptions, type StatementEntry, type StatementPage } from './pg-ledger';
export { balanceView, normalSide, type BalanceView } from './rows';
export { verifyLedger, type VerifyReport, type VerifyFault, type CurrencyTotals } from './verify';
