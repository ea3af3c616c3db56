/**
 * Jest reporter that ends the run with one plain line, "N passed, N failed"
 * (", N skipped" when some were), nothing else on it, so that whatever reads a run's closing lines
 * (CI among them) sees how many tests ran, not only the exit code. Jest's own
 * summary ("Tests: 2047 passed, 2047 total") is kept; this line follows it.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : '');
    process.stdout.write(line + '\n');
    if (process.env.TEST_SUMMARY_FILE) require('fs').writeFileSync(process.env.TEST_SUMMARY_FILE, line + '\n');
  }
}
module.exports = SummaryReporter;
