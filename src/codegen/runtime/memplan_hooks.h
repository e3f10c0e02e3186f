/*
 * memplan_hooks.h - device hooks called by memplan-generated C code.
 *
 * The generated model code never touches DMA engines, cores or allocators directly: it calls the five
 * hooks below. A chip port implements them (see README.md next to this file for the full contract);
 * memplan_hooks_host.c implements them for a PC, strictly enough that a wrong schedule fails loudly.
 *
 * Portable C99. No hook allocates memory.
 */
#ifndef MEMPLAN_HOOKS_H
#define MEMPLAN_HOOKS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Identifies one DMA transfer between mp_dma_start and its mp_dma_wait. 0 is never a valid token. */
typedef unsigned long mp_dma_token;

/*
 * Starts an asynchronous 2-D copy of `rows` rows of `row_bytes` bytes each from `src` to `dst`;
 * row r is read at src + r*src_stride_bytes and written at dst + r*dst_stride_bytes.
 * `channel` selects the DMA channel (0 .. number of channels - 1). The regions must not overlap.
 * Returns a token to pass to mp_dma_wait exactly once. Until that wait returns the destination
 * contents are undefined and the source must not be modified.
 */
mp_dma_token mp_dma_start(int channel, void *dst, const void *src, size_t rows, size_t row_bytes,
                          size_t dst_stride_bytes, size_t src_stride_bytes);

/* Blocks until the transfer identified by `token` is complete. Each token is waited for exactly once. */
void mp_dma_wait(mp_dma_token token);

/* Work run on one core: `core` is 0 .. ncores-1, `ctx` is the pointer given to mp_parallel_for_cores. */
typedef void (*mp_core_fn)(int core, void *ctx);

/*
 * Runs fn(core, ctx) once on each of `ncores` cores (core 0 may be the calling core) and returns when
 * all of them have returned. Regions do not nest.
 */
void mp_parallel_for_cores(int ncores, mp_core_fn fn, void *ctx);

/*
 * Inside a parallel region: returns on a core only when every core of the region has called it
 * (the same number of times). Outside a parallel region it returns immediately.
 */
void mp_barrier(void);

/*
 * Called by generated code when the lifetime of a buffer [ptr, ptr+bytes) ends. A device build makes it
 * a no-op; a debug build may overwrite the bytes so that any later read of the dead buffer is detected.
 */
void mp_poison(void *ptr, size_t bytes);

/*
 * Host implementation only (memplan_hooks_host.c; device ports need not provide it and generated model
 * code never calls it): the number of transfers started and not yet waited for. A host runner can check
 * that it is 0 after inference.
 */
int mp_host_dma_in_flight(void);

#ifdef __cplusplus
}
#endif

#endif /* MEMPLAN_HOOKS_H */
