// The registries and repositories that are frozen or moved, with their dates and sources.
// docs/rules/deprecated-registry.md shows the same list; add an entry there with its source.

/**
 * One frozen or moved place. `frozen`: nothing new is pushed there (no security fixes);
 * `changed`: what is there is no longer what was (tags removed or moved elsewhere);
 * `moved`: the same images are served elsewhere and the old name only forwards.
 */
export interface DeprecatedPlace {
  /** Registry hosts the entry covers (as `ImageReference.domain` gives them). */
  readonly domains: readonly string[];
  /** Repository path prefix (with its trailing `/`), or empty for the whole registry. */
  readonly pathPrefix: string;
  readonly kind: 'frozen' | 'changed' | 'moved';
  /** What the user reads: the name, what happened and when. */
  readonly what: string;
  /** What to do instead, in words. */
  readonly advice: string;
  /** A rewrite that serves the same content: the new `domain/path-prefix` replacing the old. */
  readonly replacement?: string;
  /** ISO date the change took effect. */
  readonly since: string;
  /** Where the change is announced. */
  readonly source: string;
}

const K8S_FREEZE = 'https://kubernetes.io/blog/2023/02/06/k8s-gcr-io-freeze-announcement/';

export const DEPRECATED_PLACES: readonly DeprecatedPlace[] = [
  {
    domains: ['k8s.gcr.io'],
    pathPrefix: '',
    kind: 'frozen',
    what: 'k8s.gcr.io has been frozen since 3 April 2023: no new images and no security fixes are pushed there, and its requests are redirected to registry.k8s.io',
    advice: 'registry.k8s.io serves the same images (same digests)',
    replacement: 'registry.k8s.io/',
    since: '2023-04-03',
    source: K8S_FREEZE,
  },
  {
    // k8s.gcr.io was the vanity name of this repository; manifests older than 2018 name it directly.
    domains: ['gcr.io', 'us.gcr.io', 'eu.gcr.io', 'asia.gcr.io'],
    pathPrefix: 'google-containers/',
    kind: 'frozen',
    what: 'gcr.io/google-containers, the repository behind k8s.gcr.io, has been frozen since 3 April 2023',
    advice: 'registry.k8s.io serves the same images (same digests)',
    replacement: 'registry.k8s.io/',
    since: '2023-04-03',
    source: K8S_FREEZE,
  },
  {
    domains: ['gcr.io', 'us.gcr.io', 'eu.gcr.io', 'asia.gcr.io'],
    pathPrefix: 'google_containers/',
    kind: 'frozen',
    what: 'gcr.io/google_containers (gcr.io/google-containers), the repository behind k8s.gcr.io, has been frozen since 3 April 2023',
    advice: 'registry.k8s.io serves the same images (same digests)',
    replacement: 'registry.k8s.io/',
    since: '2023-04-03',
    source: K8S_FREEZE,
  },
  {
    domains: ['docker.io'],
    pathPrefix: 'bitnami/',
    kind: 'changed',
    what:
      "Bitnami's free catalogue docker.io/bitnami changed on 28 August 2025: its Debian-based images and versioned tags were moved to " +
      'docker.io/bitnamilegacy (which gets no updates), and only a small set of hardened images tagged `latest` remains (docker.io/bitnamisecure)',
    advice:
      'this tag may no longer be pulled; choose another image, a Bitnami Secure Images subscription, or docker.io/bitnamilegacy as a stopgap without updates',
    since: '2025-08-28',
    source: 'https://github.com/bitnami/containers/issues/83267',
  },
  {
    domains: ['docker.io'],
    pathPrefix: 'bitnamilegacy/',
    kind: 'frozen',
    what: 'docker.io/bitnamilegacy holds the Bitnami images moved there on 28 August 2025 and receives no updates or security fixes',
    advice: 'use it only as a stopgap: move to another maintained image',
    since: '2025-08-28',
    source: 'https://github.com/bitnami/containers/issues/83267',
  },
  {
    domains: ['docker.pkg.github.com'],
    pathPrefix: '',
    kind: 'moved',
    what: "docker.pkg.github.com is GitHub's former Docker registry, replaced by the Container registry (ghcr.io), where GitHub migrates its images",
    advice: 'pull the image from ghcr.io (its name there is shown on the package page)',
    since: '2021-06-21',
    source:
      'https://docs.github.com/en/packages/working-with-a-github-packages-registry/migrating-to-the-container-registry-from-the-docker-registry',
  },
];

/** The entry a reference's registry and repository fall under, if any. */
export function deprecatedPlaceOf(domain: string, path: string): DeprecatedPlace | undefined {
  return DEPRECATED_PLACES.find((place) => place.domains.includes(domain) && path.startsWith(place.pathPrefix));
}
