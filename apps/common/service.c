/* SPDX-License-Identifier: BSD-2-Clause */
/* service.c: daemon, PID file and user, for the servers (service.h). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "service.h"
#include "util.h"

static int ready_fd = -1;          /* the child's end of the pipe */

int service_daemon(const char *prog)
{
	int p[2], status;
	pid_t pid;
	char c;

	if (pipe(p) < 0 || (pid = fork()) < 0) {
		fprintf(stderr, "%s: -d: %s\n", prog, strerror(errno));
		return -1;
	}
	if (pid > 0) {
		/* One byte when ready; end of file when the child died. */
		close(p[1]);
		if (read(p[0], &c, 1) == 1)
			_exit(0);
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
			_exit(WEXITSTATUS(status) ? WEXITSTATUS(status) : 1);
		_exit(1);
	}
	close(p[0]);
	ready_fd = p[1];
	setsid();
	return 0;
}

void service_ready(bool keep_stderr)
{
	int null;

	if (ready_fd < 0)
		return;
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		if (!keep_stderr)
			dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	if (write(ready_fd, "", 1) != 1)
		_exit(1);
	close(ready_fd);
	ready_fd = -1;
}

int service_pid_file(const char *prog, const char *path)
{
	if (util_write_number_file(path, (long)getpid()) < 0) {
		fprintf(stderr, "%s: the PID file %s: %s\n", prog, path,
			strerror(errno));
		return -1;
	}
	return 0;
}

int service_user(const char *prog, const char *user)
{
	struct passwd *pw;

	if (geteuid() != 0) {
		fprintf(stderr, "%s: -u %s: only root can change user, kept "
			"uid %ld\n", prog, user, (long)geteuid());
		return 0;
	}
	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		fprintf(stderr, "%s: -u %s: %s\n", prog, user,
			errno ? strerror(errno) : "no such user");
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		fprintf(stderr, "%s: -u %s: %s\n", prog, user, strerror(errno));
		return -1;
	}
	return 0;
}
