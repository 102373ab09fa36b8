#ifndef ORBIT_CSUPPORT_H
#define ORBIT_CSUPPORT_H
#include <sys/types.h>
#include <spawn.h>

/// Linux calls that Swift's Glibc module hides behind _GNU_SOURCE.
int orbit_pipe_cloexec(int fds[2]);
int orbit_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);
int orbit_set_parent_death_signal(int signal);
/// The `statfs` filesystem magic of `path` (f_type), or -1 when it cannot be read.
long long orbit_filesystem_magic(const char *path);
/// Lowers the calling thread's scheduling priority to `nice` (Linux nice values are per
/// thread); returns 0, or -1 with errno. Never raises it.
int orbit_lower_thread_priority(int nice);
/// A file descriptor that polls readable once process `pid` has exited (Linux ≥ 5.3's
/// pidfd_open, close-on-exec), or -1 with errno (ENOSYS on older kernels).
int orbit_pidfd_open(pid_t pid);
pid_t orbit_spawn_guarded(const char *file, char *const argv[], char *const envp[],
                          const char *directory, int stdout_fd, int stderr_fd, int *spawn_errno);

#endif
