/* Included LAST by every wasmpack .c file (after system, library and project
 * headers): the common C headers, the error type, cleanup helpers and then
 * the banned-function list, which must come after every system header. */
#ifndef WP_COMMON_H
#define WP_COMMON_H

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "cleanup.h"

/* Every allocation failure becomes this one error. */
#define wp_error_oom(err) wp_error_set((err), WP_ENOMEM, "out of memory")

#include "banned.h"

#endif
