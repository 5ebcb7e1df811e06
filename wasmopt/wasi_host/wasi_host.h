/* wasmpack's WASI preview1 host for modules translated to C by wasm2c (wabt 1.0.32).
 *
 * wasm2c turns every import of `wasi_snapshot_preview1` into a call of a C function named
 * Z_wasi_snapshot_preview1Z_<name> whose first argument is a pointer to
 * `struct Z_wasi_snapshot_preview1_instance_t`, an opaque type the embedder defines. This host
 * defines that struct (the WASI context: args, env, the fd table, the guest memory) and every
 * function of preview1. These sources are compiled into the generated native program, never
 * into wasmpack itself, so they use libc only. */
#ifndef WASMPACK_WASI_HOST_H
#define WASMPACK_WASI_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "wasm-rt.h"

struct wh_fd;

struct Z_wasi_snapshot_preview1_instance_t {
	/* the module's exported "memory"; set after instantiation, read on every call
	 * because memory.grow may change its size */
	wasm_rt_memory_t *memory;
	uint32_t argc;
	char **argv;
	uint32_t envc;
	char **envp;
	struct wh_fd *fds; /* indexed by WASI fd */
	uint32_t nfds;
};

typedef struct Z_wasi_snapshot_preview1_instance_t wh_ctx;

/* wh_ctx_init: a context with stdin, stdout and stderr (WASI fds 0-2 are host fds 0-2), the
 * guest's argv and environment (copied; "K=V" strings). Returns 0, or -1 with errno set. */
int wh_ctx_init(wh_ctx *ctx, uint32_t argc, char *const *argv, uint32_t envc, char *const *envp);

/* wh_ctx_preopen: opens the host directory HOST and gives it to the guest as the next fd,
 * announced (fd_prestat_*) under the name GUEST. Returns 0, or -1 with errno set. */
int wh_ctx_preopen(wh_ctx *ctx, const char *host, const char *guest);

/* The imports; the argument types follow wasm2c: i32 -> uint32_t, i64 -> uint64_t. */
typedef wh_ctx wh_i;
uint32_t Z_wasi_snapshot_preview1Z_args_get(wh_i *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_args_sizes_get(wh_i *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_environ_get(wh_i *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_environ_sizes_get(wh_i *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_clock_res_get(wh_i *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_clock_time_get(wh_i *, uint32_t, uint64_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_random_get(wh_i *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_poll_oneoff(wh_i *, uint32_t, uint32_t, uint32_t, uint32_t);
void Z_wasi_snapshot_preview1Z_proc_exit(wh_i *, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_proc_raise(wh_i *, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_sched_yield(wh_i *);
uint32_t Z_wasi_snapshot_preview1Z_sock_accept(wh_i *, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_sock_recv(wh_i *, uint32_t, uint32_t, uint32_t, uint32_t,
					     uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_sock_send(wh_i *, uint32_t, uint32_t, uint32_t, uint32_t,
					     uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_sock_shutdown(wh_i *, uint32_t, uint32_t);

uint32_t Z_wasi_snapshot_preview1Z_fd_advise(wh_i *, uint32_t, uint64_t, uint64_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_allocate(wh_i *, uint32_t, uint64_t, uint64_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_close(wh_i *, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_datasync(wh_i *, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_get(wh_i *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_set_flags(wh_i *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_set_rights(wh_i *, uint32_t, uint64_t, uint64_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_get(wh_i *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_set_size(wh_i *, uint32_t, uint64_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_set_times(wh_i *, uint32_t, uint64_t, uint64_t,
							 uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_pread(wh_i *, uint32_t, uint32_t, uint32_t, uint64_t,
					    uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_prestat_get(wh_i *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_prestat_dir_name(wh_i *, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_pwrite(wh_i *, uint32_t, uint32_t, uint32_t, uint64_t,
					     uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_read(wh_i *, uint32_t, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_readdir(wh_i *, uint32_t, uint32_t, uint32_t, uint64_t,
					      uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_renumber(wh_i *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_seek(wh_i *, uint32_t, uint64_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_sync(wh_i *, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_tell(wh_i *, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_fd_write(wh_i *, uint32_t, uint32_t, uint32_t, uint32_t);

uint32_t Z_wasi_snapshot_preview1Z_path_create_directory(wh_i *, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_filestat_get(wh_i *, uint32_t, uint32_t, uint32_t, uint32_t,
						     uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_filestat_set_times(wh_i *, uint32_t, uint32_t, uint32_t,
							   uint32_t, uint64_t, uint64_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_link(wh_i *, uint32_t, uint32_t, uint32_t, uint32_t,
					     uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_open(wh_i *, uint32_t, uint32_t, uint32_t, uint32_t,
					     uint32_t, uint64_t, uint64_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_readlink(wh_i *, uint32_t, uint32_t, uint32_t, uint32_t,
						 uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_remove_directory(wh_i *, uint32_t, uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_rename(wh_i *, uint32_t, uint32_t, uint32_t, uint32_t,
					       uint32_t, uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_symlink(wh_i *, uint32_t, uint32_t, uint32_t, uint32_t,
						uint32_t);
uint32_t Z_wasi_snapshot_preview1Z_path_unlink_file(wh_i *, uint32_t, uint32_t, uint32_t);

#endif
