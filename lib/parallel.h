/* Running one function on several items at once, a thread per item. */
#ifndef WP_PARALLEL_H
#define WP_PARALLEL_H

#include <stddef.h>

/* Calls fn on items[0..n) (each item_size bytes apart; 0: the same item n
 * times): item 0 on the calling thread, the others on new threads, or on
 * the calling thread too when a thread cannot be started. Returns when
 * every call has returned. n is at most WP_PARALLEL_MAX. */
#define WP_PARALLEL_MAX 8
void wp_parallel_run(void *(*fn)(void *), void *items, size_t item_size, int n);

#endif
