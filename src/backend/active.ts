/**
 * Which tfjs backend this process loaded, readable without loading tfjs: results record it in their
 * provenance, and most runs never touch tfjs.
 */
let probe: (() => string | null) | undefined;

/** The backend loader registers how to ask which tfjs backend is loaded. */
export function setBackendProbe(p: () => string | null): void {
  probe = p;
}

/** The loaded tfjs backend's name, or null when this process loaded none. */
export function activeBackendName(): string | null {
  return probe?.() ?? null;
}
