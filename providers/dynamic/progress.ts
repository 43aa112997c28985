// Progress lines of the providers that report their long waits. Serialized with them: a plain function only.

/** What a provider that reports progress takes from its creator (tests collect the lines). */
export interface ProgressDeps {
    /** Where progress lines go. Default console.log, which the Pulumi CLI shows for a dynamic provider. */
    log?: (line: string) => void;
}

/** The default `log`. */
export function consoleLog(line: string): void {
    console.log(line);
}
