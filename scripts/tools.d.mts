// Types of scripts/tools.mjs, for the tests that check its pins.

export interface Tool {
  module: string;
  pkg: string;
  version: string;
  /** A Go module of the repository the tool is built in (instead of `go install`). */
  dir?: string;
  ldflags?: string;
  env?: Record<string, string>;
}

export declare const TOOLS: Record<string, Tool>;
export declare function toolsRoot(): string;
export declare function toolPath(name: string): string;
export declare function build(name: string): string;
