// Fails when a Jest JSON report (`npm test -- --json --outputFile=<file>`) holds a skipped or
// to-do test, naming each: on PostgreSQL and Redis, with CI=true, every test of the suite runs,
// so a skipped one is a check that silently did not happen.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const report = JSON.parse(readFileSync(file, 'utf8'));
const skipped = report.testResults.flatMap((suite) =>
  suite.assertionResults
    .filter((test) => test.status !== 'passed' && test.status !== 'failed')
    .map(
      (test) => `${suite.name.replace(`${process.cwd()}/`, '')}: ${test.fullName} (${test.status})`,
    ),
);
if (skipped.length > 0 || report.numPendingTests > 0 || report.numTodoTests > 0) {
  console.error(
    `${Math.max(skipped.length, report.numPendingTests + report.numTodoTests)} tests did not run:`,
  );
  for (const line of skipped) console.error(`  ${line}`);
  process.exit(1);
}
console.log(`All ${report.numTotalTests} tests ran; none was skipped.`);
