// Counts malloc-family calls in the test process, for OrbitComputeTests' "no allocation in the
// step loop" checks: the in-process form of bench/reference/malloc_count.c (an LD_PRELOAD shim).
//
// Linked into the test executable, these definitions interpose glibc's for the whole process
// (glibc supports replacing malloc this way). They forward to glibc's own `__libc_*` entry
// points, so no dlsym bootstrap is needed, and count only on a thread that called
// `orbit_malloc_counter_begin`: tests running beside it on other threads do not disturb a count.
// `free` is not replaced: every block still comes from glibc's allocator.
#include "malloc_counter.h"

#include <errno.h>
#include <stddef.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

// Initial-exec TLS of the executable: reading it never allocates.
static _Thread_local int counting;
static _Thread_local uint64_t calls;

void orbit_malloc_counter_begin(void) {
  calls = 0;
  counting = 1;
}

uint64_t orbit_malloc_counter_end(void) {
  counting = 0;
  return calls;
}

static inline void note(void) {
  if (counting) calls += 1;
}

void *malloc(size_t size) {
  note();
  return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
  note();
  return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
  note();
  return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
  note();
  return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
  note();
  return __libc_memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
  note();
  // POSIX: a power of two and a multiple of sizeof(void *).
  if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment % sizeof(void *) != 0)
    return EINVAL;
  void *pointer = __libc_memalign(alignment, size);
  if (pointer == NULL && size != 0) return ENOMEM;
  *out = pointer;
  return 0;
}
