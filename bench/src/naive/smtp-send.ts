// One e-mail over plain SMTP (EHLO, MAIL, RCPT, DATA, QUIT), one connection per message: what the
// equal-work naive pipeline sends per confirmed order, to the run's discarding SMTP server.
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

export async function sendMail(
  smtpUrl: string,
  mail: { from: string; to: string; subject: string; text: string },
): Promise<void> {
  const url = new URL(smtpUrl);
  const socket = connect(Number(url.port || 25), url.hostname);
  const lines = createInterface({ input: socket })[Symbol.asyncIterator]();
  const reply = async (expect: string) => {
    for (;;) {
      const next = await lines.next();
      if (next.done) throw new Error('SMTP server closed the connection');
      const line = next.value;
      if (line[3] === '-') continue; // a multi-line reply goes on
      if (!line.startsWith(expect)) throw new Error(`SMTP: expected ${expect}, got ${line}`);
      return;
    }
  };
  const say = async (command: string, expect: string) => {
    socket.write(`${command}\r\n`);
    await reply(expect);
  };
  try {
    await reply('220');
    await say('EHLO naive.bench', '250');
    await say(`MAIL FROM:<${mail.from}>`, '250');
    await say(`RCPT TO:<${mail.to}>`, '250');
    await say('DATA', '354');
    const body = mail.text.replace(/^\./gm, '..');
    await say(
      `From: ${mail.from}\r\nTo: ${mail.to}\r\nSubject: ${mail.subject}\r\n\r\n${body}\r\n.`,
      '250',
    );
    await say('QUIT', '221');
  } finally {
    socket.destroy();
  }
}
