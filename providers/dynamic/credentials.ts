// Google credentials for the providers that call Google APIs (Vertex AI, GKE's API server and Managed
// Prometheus): application default credentials, google-auth-library required on first use so the
// serialized provider holds a require() call instead of a copy of the library.

/** What to do when application default credentials are missing. */
export const GOOGLE_CREDENTIALS_FIX =
    "run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a key file, or run where a service account is attached";

/** OAuth access tokens for `scopes`, the client created on first use and kept. */
export function googleTokenSource(scopes: string[]): () => Promise<string> {
    let auth: { getAccessToken(): Promise<string | null | undefined> } | undefined;
    return async () => {
        if (!auth) {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const { GoogleAuth } = require("google-auth-library") as typeof import("google-auth-library");
            auth = new GoogleAuth({ scopes });
        }
        const token = await auth.getAccessToken();
        if (!token) throw new Error("no access token was returned");
        return token;
    };
}
