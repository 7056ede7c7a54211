/**
 * Progress on stderr while slow steps run, so stdout stays the report (or JSON). One line per
 * step; silent with --quiet. Tests watch these lines to act mid-run.
 */
export class Progress {
    constructor(private readonly quiet: boolean, private readonly write: (s: string) => void = (s) => process.stderr.write(s)) {}

    step(text: string): void {
        if (!this.quiet) this.write(`verify: ${text}\n`);
    }
}
