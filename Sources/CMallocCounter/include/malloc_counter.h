#ifndef ORBIT_MALLOC_COUNTER_H
#define ORBIT_MALLOC_COUNTER_H

#include <stdint.h>

/// Starts counting the malloc-family calls of the calling thread (from zero).
void orbit_malloc_counter_begin(void);

/// Stops counting on the calling thread; returns the calls made since `begin`.
uint64_t orbit_malloc_counter_end(void);

#endif
