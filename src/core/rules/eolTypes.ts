// The shape of the endoflife.date snapshot (eolData.ts, written by `npm run update-eol`).

export interface EolCycle {
  /** `18`, `3.8`, `20.04`. */
  readonly cycle: string;
  /** The end of life (`YYYY-MM-DD`), or whether it has ended when no date is known. */
  readonly eol: string | boolean;
  /** `Bullseye`, `Focal Fossa` (operating systems). */
  readonly codename?: string;
  readonly releaseDate?: string;
}

export interface EolData {
  readonly snapshot: { readonly date: string; readonly source: string; readonly commit?: string };
  /** Cycles newest first, as endoflife.date lists them. */
  readonly products: Readonly<Record<string, { readonly title: string; readonly cycles: readonly EolCycle[] }>>;
}
