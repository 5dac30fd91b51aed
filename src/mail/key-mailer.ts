import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { AppConfig } from '../config/app-config.js';
import { LOGGER, type Logger } from '../logging/logger.js';

export interface KeyMail {
  to: string;
  username: string;
  key: string;
  keyId: string;
  name: string;
  description: string | null;
  type: 'bearer' | 'basic';
  expiresAt: string | null;
}

/**
 * E-mails a new key to its owner through SMTP_URL. The message is the only place besides the
 * creation response where the key appears: it is never logged, and a failure is reported without
 * the message.
 */
@Injectable()
export class KeyMailer implements OnApplicationShutdown {
  private readonly transport: Transporter | undefined;

  constructor(
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.transport = config.smtpUrl
      ? createTransport({
          url: config.smtpUrl,
          connectionTimeout: 5000,
          greetingTimeout: 5000,
          socketTimeout: 10_000,
          logger: false,
        })
      : undefined;
  }

  get available(): boolean {
    return this.transport !== undefined;
  }

  /** True when the SMTP server accepted the message. */
  async send(mail: KeyMail): Promise<boolean> {
    if (!this.transport) return false;
    try {
      const info = await this.transport.sendMail({
        from: this.config.mailFrom,
        to: mail.to,
        subject: `Your API key "${mail.name}"`,
        text: body(mail),
      });
      return (info.accepted as unknown[]).length > 0;
    } catch (error) {
      this.logger.warn(
        { keyId: mail.keyId, err: (error as { code?: string }).code ?? 'send failed' },
        'Could not e-mail a key to its owner',
      );
      return false;
    }
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }
}

function body(mail: KeyMail): string {
  const usage =
    mail.type === 'bearer'
      ? [
          'Send it in the Authorization header of each request:',
          '',
          '  Authorization: Bearer <the key>',
          '',
          '  curl -H "Authorization: Bearer $KEY" https://api.example.com/...',
        ]
      : [
          `Send it as the password of HTTP Basic authentication, with your username (${mail.username}):`,
          '',
          `  curl -u '${mail.username}:<the key>' https://api.example.com/...`,
        ];
  return [
    `Hello ${mail.username},`,
    '',
    `A ${mail.type} API key was created for you: "${mail.name}"${mail.description ? ` (${mail.description})` : ''}.`,
    mail.expiresAt ? `It expires at ${mail.expiresAt}.` : 'It does not expire.',
    '',
    'The key (keep it secret; it is not stored anywhere in readable form, and cannot be shown again):',
    '',
    mail.key,
    '',
    ...usage,
    '',
    `Its public id is ${mail.keyId}: that is how it appears in lists and logs.`,
    'If you did not expect this key, ask an administrator to revoke it.',
  ].join('\n');
}
