// Proxies for the command line's own requests (registries, alerts), taken from the environment as
// curl, skopeo and Trivy take them: HTTPS_PROXY and HTTP_PROXY (lower case first), NO_PROXY for
// the hosts that go direct; HTTPS requests use HTTP_PROXY when HTTPS_PROXY is not set. Node's fetch
// ignores these, so when one is set undici's EnvHttpProxyAgent becomes fetch's dispatcher (loaded
// only then). The Kubernetes client takes its proxy from the kubeconfig (`proxy-url`), as kubectl
// does. The editor needs none of this: VS Code applies its own proxy settings to extensions.

/** A proxy setting: the variable it came from (its value may hold credentials: never shown) and its URL. */
export interface ProxySetting {
  readonly variable: string;
  readonly url: string;
}

function setting(env: NodeJS.ProcessEnv, names: readonly string[]): ProxySetting | undefined {
  for (const variable of names) {
    const value = (env[variable] ?? '').trim();
    if (value === '') continue;
    // As curl: a bare host:port means http://host:port.
    const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
      throw new Error(`${variable} is not a proxy URL (expected e.g. http://proxy.example:3128)`);
    return { variable, url };
  }
  return undefined;
}

/** The environment's proxies for plain HTTP and for HTTPS requests; throws, naming the variable, on a value that is not a URL. */
export function environmentProxies(env: NodeJS.ProcessEnv): { http?: ProxySetting; https?: ProxySetting } {
  const http = setting(env, ['http_proxy', 'HTTP_PROXY']);
  const https = setting(env, ['https_proxy', 'HTTPS_PROXY']) ?? http;
  return { ...(http && { http }), ...(https && { https }) };
}

/** Sends fetch's requests through the environment's proxies, if any is set; true when one is. */
export async function useEnvironmentProxy(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const { http, https } = environmentProxies(env);
  if (!http && !https) return false;
  // Bundled apart (dist/undici.js, CommonJS): its exports come as `default` through import().
  const loaded: typeof import('undici') & { default?: typeof import('undici') } = await import('undici');
  const { EnvHttpProxyAgent, setGlobalDispatcher } = loaded.default ?? loaded;
  const noProxy = env['no_proxy'] ?? env['NO_PROXY'];
  setGlobalDispatcher(
    new EnvHttpProxyAgent({
      ...(http && { httpProxy: http.url }),
      ...(https && { httpsProxy: https.url }),
      ...(noProxy !== undefined && { noProxy }),
    }),
  );
  return true;
}
