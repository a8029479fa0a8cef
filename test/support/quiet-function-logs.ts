/**
 * Test hygiene: the function's JSON log lines and EMF metric documents go straight to
 * process.stdout/stderr (Powertools' own Console), past vitest's console capture. Drop them unless
 * SHOW_FUNCTION_LOGS is set; captureOutput() still sees them, since it wraps this writer.
 */
if (!process.env.SHOW_FUNCTION_LOGS) {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (text.startsWith('{"level"') || text.startsWith('{"_aws"')) return true;
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
  }
}
