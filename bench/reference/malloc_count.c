// LD_PRELOAD shim counting malloc-family calls, read by `ComputeBench mallocs` through
// dlsym("orbit_malloc_count"). Build: reference/build.sh.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

static atomic_ulong calls;
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);

// dlsym itself may call calloc before real_calloc is known: serve that from a static buffer.
static char bootstrap[4096];
static size_t bootstrap_used;

uint64_t orbit_malloc_count(void) { return atomic_load(&calls); }

void *malloc(size_t size) {
  if (!real_malloc) real_malloc = dlsym(RTLD_NEXT, "malloc");
  atomic_fetch_add(&calls, 1);
  return real_malloc(size);
}

void *calloc(size_t count, size_t size) {
  if (!real_calloc) {
    static int resolving;
    if (resolving) {
      void *p = bootstrap + bootstrap_used;
      bootstrap_used += (count * size + 15) & ~(size_t)15;
      return p;
    }
    resolving = 1;
    real_calloc = dlsym(RTLD_NEXT, "calloc");
    resolving = 0;
  }
  atomic_fetch_add(&calls, 1);
  return real_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
  if (!real_realloc) real_realloc = dlsym(RTLD_NEXT, "realloc");
  atomic_fetch_add(&calls, 1);
  return real_realloc(pointer, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
  if (!real_posix_memalign) real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
  atomic_fetch_add(&calls, 1);
  return real_posix_memalign(out, alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
  if (!real_aligned_alloc) real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
  atomic_fetch_add(&calls, 1);
  return real_aligned_alloc(alignment, size);
}

void free(void *pointer) {
  static void (*real_free)(void *);
  if ((char *)pointer >= bootstrap && (char *)pointer < bootstrap + sizeof bootstrap) return;
  if (!real_free) real_free = dlsym(RTLD_NEXT, "free");
  real_free(pointer);
}
