/**
 * Authentication shared by the HTTP sinks: basic or bearer, with the secret read from a file
 * (a mounted Kubernetes Secret, the runtime's `SecretFile`) and re-read when the file changes.
 */
import { SecretFile } from '@outrigger/runtime';
import { type Static, Type } from '@sinclair/typebox';

export const BasicAuthSchema = Type.Object(
  {
    type: Type.Literal('basic', { description: 'HTTP basic authentication.' }),
    user: Type.String({ minLength: 1, description: 'User name.' }),
    password_file: Type.String({ minLength: 1, format: 'file', description: 'File holding the password (re-read when it changes).' }),
  },
  { additionalProperties: false },
);

export const BearerAuthSchema = Type.Object(
  {
    type: Type.Literal('bearer', { description: 'A bearer token in the Authorization header.' }),
    token_file: Type.String({ minLength: 1, format: 'file', description: 'File holding the token (re-read when it changes).' }),
  },
  { additionalProperties: false },
);

export const AuthSchema = Type.Union([BasicAuthSchema, BearerAuthSchema], {
  description: 'How requests authenticate: { type: basic, user, password_file } or { type: bearer, token_file }.',
});
export type AuthConfig = Static<typeof AuthSchema>;

export class Authorization {
  readonly #secret: SecretFile;
  constructor(
    private readonly config: AuthConfig,
    resolvePath: (path: string) => string,
    /** Header scheme for `bearer` (Splunk uses `Splunk`, Elasticsearch API keys `ApiKey`). */
    private readonly scheme = 'Bearer',
  ) {
    this.#secret = new SecretFile(resolvePath(config.type === 'basic' ? config.password_file : config.token_file));
  }

  /** The Authorization header value; throws with a clear message if the secret cannot be read. */
  header(): string {
    const secret = this.#secret.value();
    if (this.config.type === 'basic') return `Basic ${Buffer.from(`${this.config.user}:${secret}`).toString('base64')}`;
    return `${this.scheme} ${secret}`;
  }

  /** After a 401/403: re-read the secret file now (a rotation the watcher has not reported yet). */
  reload(): Promise<void> {
    return this.#secret.reload();
  }

  close(): Promise<void> {
    return this.#secret.close();
  }
}
