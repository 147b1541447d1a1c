/* close_leak_test: sm_close() leaves no fd behind, even one the engine
 * was still to close: accepts dropped for want of a connection record
 * (their close prepared but not yet submitted, on io_uring) and
 * connections that arrived after the last sync. */
#include <dirent.h>

#include "testlib.h"

#define CLIENTS 64

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	T_ASSERT(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

int main(void)
{
	static int cl[CLIENTS];
	struct sm_config cfg;
	struct sm_port *port;
	struct sm_stats st;
	int l, pnum, i, base, round;

	for (round = 0; round < 2; round++) {
		base = open_fds();
		sm_config_init(&cfg);
		cfg.max_conns = 4;  /* the listener and 3 sockets */
		port = t_open(&cfg);
		l = t_listen(&pnum);
		T_EQ(sm_attach(port, l), 0);
		for (i = 0; i < 5; i++)  /* the accept armed (io_uring) */
			T_ASSERT(sm_sync(port, 0) >= 0);
		for (i = 0; i < CLIENTS; i++)
			cl[i] = t_connect(pnum);
		/* Round 0: sync until accepts are dropped, then close at
		 * once; round 1: close with every accept still to harvest. */
		for (i = 0; round == 0 && i < 2000; i++) {
			T_ASSERT(sm_sync(port, 1) >= 0);
			sm_stats(port, &st);
			if (st.accept_dropped)
				break;
		}
		sm_stats(port, &st);
		printf("round %d: %llu accepted, %llu dropped\n", round,
		       (unsigned long long)st.accepted,
		       (unsigned long long)st.accept_dropped);
		if (round == 0)
			T_ASSERT(st.accept_dropped > 0);
		sm_close(port);  /* closes l too: it was attached */
		for (i = 0; i < CLIENTS; i++)
			close(cl[i]);
		T_EQ(open_fds(), base);
	}
	return 0;
}
