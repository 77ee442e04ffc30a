// Which endoflife.date products Shipshape ships cycles for, and the images that run them.
// `npm run update-eol` reads this list; eolImages.ts maps an image's tag to one of their cycles.

/** What an image runs: the product whose cycles its tag names. */
export interface EolImage {
  /** endoflife.date product (`nodejs`, `postgresql`). */
  readonly product: string;
  /** The repositories (`domain/path`) whose tags name this product's cycles. */
  readonly repositories: readonly string[];
  /** An operating system image: its tags name codenames as well as numbers (`debian:buster`). */
  readonly os?: boolean;
}

/** The official images' repository and its usual mirrors. */
function official(name: string): string[] {
  return [`docker.io/library/${name}`, `public.ecr.aws/docker/library/${name}`, `mirror.gcr.io/library/${name}`];
}

export const EOL_IMAGES: readonly EolImage[] = [
  { product: 'nodejs', repositories: official('node') },
  { product: 'python', repositories: official('python') },
  { product: 'go', repositories: official('golang') },
  { product: 'ruby', repositories: official('ruby') },
  { product: 'php', repositories: official('php') },
  { product: 'eclipse-temurin', repositories: official('eclipse-temurin') },
  {
    product: 'dotnet',
    repositories: ['runtime', 'aspnet', 'sdk', 'runtime-deps'].map((name) => `mcr.microsoft.com/dotnet/${name}`),
  },
  { product: 'postgresql', repositories: official('postgres') },
  { product: 'mysql', repositories: official('mysql') },
  { product: 'mariadb', repositories: official('mariadb') },
  { product: 'redis', repositories: official('redis') },
  { product: 'mongodb', repositories: official('mongo') },
  { product: 'nginx', repositories: official('nginx') },
  { product: 'apache-http-server', repositories: official('httpd') },
  { product: 'alpine-linux', repositories: official('alpine'), os: true },
  { product: 'debian', repositories: official('debian'), os: true },
  { product: 'ubuntu', repositories: official('ubuntu'), os: true },
];

/** The operating systems whose names appear inside other images' tags (`node:18-bullseye`, `golang:1.20-alpine3.18`). */
export const OS_PRODUCTS = ['debian', 'ubuntu', 'alpine-linux'] as const;

/** Every product the data snapshot holds. */
export const EOL_PRODUCT_IDS: readonly string[] = [...new Set(EOL_IMAGES.map((image) => image.product))];
