// Types of scripts/test-sets.mjs, for the tests that check the split.

export type TestSet = 'core' | 'integration';

export declare const INTEGRATION_FOLDERS: readonly string[];
export declare const PROCESS_MODULES: readonly RegExp[];
export declare const CORE_GUARD: readonly string[];
export declare function testFiles(root: string): string[];
export declare function runtimeImports(text: string): string[];
export declare function processImport(text: string): string | undefined;
export declare function classify(root: string, file: string): { set: TestSet; why: string };
export declare function testSets(root: string): Record<TestSet, string[]>;
