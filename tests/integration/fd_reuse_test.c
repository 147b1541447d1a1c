/* fd_reuse_test: once a socket closed through the port has really been closed (the kernel gives its number out again), the app may attach the new socket with that number at once, without another sync. */
#include "testlib.h"

int main(void)
{
	struct sm_port *port = t_open(NULL);
	int lport, l = t_listen(&lport), cli, fd, again, round;
	uint64_t end;

	T_EQ(sm_attach(port, l), 0);
	for (round = 0; round < 20; round++) {
		cli = t_connect(lport);
		fd = t_accept(port);
		/* A sync more: its receive is armed (io_uring: a multishot
		 * recv, which the close must cancel). */
		T_ASSERT(sm_sync(port, 0) >= 0);
		/* Close it through the port.  As soon as the kernel hands the
		 * number out again (the close ran), attaching it must work. */
		t_send(port, fd, "", 0, SM_F_CLOSE);
		again = -1;
		end = t_now_ms() + 2000;
		while (t_now_ms() < end) {
			T_ASSERT(sm_sync(port, 1) >= 0);
			t_rx_release_all(port);
			again = socket(AF_INET, SOCK_STREAM, 0);
			if (again == fd)
				break;
			close(again);
		}
		T_EQ(again, fd);
		t_connect_fd(again, lport);
		T_EQ(sm_attach(port, again), 0);
		/* And it works: a close through the port, as any socket. */
		t_send(port, again, "", 0, SM_F_CLOSE);
		for (int i = 0; i < 50; i++) {
			T_ASSERT(sm_sync(port, 1) >= 0);
			t_rx_release_all(port);  /* the new accept, its EOF */
		}
		close(cli);
	}
	printf("20 rounds: a closed fd number attached again at once\n");
	sm_close(port);
	return T_PASS;
}
