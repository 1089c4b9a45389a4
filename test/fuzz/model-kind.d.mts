// Types of what the TypeScript tests take from model-kind.mjs (the harness itself is plain ESM).
/** Repository-relative captures the fuzz model is trained on (bundled with the examples). */
export declare const MODEL_CAPTURES: readonly string[];
/** The smallest run config that still runs every stage; its captures are in `captures/` beside it. */
export declare const MODEL_CONFIG: string;
