import type { Logger } from '../../shared/logger.js';

/** A Logger that keeps every line as the JSON a structured logger would write. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record =
    (level: string) =>
    (message: string, attributes?: Record<string, unknown>): void => {
      lines.push(JSON.stringify({ level, message, ...attributes }));
    };
  return { lines, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}
