#define _GNU_SOURCE
#include "csupport.h"
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

int orbit_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int orbit_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int orbit_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
  return posix_spawn_file_actions_addchdir_np(actions, path);
}

int orbit_set_parent_death_signal(int signal) { return prctl(PR_SET_PDEATHSIG, signal); }
