/**
 * memplan's version, read from package.json (the one place it is written). Reports record it;
 * golden tests pass a fixed string instead so they do not churn on every release.
 */
import pkg from '../package.json' with { type: 'json' };

export const MEMPLAN_VERSION: string = pkg.version;
