/*
 * memplan_hooks_host.c - host (PC) implementation of memplan_hooks.h, for testing generated code.
 *
 * Strict on purpose:
 *  - mp_dma_start only records the transfer; the bytes are copied at the matching mp_dma_wait. Code that
 *    reads a destination before waiting sees the old contents; code that overwrites a source before the
 *    wait changes what is copied. Either mistake shows up as wrong numbers.
 *  - Tokens are checked: waiting on an unknown token, or twice on the same one, aborts with a message.
 *    At most MP_HOST_DMA_MAX_INFLIGHT transfers may be in flight (a fixed table, no malloc).
 *  - Cores are POSIX threads (link with -pthread); mp_barrier is a counting barrier over the region's cores.
 *  - Built with -DMP_POISON, mp_poison fills a dead buffer with a quiet-NaN pattern (MP_POISON_WORD).
 */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200112L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200112L
#endif

#include "memplan_hooks.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MP_HOST_DMA_MAX_INFLIGHT
#define MP_HOST_DMA_MAX_INFLIGHT 64
#endif
#ifndef MP_HOST_DMA_CHANNELS
#define MP_HOST_DMA_CHANNELS 16
#endif
#ifndef MP_HOST_MAX_CORES
#define MP_HOST_MAX_CORES 64
#endif
/* A quiet NaN with a recognisable payload. */
#define MP_POISON_WORD 0x7FC0DEADu

static void mp_host_fatal(const char *what, unsigned long value) {
  fprintf(stderr, "memplan host hooks: %s (%lu)\n", what, value);
  fflush(stderr);
  abort();
}

/* ---- DMA ---------------------------------------------------------------------------------------- */

typedef struct {
  int used;
  unsigned long seq;
  unsigned char *dst;
  const unsigned char *src;
  size_t rows, row_bytes, dst_stride, src_stride;
} mp_host_dma_slot;

static mp_host_dma_slot mp_host_dma_table[MP_HOST_DMA_MAX_INFLIGHT];
static unsigned long mp_host_dma_seq = 0;
static pthread_mutex_t mp_host_dma_lock = PTHREAD_MUTEX_INITIALIZER;

mp_dma_token mp_dma_start(int channel, void *dst, const void *src, size_t rows, size_t row_bytes,
                          size_t dst_stride_bytes, size_t src_stride_bytes) {
  size_t i;
  mp_dma_token token = 0;
  if (channel < 0 || channel >= MP_HOST_DMA_CHANNELS) {
    mp_host_fatal("mp_dma_start: DMA channel out of range", (unsigned long)(long)channel);
  }
  if (rows > 0 && row_bytes > 0 && (dst == NULL || src == NULL)) {
    mp_host_fatal("mp_dma_start: null pointer", 0);
  }
  if (rows > 1 && (dst_stride_bytes < row_bytes || src_stride_bytes < row_bytes)) {
    mp_host_fatal("mp_dma_start: stride smaller than the row", (unsigned long)row_bytes);
  }
  pthread_mutex_lock(&mp_host_dma_lock);
  for (i = 0; i < MP_HOST_DMA_MAX_INFLIGHT; i++) {
    if (!mp_host_dma_table[i].used) break;
  }
  if (i == MP_HOST_DMA_MAX_INFLIGHT) {
    pthread_mutex_unlock(&mp_host_dma_lock);
    mp_host_fatal("mp_dma_start: too many transfers in flight (MP_HOST_DMA_MAX_INFLIGHT)",
                  (unsigned long)MP_HOST_DMA_MAX_INFLIGHT);
  }
  mp_host_dma_seq++;
  if (mp_host_dma_seq > (~0UL) / MP_HOST_DMA_MAX_INFLIGHT - 1) mp_host_dma_seq = 1;
  mp_host_dma_table[i].used = 1;
  mp_host_dma_table[i].seq = mp_host_dma_seq;
  mp_host_dma_table[i].dst = (unsigned char *)dst;
  mp_host_dma_table[i].src = (const unsigned char *)src;
  mp_host_dma_table[i].rows = rows;
  mp_host_dma_table[i].row_bytes = row_bytes;
  mp_host_dma_table[i].dst_stride = dst_stride_bytes;
  mp_host_dma_table[i].src_stride = src_stride_bytes;
  token = (mp_dma_token)(mp_host_dma_seq * MP_HOST_DMA_MAX_INFLIGHT + i);
  pthread_mutex_unlock(&mp_host_dma_lock);
  return token;
}

void mp_dma_wait(mp_dma_token token) {
  size_t slot = (size_t)(token % MP_HOST_DMA_MAX_INFLIGHT);
  unsigned long seq = token / MP_HOST_DMA_MAX_INFLIGHT;
  mp_host_dma_slot s;
  size_t r;
  pthread_mutex_lock(&mp_host_dma_lock);
  if (token == 0 || !mp_host_dma_table[slot].used || mp_host_dma_table[slot].seq != seq) {
    pthread_mutex_unlock(&mp_host_dma_lock);
    mp_host_fatal("mp_dma_wait: unknown token, or a transfer waited for twice", token);
  }
  s = mp_host_dma_table[slot];
  mp_host_dma_table[slot].used = 0;
  pthread_mutex_unlock(&mp_host_dma_lock);
  for (r = 0; r < s.rows; r++) {
    memmove(s.dst + r * s.dst_stride, s.src + r * s.src_stride, s.row_bytes);
  }
}

/* Number of transfers started and not yet waited for (declared in memplan_hooks.h, host only). */
int mp_host_dma_in_flight(void) {
  int n = 0;
  size_t i;
  pthread_mutex_lock(&mp_host_dma_lock);
  for (i = 0; i < MP_HOST_DMA_MAX_INFLIGHT; i++) n += mp_host_dma_table[i].used;
  pthread_mutex_unlock(&mp_host_dma_lock);
  return n;
}

/* ---- cores and barrier -------------------------------------------------------------------------- */

typedef struct {
  mp_core_fn fn;
  void *ctx;
  int core;
} mp_host_core_arg;

static pthread_mutex_t mp_host_region_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t mp_host_region_cond = PTHREAD_COND_INITIALIZER;
static int mp_host_region_cores = 0;   /* 0 when no region is running */
static int mp_host_barrier_count = 0;
static unsigned long mp_host_barrier_generation = 0;

static void *mp_host_core_main(void *p) {
  mp_host_core_arg *a = (mp_host_core_arg *)p;
  a->fn(a->core, a->ctx);
  return NULL;
}

void mp_parallel_for_cores(int ncores, mp_core_fn fn, void *ctx) {
  pthread_t threads[MP_HOST_MAX_CORES];
  mp_host_core_arg args[MP_HOST_MAX_CORES];
  int i;
  if (ncores < 1 || ncores > MP_HOST_MAX_CORES) {
    mp_host_fatal("mp_parallel_for_cores: core count out of range", (unsigned long)(long)ncores);
  }
  if (fn == NULL) mp_host_fatal("mp_parallel_for_cores: null function", 0);
  pthread_mutex_lock(&mp_host_region_lock);
  if (mp_host_region_cores != 0) {
    pthread_mutex_unlock(&mp_host_region_lock);
    mp_host_fatal("mp_parallel_for_cores: parallel regions do not nest", (unsigned long)(long)ncores);
  }
  mp_host_region_cores = ncores;
  mp_host_barrier_count = 0;
  pthread_mutex_unlock(&mp_host_region_lock);
  for (i = 0; i < ncores; i++) {
    args[i].fn = fn;
    args[i].ctx = ctx;
    args[i].core = i;
  }
  for (i = 1; i < ncores; i++) {
    if (pthread_create(&threads[i], NULL, mp_host_core_main, &args[i]) != 0) {
      mp_host_fatal("mp_parallel_for_cores: pthread_create failed for core", (unsigned long)(long)i);
    }
  }
  fn(0, ctx);
  for (i = 1; i < ncores; i++) pthread_join(threads[i], NULL);
  pthread_mutex_lock(&mp_host_region_lock);
  mp_host_region_cores = 0;
  pthread_mutex_unlock(&mp_host_region_lock);
}

void mp_barrier(void) {
  unsigned long gen;
  pthread_mutex_lock(&mp_host_region_lock);
  if (mp_host_region_cores <= 1) {
    pthread_mutex_unlock(&mp_host_region_lock);
    return;
  }
  gen = mp_host_barrier_generation;
  mp_host_barrier_count++;
  if (mp_host_barrier_count == mp_host_region_cores) {
    mp_host_barrier_count = 0;
    mp_host_barrier_generation++;
    pthread_cond_broadcast(&mp_host_region_cond);
  } else {
    while (gen == mp_host_barrier_generation) pthread_cond_wait(&mp_host_region_cond, &mp_host_region_lock);
  }
  pthread_mutex_unlock(&mp_host_region_lock);
}

/* ---- poison ------------------------------------------------------------------------------------- */

void mp_poison(void *ptr, size_t bytes) {
#ifdef MP_POISON
  const uint32_t word = MP_POISON_WORD;
  unsigned char pattern[4];
  unsigned char *p = (unsigned char *)ptr;
  size_t i;
  memcpy(pattern, &word, 4);
  for (i = 0; i < bytes; i++) p[i] = pattern[(uintptr_t)(p + i) & 3u];
#else
  (void)ptr;
  (void)bytes;
#endif
}
