/**
 * The customer's email gateway, simulated: a tiny SMTP sink on loopback
 * (node:net, nothing installed) that accepts every message and keeps it in
 * memory. It speaks just enough of RFC 5321 for a well-behaved client
 * (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and advertises no
 * STARTTLS, so a loopback client sends in the clear.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  /** The Message-ID header: a sender that sets it from an idempotency key makes resends visible. */
  messageId: string;
}

export interface SmtpSink {
  host: string;
  port: number;
  messages(): Mail[];
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: Mail[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const reply = (line: string) => socket.write(`${line}\r\n`);
    let buffer = '';
    let inData = false;
    let data: string[] = [];
    let envelope = { from: '', to: [] as string[] };

    const command = (line: string) => {
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') return reply('250-smtp-sink.demo\r\n250 8BITMIME');
      if (verb === 'HELO') return reply('250 smtp-sink.demo');
      if (verb === 'MAIL') {
        envelope = { from: /<([^>]*)>/.exec(line)?.[1] ?? '', to: [] };
        return reply('250 2.1.0 OK');
      }
      if (verb === 'RCPT') {
        envelope.to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
        return reply('250 2.1.5 OK');
      }
      if (verb === 'DATA') {
        inData = true;
        data = [];
        return reply('354 end with <CRLF>.<CRLF>');
      }
      if (verb === 'RSET' || verb === 'NOOP') return reply('250 2.0.0 OK');
      if (verb === 'QUIT') {
        reply('221 2.0.0 bye');
        return socket.end();
      }
      return reply('502 5.5.2 command not implemented');
    };

    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let at: number;
      while ((at = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        if (!inData) {
          command(line);
        } else if (line === '.') {
          inData = false;
          const header = (name: string) =>
            data
              .find((l) => l.toLowerCase().startsWith(`${name}:`))
              ?.slice(name.length + 1)
              .trim() ?? '';
          mails.push({ ...envelope, subject: header('subject'), messageId: header('message-id') });
          reply('250 2.0.0 queued');
        } else {
          data.push(line.startsWith('..') ? line.slice(1) : line);
        }
      }
    });
    reply('220 smtp-sink.demo ESMTP');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    messages: () => mails.map((m) => ({ ...m, to: [...m.to] })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
