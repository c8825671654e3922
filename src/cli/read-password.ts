import { createInterface } from 'node:readline';

/**
 * Reads a password without it ever being an argument (argv is visible to every
 * user of the machine and lands in shell history): from a prompt with echo
 * off on a terminal, else the first line of stdin.
 */
export async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    let input = '';
    for await (const chunk of process.stdin) input += String(chunk);
    return input.replace(/\r?\n$/, '').split(/\r?\n/)[0] ?? '';
  }
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
  });
  const output = rl as unknown as {
    _writeToOutput: (text: string) => void;
    output: NodeJS.WriteStream;
  };
  let prompted = false;
  // Echo the prompt, then nothing of what is typed.
  output._writeToOutput = (text: string) => {
    if (!prompted) {
      output.output.write(text);
      prompted = true;
    }
  };
  const answer = await new Promise<string>((resolve) =>
    rl.question(prompt, resolve),
  );
  rl.close();
  process.stdout.write('\n');
  return answer;
}
