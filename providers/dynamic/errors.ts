// Error text shared by the dynamic providers (serialized with them: plain functions only).

export function errorMessage(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

/** The message as a sentence: trimmed, with a full stop unless it ends with one already. */
export function asSentence(message: string): string {
    const trimmed = message.trim();
    return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** The body as JSON, or undefined when it is not. */
export function parsedJson(text: string): any {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}
