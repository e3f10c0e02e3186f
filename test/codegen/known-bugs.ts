/**
 * Generated-C runs that fail today because of a known bug, each with what is wrong. The tests run them
 * as `it.fails`: they must still fail, so the day the bug is fixed the suite says so and the entry goes.
 */
import type { Config } from '../helpers/ort-reference.js';

/** Why `model` (a file name) under `cfg` is expected to fail, or undefined when it must pass. */
export function knownBug(model: string, cfg: Config): string | undefined {
  if (model === 'vit_tiny_32.onnx' && cfg.poison) {
    // Found when the tests started to take in every file of ../shared/models/torchvision.
    return 'ViT in poison mode: outputs are NaN/Inf, so some buffer is read after the plan ends its lifetime (without poison the outputs match)';
  }
  return undefined;
}
