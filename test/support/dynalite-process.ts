import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { LocalDynamo } from '../../infra/local/dynamo.js';

/**
 * dynalite in a child process, so that the DynamoDB side of a benchmark runs on the second core, as a
 * real DynamoDB would run elsewhere, instead of competing with the code measured for one event loop.
 */
export async function startDynaliteProcess(): Promise<LocalDynamo> {
  const script = `
    const dynalite = require('dynalite');
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
    process.on('disconnect', () => process.exit(0));
  `;
  const child = spawn(process.execPath, ['-e', script], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    cwd: process.cwd(),
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /port (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${String(code)}`)));
  });
  return {
    kind: 'dynalite',
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
