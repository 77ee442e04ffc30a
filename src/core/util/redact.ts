// URLs as they may be shown or kept: what a person configured (an alert receiver, a Trivy server)
// may carry a password, a token in its path or its query, none of which belongs in a log, a
// message or a cache key.

/** A URL as it may be shown: no credentials, no query or fragment, and no path segment that may be a token. */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return '(not a URL)';
  }
  // Slack, Teams, Discord and Mattermost keep the token in the path: a segment with a digit, or
  // longer than a word, is left out.
  const segments = parsed.pathname
    .split('/')
    .filter(Boolean)
    .map((segment) => (/^[A-Za-z][A-Za-z._-]{0,15}$/.test(segment) ? segment : '…'));
  return `${parsed.protocol}//${parsed.host}${segments.length > 0 ? `/${segments.join('/')}` : ''}`;
}
