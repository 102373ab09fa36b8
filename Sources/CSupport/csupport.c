#define _GNU_SOURCE
#include "csupport.h"
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int orbit_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int orbit_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
  return posix_spawn_file_actions_addchdir_np(actions, path);
}

int orbit_set_parent_death_signal(int signal) { return prctl(PR_SET_PDEATHSIG, signal); }

int orbit_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
  return (int)syscall(SYS_pidfd_open, pid, 0);  /* pidfds are always close-on-exec */
#else
  errno = ENOSYS;
  return -1;
#endif
}

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>

/* Starts a trial's program so that it dies with the worker.

   posix_spawn cannot run code in the child, and PR_SET_PDEATHSIG must be set there: the child
   gets SIGKILL when the thread that started it (a worker slot thread, alive as long as the
   worker) ends — including when the worker is SIGKILLed, where no cleanup of ours runs.

   The child is a clone(CLONE_VM | CLONE_VFORK) on a stack of its own, as glibc's posix_spawn
   makes it: it shares the worker's memory until its exec, so nothing is copied — fork copied
   the worker's page tables and then took copy-on-write faults and TLB shoot-downs on every
   thread, a tenth of the worker's CPU on a sweep of /bin/true trials. Sharing memory means the
   child may only make system calls (no malloc, no locks) and reports an exec failure's errno
   through `spawn_child.error`, so the caller can tell "cannot start" from "exited 127". All
   signals are blocked in the calling thread meanwhile, so no handler of the worker's can run on
   the child's stack; the child restores default dispositions and an empty mask before exec. */
struct spawn_child {
  const char *file;
  char *const *argv;
  char *const *envp;
  const char *directory;
  int stdout_fd, stderr_fd;
  pid_t parent;
  int error;
};

static int spawn_child_main(void *context) {
  struct spawn_child *c = context;
  setpgid(0, 0); /* its own group: a timeout or cancel kills everything it starts */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != c->parent) _exit(127); /* the worker died before prctl took effect */
  struct sigaction defaults;
  memset(&defaults, 0, sizeof defaults);
  defaults.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; s++) sigaction(s, &defaults, NULL);
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, NULL);
  /* Nothing of the worker's but stdio reaches the program: a leaked copy of its TCP socket
     would keep the connection open after the worker dies. close_range(CLOEXEC) (Linux 5.11)
     marks them all close-on-exec. */
  syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(c->stdout_fd, 1) < 0 ||
      dup2(c->stderr_fd, 2) < 0) {
    c->error = errno;
  } else if (c->directory && chdir(c->directory) != 0) {
    c->error = errno;
  } else {
    execvpe(c->file, c->argv, c->envp);
    c->error = errno;
  }
  _exit(127);
}

pid_t orbit_spawn_guarded(const char *file, char *const argv[], char *const envp[],
                          const char *directory, int stdout_fd, int stderr_fd, int *spawn_errno) {
  *spawn_errno = 0;
  /* execvpe keeps the PATH candidate and, for a script, a new argv on the stack. */
  size_t argc = 0;
  while (argv[argc]) argc++;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t size = ((argc + 2) * sizeof(char *) + 64 * 1024 + page - 1) / page * page;
  void *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (stack == MAP_FAILED) {
    *spawn_errno = errno;
    return -1;
  }
  struct spawn_child child = {file, argv, envp, directory, stdout_fd, stderr_fd, getpid(), 0};
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  /* The stack grows down: the child starts at its top. */
  pid_t pid = clone(spawn_child_main, (char *)stack + size, CLONE_VM | CLONE_VFORK | SIGCHLD,
                    &child);
  int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
  munmap(stack, size);
  if (pid < 0) {
    *spawn_errno = clone_errno;
    return -1;
  }
  /* Here the child has exec'd or exited (CLONE_VFORK). */
  if (child.error != 0) {
    int status;
    waitpid(pid, &status, 0);
    *spawn_errno = child.error;
    return -1;
  }
  return pid;
}

long long orbit_filesystem_magic(const char *path) {
  struct statfs info;
  if (statfs(path, &info) != 0) return -1;
  return (long long)(unsigned int)info.f_type;
}

int orbit_lower_thread_priority(int nice) {
  pid_t tid = (pid_t)syscall(SYS_gettid);
  errno = 0;
  int current = getpriority(PRIO_PROCESS, (id_t)tid);
  if (current == -1 && errno != 0) return -1;
  if (current >= nice) return 0;
  return setpriority(PRIO_PROCESS, (id_t)tid, nice);
}
