/**
 * Progress on stderr while slow steps run, so stdout stays the report (or JSON). One line per
 * step; silent with --quiet. Tests watch these lines to act mid-run.
 */
export class Progress {
    constructor(private readonly quiet: boolean, private readonly write: (s: string) => void = (s) => process.stderr.write(s)) {}

    step(text: string): void {
        if (!this.quiet) this.write(`verify: ${text}\n`);
    }

    /** Announces a slow step, then says every `everyMs` that it is still running, until it settles. */
    async during<T>(text: string, work: Promise<T>, everyMs = 15_000): Promise<T> {
        this.step(text);
        const started = Date.now();
        const timer = setInterval(() => this.step(`  ... still running (${Math.round((Date.now() - started) / 1000)} s)`), everyMs);
        try {
            return await work;
        } finally {
            clearInterval(timer);
        }
    }
}
