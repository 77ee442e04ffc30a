// Types of scripts/bundles.mjs, for the TypeScript that imports it (the benchmark).
import type { Plugin } from 'esbuild';

export declare const LAZY_ENTRIES: Readonly<Record<string, { readonly entry: string; readonly bundle: string }>>;
export declare const lazyEntries: Plugin;
export declare const vscodeOnce: Plugin;
export declare const k8sApart: Plugin;
export declare const esmBuilds: Plugin;
