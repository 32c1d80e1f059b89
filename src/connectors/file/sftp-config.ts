/** The `sftp-drop` config: the file-drop fields plus the SSH connection, host key pinned. */
import { z } from 'zod';
import { parseDuration } from '../../core/duration.js';
import { secretRef } from '../../core/secrets/schema.js';
import { fileDropFields, fileDropRules } from './config.js';

/**
 * The zod schema of `sftp-drop`. `path` is the folder on the server.
 *
 * @example
 * ```ts
 * sftpDropConfig.parse({ host: 'sftp.erp.example', username: 'patchbay', privateKey: 'file:/run/secrets/erp_key', hostKeyFingerprint: 'SHA256:…', path: '/out', archive: '/srv/archive/erp', format: { type: 'csv' } });
 * ```
 */
export const sftpDropConfig = fileDropFields
  .extend({
    host: z
      .string()
      .min(1)
      .meta({ description: 'SFTP server', examples: ['sftp.erp.example.com'] }),
    port: z.number().int().min(1).max(65535).default(22),
    username: z.string().min(1),
    privateKey: secretRef('private key (OpenSSH or PEM)').optional(),
    passphrase: secretRef('passphrase of the private key').optional(),
    password: secretRef('password, when the server does not take keys').optional(),
    hostKeyFingerprint: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, {
        error: 'a SHA256:… fingerprint as ssh-keygen -lf prints it',
      })
      .optional()
      .meta({
        description:
          "The server's host key fingerprint (`ssh-keygen -lf key.pub` or `ssh-keyscan | ssh-keygen -lf -`)",
        examples: ['SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8'],
      }),
    allowUnpinnedHostKey: z.boolean().default(false).meta({
      advanced: true,
      description:
        'Accept any host key (no pinning). Only for tests; `patchbay check` should flag it',
    }),
    connectTimeout: z.union([z.number().int().positive(), z.string().min(1)]).default('15s'),
  })
  .superRefine((cfg, ctx) => {
    fileDropRules(cfg, ctx);
    if (cfg.privateKey === undefined && cfg.password === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['privateKey'],
        message: 'give privateKey or password',
      });
    }
    if (cfg.hostKeyFingerprint === undefined && !cfg.allowUnpinnedHostKey) {
      ctx.addIssue({
        code: 'custom',
        path: ['hostKeyFingerprint'],
        message:
          'required: pin the server host key (or set allowUnpinnedHostKey: true, which check flags)',
      });
    }
  })
  .transform((cfg) => ({
    ...cfg,
    connectTimeoutMs: parseDuration(cfg.connectTimeout, 'connectTimeout', 'sftp-drop'),
  }));

/**
 * The parsed `sftp-drop` config.
 *
 * @example
 * ```ts
 * const cfg: SftpDropConfig = sftpDropConfig.parse(raw);
 * ```
 */
export type SftpDropConfig = z.output<typeof sftpDropConfig>;
