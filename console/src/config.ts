/** Where this build runs, read at start from config.json beside index.html: the same build deploys anywhere. */
export interface Config {
  /** The API's base URL, stage included (e.g. https://…/v1), without a trailing slash. */
  apiUrl: string;
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  /** Cognito's endpoint when it is not AWS's (the local stack); absent on AWS. */
  cognitoEndpoint?: string;
  /** USER_SRP_AUTH on AWS; USER_PASSWORD_AUTH where the user pool client allows it (the local stack). */
  authFlow?: 'USER_SRP_AUTH' | 'USER_PASSWORD_AUTH';
  /** What one postal letter costs (the stack's LetterCostCents), shown before inviting by letter. */
  letterCostCents?: number;
}

export async function loadConfig(): Promise<Config> {
  const response = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  const config = (await response.json()) as Config;
  for (const key of ['apiUrl', 'region', 'userPoolId', 'userPoolClientId'] as const) {
    if (typeof config[key] !== 'string' || !config[key]) throw new Error(`config.json: ${key} manquant`);
  }
  return { ...config, apiUrl: config.apiUrl.replace(/\/+$/, '') };
}
