// Mocha's spec reporter plus a closing "N passed, N failed" line, the form CI reads.
import Mocha from "mocha";

const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const stats = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      const pending = stats.pending > 0 ? `, ${stats.pending} skipped` : "";
      // After the spec reporter's own epilogue, which it prints on the same event.
      process.nextTick(() => console.log(`${stats.passes} passed, ${stats.failures} failed${pending}`));
    });
  }
}

export = SummaryReporter;
