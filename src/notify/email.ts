import type { Transporter } from 'nodemailer';
import type { EmailConfig } from '../config/email-schedule.js';
import { DeliveryError, redactSecrets } from '../errors.js';
import type { DeliverySender } from './outbox-delivery.js';

/** One mail as the outbox keeps it: everything needed to send it again, byte for byte the same. */
export interface EmailMessage {
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  html: string;
  text: string;
  /** Stable for one report (`<…@…>`), so a repeated delivery is recognisable as the same mail. */
  messageId: string;
  /** A restatement: the Message-ID it answers (the previous version's), and the whole thread, oldest first. */
  inReplyTo?: string;
  references?: string[];
  attachments: Array<{ filename: string; contentType: string; contentBase64: string }>;
}

/** What the sender needs besides the config: the secrets to strip from error messages. */
export interface EmailSenderOptions {
  config: EmailConfig;
  secrets: readonly string[];
}

/**
 * Sends {@link EmailMessage} payloads over SMTP (nodemailer): TLS from the start when `secure`,
 * else STARTTLS as configured. An SMTP 5xx answer is a permanent DeliveryError; a 4xx answer, a
 * refused or dropped connection, or a timeout is retryable.
 */
export class EmailSender implements DeliverySender {
  private transport: Transporter | undefined;

  constructor(private readonly options: EmailSenderOptions) {}

  /** nodemailer is loaded on the first mail: commands that never send one do not pay for it. */
  private async connect(): Promise<Transporter> {
    if (this.transport !== undefined) return this.transport;
    const { default: nodemailer } = await import('nodemailer');
    const { smtp, timeoutMs } = this.options.config;
    this.transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: !smtp.secure && smtp.starttls === 'required',
      ignoreTLS: !smtp.secure && smtp.starttls === 'off',
      ...(smtp.auth ? { auth: { user: smtp.auth.user, pass: smtp.auth.pass } } : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
    return this.transport;
  }

  async send(payload: unknown): Promise<void> {
    const message = payload as EmailMessage;
    const transport = await this.connect();
    try {
      await transport.sendMail({
        from: message.from,
        to: message.to,
        ...(message.cc.length > 0 ? { cc: message.cc } : {}),
        subject: message.subject,
        html: message.html,
        text: message.text,
        messageId: message.messageId,
        ...(message.inReplyTo === undefined ? {} : { inReplyTo: message.inReplyTo }),
        ...(message.references === undefined ? {} : { references: message.references }),
        attachments: message.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.contentBase64, 'base64') })),
      });
    } catch (error) {
      throw toDeliveryError(error, this.options.secrets);
    } finally {
      transport.close();
    }
  }
}

/** Maps a nodemailer error: SMTP 5xx is permanent, everything else (4xx, network, timeout) is worth retrying. */
export function toDeliveryError(error: unknown, secrets: readonly string[]): DeliveryError {
  const e = error as { message?: string; responseCode?: number; code?: string };
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const detail = redactSecrets(String(e.message ?? error), secrets);
  const what = code === undefined ? `SMTP ${e.code ?? 'error'}` : `SMTP ${code}`;
  return new DeliveryError(`${what}: ${detail}`, { cause: error, permanent: code !== undefined && code >= 500 });
}
