/** A bad or missing env variable; its message is the one line printed before the process stops. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`config: ${variable} ${problem}`);
  }
}
