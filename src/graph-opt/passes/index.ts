/** The layer passes, in the fixed order they run. */
import type { LayerPass } from './pass.js';
import { fuseChain } from './fuse-chain.js';
import { foldPad } from './fold-pad.js';
import { aliasViews } from './alias-views.js';
import { copyFreeConcat } from './copy-free-concat.js';
import { splitViews } from './split-views.js';
import { inPlace } from './in-place.js';

export type { LayerPass } from './pass.js';

export const LAYER_PASSES: readonly LayerPass[] = [fuseChain, foldPad, aliasViews, splitViews, copyFreeConcat, inPlace];
