/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pool.c: the static buffer pool, allocated once per port.
 *
 * One mapping holds every buffer, so that the io_uring engine can register
 * it once (fixed buffers for SEND_ZC, provided-buffer ring for RX) and no
 * I/O ever maps or allocates memory.  Huge pages are used when the system
 * has them reserved; otherwise transparent huge pages are requested.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sm_internal.h"

static void *pool_map(size_t len, bool *huge)
{
	void *p;

	/* Explicit huge pages only when they are a whole number of 2 MiB. */
	if (len % (2u << 20) == 0) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			 MAP_POPULATE, -1, 0);
		if (p != MAP_FAILED) {
			*huge = true;
			return p;
		}
	}
	*huge = false;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Ask for transparent huge pages before anything is faulted in:
	 * populated first (MAP_POPULATE), the pool was all 4 KiB pages. */
	(void)madvise(p, len, MADV_HUGEPAGE);
	if (madvise(p, len, MADV_POPULATE_WRITE) < 0) {
		size_t off;  /* before Linux 5.14: touch every page */

		for (off = 0; off < len; off += 4096)
			((volatile char *)p)[off] = 0;
	}
	return p;
}

int sm__pool_init(struct sm__pool *p, uint32_t num_bufs, uint32_t buf_size)
{
	uint32_t i;

	memset(p, 0, sizeof(*p));
	p->num_bufs = num_bufs;
	p->buf_size = buf_size;
	p->map_len = (size_t)num_bufs * buf_size;
	p->map_len = (p->map_len + 4095) & ~(size_t)4095;
	p->base = pool_map(p->map_len, &p->huge);
	p->free = malloc(sizeof(*p->free) * num_bufs);
	p->meta = calloc(num_bufs, sizeof(*p->meta));
	if (!p->base || !p->free || !p->meta) {
		sm__pool_fini(p);
		return -ENOMEM;
	}
	/* Stack order: buffer 0 is handed out first. */
	for (i = 0; i < num_bufs; i++)
		p->free[i] = num_bufs - 1 - i;
	p->nfree = num_bufs;
	return 0;
}

void sm__pool_fini(struct sm__pool *p)
{
	if (p->base)
		munmap(p->base, p->map_len);
	free(p->free);
	free(p->meta);
	memset(p, 0, sizeof(*p));
}
