// Registry credentials as Docker keeps them: ~/.docker/config.json (or $DOCKER_CONFIG), with
// `auths`, `credsStore` and `credHelpers`. Credentials are handed to the registry client for
// their own host only, and never logged.

import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from '../util/logger.js';
import { silentLogger } from '../util/logger.js';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

interface DockerConfig {
  readonly auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  readonly credsStore?: string;
  readonly credHelpers?: Record<string, string>;
}

const HUB_KEYS = [
  'https://index.docker.io/v1/',
  'index.docker.io',
  'docker.io',
  'registry-1.docker.io',
  'https://registry-1.docker.io',
  'https://docker.io',
];
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function isDockerHub(host: string): boolean {
  return host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io';
}

/** The keys a host may be stored under in `auths`, most specific first. */
function keysFor(host: string): string[] {
  if (isDockerHub(host)) return HUB_KEYS;
  return [host, `https://${host}`, `http://${host}`, `https://${host}/`, `http://${host}/`, `https://${host}/v1/`, `https://${host}/v2/`];
}

export interface CredentialStoreOptions {
  /** The folder holding config.json; default $DOCKER_CONFIG or ~/.docker. */
  readonly configDir?: string;
  readonly logger?: Logger;
  /** Where to find `docker-credential-*` helpers; default PATH. */
  readonly env?: NodeJS.ProcessEnv;
}

/** What identifies one version of the Docker config: a `docker login` rewrites the file. */
type Stamp = string;
const ABSENT: Stamp = 'absent';

async function stampOf(file: string): Promise<Stamp> {
  try {
    const stat = await fs.stat(file);
    return `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? ABSENT : `unreadable:${code ?? ''}`;
  }
}

export class CredentialStore {
  /** The config as last read, with the stamp of the file it was read from. */
  private config: { readonly file: string; readonly stamp: Stamp; readonly value: Promise<DockerConfig> } | undefined;
  /** Credentials by host, for the config as last read (cleared when it changes). */
  private readonly cache = new Map<string, Promise<Credentials | undefined>>();
  private readonly logger: Logger;

  constructor(private readonly options: CredentialStoreOptions = {}) {
    this.logger = options.logger ?? silentLogger;
  }

  private configDir(): string {
    return this.options.configDir ?? process.env['DOCKER_CONFIG'] ?? path.join(os.homedir(), '.docker');
  }

  /**
   * The Docker config, read again when the file changed since (a `docker login` rewrites it) or
   * appeared: what was found, or not found, before is forgotten then, without a reload.
   */
  private async read(): Promise<DockerConfig> {
    const file = path.join(this.configDir(), 'config.json');
    const stamp = await stampOf(file);
    if (this.config?.file !== file || this.config.stamp !== stamp) {
      this.cache.clear();
      this.config = { file, stamp, value: stamp === ABSENT ? Promise.resolve({}) : this.parse(file) };
    }
    return this.config.value;
  }

  private async parse(file: string): Promise<DockerConfig> {
    try {
      const data = JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
      return typeof data === 'object' && data !== null ? data : {};
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.logger.warn(`could not read the Docker config ${file}: ${(error as Error).message}`);
      return {};
    }
  }

  /** The credentials for a registry host (`ghcr.io`, `localhost:5000`, `docker.io`), if any. */
  async get(host: string): Promise<Credentials | undefined> {
    const config = await this.read();
    let found = this.cache.get(host);
    if (!found) {
      found = this.lookup(host, config);
      this.cache.set(host, found);
    }
    return found;
  }

  private async lookup(host: string, config: DockerConfig): Promise<Credentials | undefined> {
    const keys = keysFor(host);
    const helper = keys.map((k) => config.credHelpers?.[k]).find((h) => typeof h === 'string');
    if (helper) return this.fromHelper(helper, isDockerHub(host) ? HUB_KEYS[0]! : host);
    for (const key of keys) {
      const entry = config.auths?.[key];
      if (!entry) continue;
      if (typeof entry.auth === 'string' && entry.auth !== '') {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
      }
      if (typeof entry.username === 'string' && typeof entry.password === 'string')
        return { username: entry.username, password: entry.password };
    }
    if (typeof config.credsStore === 'string' && config.credsStore !== '')
      return this.fromHelper(config.credsStore, isDockerHub(host) ? HUB_KEYS[0]! : host);
    return undefined;
  }

  /** Runs `docker-credential-<name> get`, the server URL on stdin, without a shell. */
  private async fromHelper(name: string, serverUrl: string): Promise<Credentials | undefined> {
    if (!HELPER_NAME.test(name)) {
      this.logger.warn(`ignoring the credential helper name ${JSON.stringify(name)}: not a plain program name`);
      return undefined;
    }
    const { execa } = await import('execa');
    const result = await execa(`docker-credential-${name}`, ['get'], {
      input: serverUrl,
      reject: false,
      timeout: 15_000,
      ...(this.options.env && { env: this.options.env, extendEnv: false }),
    });
    if (result.failed) {
      const said = String(result.stdout || result.stderr).trim();
      if (!/credentials not found/i.test(said))
        this.logger.warn(
          `docker-credential-${name} failed for ${serverUrl}${result.exitCode !== undefined ? ` (exit ${result.exitCode})` : ''}`,
        );
      return undefined;
    }
    try {
      const data = JSON.parse(String(result.stdout)) as { Username?: unknown; Secret?: unknown };
      if (typeof data.Username === 'string' && typeof data.Secret === 'string') return { username: data.Username, password: data.Secret };
    } catch {
      this.logger.warn(`docker-credential-${name} printed something that is not JSON for ${serverUrl}`);
    }
    return undefined;
  }
}
