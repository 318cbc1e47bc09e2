/** Reads a variable the test pipeline exports; a missing one fails with one line saying how. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(
      `${name} is not set: start the local infrastructure with \`make infra-up\` and export the ` +
        'lines of `bash scripts/infra.sh env` (the test pipeline does both)',
    );
  }
  return value;
}
