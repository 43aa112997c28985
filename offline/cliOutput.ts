/** Where a tool's text goes: the process's own streams from the command line, a buffer in tests and under offline/planServer. */
export interface CliOutput {
    readonly stdout: (text: string) => void;
    readonly stderr: (text: string) => void;
}

export const PROCESS_OUTPUT: CliOutput = { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) };

/** Runs `run` with an output that collects its text, and hands back the exit code beside the text. */
export async function collectOutput(run: (out: CliOutput) => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = await run({ stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) });
    return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}
