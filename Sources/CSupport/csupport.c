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

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/vfs.h>

/* fork + exec of a trial's program that dies with the worker.

   posix_spawn cannot run code in the child, and PR_SET_PDEATHSIG must be set there: the child
   gets SIGKILL when the thread that forked it (a worker slot thread, alive as long as the
   worker) ends — including when the worker is SIGKILLed, where no cleanup of ours runs. Between
   fork and exec only async-signal-safe calls. An exec failure's errno comes back through a
   close-on-exec pipe, so the caller can tell "cannot start" from "exited 127". */
pid_t orbit_spawn_guarded(const char *file, char *const argv[], char *const envp[],
                          const char *directory, int stdout_fd, int stderr_fd, int *spawn_errno) {
  int report[2];
  *spawn_errno = 0;
  if (pipe2(report, O_CLOEXEC) != 0) {
    *spawn_errno = errno;
    return -1;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    *spawn_errno = errno;
    close(report[0]);
    close(report[1]);
    return -1;
  }
  if (pid == 0) {
    int error = 0;
    setpgid(0, 0); /* its own group: a timeout or cancel kills everything it starts */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127); /* the worker died before prctl took effect */
    struct sigaction defaults;
    memset(&defaults, 0, sizeof defaults);
    defaults.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) sigaction(s, &defaults, NULL);
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, NULL);
    /* Nothing of the worker's but stdio reaches the program: a leaked copy of its TCP socket
       would keep the connection open after the worker dies. close_range(CLOEXEC) (Linux 5.11)
       marks them all close-on-exec, the report pipe included (already so). */
    syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(stdout_fd, 1) < 0 || dup2(stderr_fd, 2) < 0) {
      error = errno;
    } else if (directory && chdir(directory) != 0) {
      error = errno;
    } else {
      execvpe(file, argv, envp);
      error = errno;
    }
    ssize_t ignored = write(report[1], &error, sizeof error);
    (void)ignored;
    _exit(127);
  }
  setpgid(pid, pid); /* also here, so a signal to the group right after spawn cannot miss it */
  close(report[1]);
  int error = 0;
  ssize_t n;
  do {
    n = read(report[0], &error, sizeof error);
  } while (n < 0 && errno == EINTR);
  close(report[0]);
  if (n == sizeof error) {
    int status;
    waitpid(pid, &status, 0);
    *spawn_errno = error;
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
