/* err_last_test: SM_F_ERR is a connection's last RX slot, on both
 * engines: a socket whose send failed (EPIPE) delivers no more data,
 * even while its peer keeps writing. */
#include <sys/socket.h>

#include "testlib.h"

/* Sync a while; count the slots of fd (data bytes and ERR slots). */
static void collect(struct sm_port *port, int fd, int rounds,
		    uint32_t *bytes, int *errs)
{
	struct sm_ring *rx = sm_rxring(port);

	while (rounds-- > 0) {
		T_ASSERT(sm_sync(port, 5) >= 0);
		for (; !sm_ring_empty(rx);
		     rx->head = rx->cur = sm_ring_next(rx, rx->head)) {
			struct sm_slot *s = &rx->slot[rx->head];

			if (s->fd != fd)
				continue;
			if (s->flags & SM_F_ERR) {
				T_EQ(s->err, EPIPE);
				(*errs)++;
			}
			*bytes += s->len;
		}
	}
}

int main(void)
{
	struct sm_port *port;
	uint32_t bytes = 0;
	int sv[2], errs = 0, i;

	port = t_open(NULL);
	T_ASSERT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	T_EQ(sm_attach(port, sv[0]), 0);
	for (i = 0; i < 5; i++)  /* the receive armed (io_uring) */
		T_ASSERT(sm_sync(port, 0) >= 0);
	T_EQ(shutdown(sv[1], SHUT_RD), 0);  /* our sends now fail: EPIPE */
	t_send(port, sv[0], "x", 1, 0);
	for (i = 0; i < 400 && !errs; i++)
		collect(port, sv[0], 1, &bytes, &errs);
	T_EQ(errs, 1);
	T_EQ(bytes, 0);
	/* The peer still writes; none of it may follow the ERR slot. */
	for (i = 0; i < 10; i++)
		T_EQ(write(sv[1], "after", 5), 5);
	collect(port, sv[0], 50, &bytes, &errs);
	printf("after SM_F_ERR: %u bytes delivered, %d ERR slots\n", bytes,
	       errs);
	T_EQ(bytes, 0);
	T_EQ(errs, 1);
	close(sv[1]);
	sm_close(port);
	return 0;
}
