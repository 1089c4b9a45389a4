import type { RunState } from './state.js';

/**
 * A typed name for one artifact the stages pass to each other, with how to read it back
 * when its stage finished in an earlier run (resume). `state.get(key)` is typed by the key,
 * so a stage can neither misspell a string key nor cast what it reads.
 */
export interface ArtifactKey<T> {
  readonly name: string;
  readonly load: (state: RunState) => Promise<T>;
}

export function artifactKey<T>(name: string, load: (state: RunState) => Promise<T>): ArtifactKey<T> {
  return { name, load };
}
