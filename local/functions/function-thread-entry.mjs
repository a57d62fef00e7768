// The worker thread's entry point, in plain JavaScript: Node cannot load the TypeScript sources by itself, so the
// thread registers tsx first (whatever loaded the parent: tsx, vitest, ...) and then loads the real module.
import { register } from 'tsx/esm/api';

register();
await import('./function-thread.ts');
