// A fan-out worker's thread for section 9, in plain JavaScript: Node cannot load the TypeScript sources by itself,
// so the thread registers tsx first and then loads the real module.
import { register } from 'tsx/esm/api';

register();
await import('./fanout-thread.ts');
