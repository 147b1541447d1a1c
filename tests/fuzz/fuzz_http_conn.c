/* fuzz_http_conn: sm-httpd's per-connection code (httpd_ops) on a client byte stream. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conn_sim.h"
#include "httpd.h"
#include "stackmap.h"
#include "fuzz.h"

/*
 * Parsing, pipelining, bodies, fixed responses, file streaming, the path
 * checks (a secret beside the document root must never be served, see
 * inspect()), the header and idle timeouts, a full TX ring.
 *
 * Input: a 4-byte header, then the bytes the client sends.
 *   byte 0, bit 0:    serve the document root instead of --fixed 1024
 *           bits 1-2: chunk scale 1, 7, 61 or 1021 bytes
 *           bits 3-4: a clock step of 0.1, 1, 3 or 61 s
 *           bit 5:    the client closes (EOF) after its last byte
 *           bit 6:    out_limit 4 KiB instead of server.c's 256 KiB
 *           bit 7:    no sync until the end: the TX ring fills up
 *   bytes 1-3, for chunk i, b = byte[1 + i % 3]:
 *           bits 0-5: the chunk is 1 + (b & 63) * scale bytes long
 *           bit 6:    same round (srv_step) as the chunk before (two RX
 *                     slots in one sync), else a new round
 *           bit 7:    the clock advances one step first (a round runs
 *                     at the clock its last chunk set)
 * A connection the server closed is followed by a new one (same fd).
 */
#define HDR 4
#define FD 7
#define SECRET "SECRET-7f3a-OUTSIDE-ROOT"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sm_port *port;
static bool dump;                  /* FUZZ_DUMP=1: responses to stderr */
static char dir[160];
static int rootfd = -1;
static char *fixed_body;

static void put_file(const char *path, const char *data, size_t len)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, path);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, data, len) == (ssize_t)len);
	close(fd);
}

static void put_dir(const char *path)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, path);
	CHECK(mkdir(p, 0755) == 0);
}

static void put_link(const char *target, const char *path)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, path);
	CHECK(symlink(target, p) == 0);
}

/* A socket file: open() fails with ENXIO, a 403 without blocking (a FIFO
 * would block the open until a writer comes). */
static void put_socket(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	CHECK(fd >= 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", dir, path);
	CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	close(fd);
}

static void rm_tree(const char *path)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_http_conn: could not remove %s\n", path);
}

static void cleanup(void)
{
	if (dir[0])
		rm_tree(dir);
}

/* A crash ends the process without atexit(): each run removes the trees
 * (named by pid) of the runs that are gone. */
static void remove_stale(const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *e;
	char path[256];
	int pid;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (sscanf(e->d_name, "fuzz-httpd.%d", &pid) != 1 || pid <= 0 ||
		    kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmp, e->d_name);
		rm_tree(path);
	}
	closedir(d);
}

/* A small site, and beside it a secret that must never be served. */
static void make_root(void)
{
	static char big[150000];
	const char *tmp = getenv("TMPDIR");
	char p[256];

	if (!tmp)
		tmp = "/tmp";
	remove_stale(tmp);
	snprintf(dir, sizeof(dir), "%s/fuzz-httpd.%d", tmp, (int)getpid());
	rm_tree(dir);              /* a pid of a run long gone, reused */
	CHECK(mkdir(dir, 0700) == 0);
	atexit(cleanup);
	put_dir("outside");
	put_file("outside/secret.txt", SECRET "\n", sizeof(SECRET));
	put_dir("root");
	put_file("root/index.html", "<h1>index</h1>\n", 15);
	put_file("root/a.txt", "hello\n", 6);
	put_file("root/empty.txt", "", 0);
	memset(big, 'b', sizeof(big));
	put_file("root/big.bin", big, 10000);      /* a few TX slots */
	put_file("root/huge.bin", big, sizeof(big)); /* more than the ring */
	put_file("root/with space.txt", "sp\n", 3);
	put_file("root/%41.txt", "pct\n", 4);
	put_file("root/.hidden", "hid\n", 4);
	put_dir("root/sub");
	put_file("root/sub/index.html", "<h1>sub</h1>\n", 13);
	put_file("root/sub/style.css", "p{}\n", 4);
	put_dir("root/noindex");
	put_socket("root/sock");
	put_link("a.txt", "root/link-in");
	put_link("sub", "root/link-sub");
	put_link("../outside/secret.txt", "root/link-out");
	put_link("../outside", "root/link-dirout");
	snprintf(p, sizeof(p), "%s/outside/secret.txt", dir);
	put_link(p, "root/link-abs");
	put_link("loop", "root/loop");
	snprintf(p, sizeof(p), "%s/root", dir);
	rootfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(rootfd >= 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sm_config cfg;

	(void)argc;
	(void)argv;
	dump = getenv("FUZZ_DUMP") != NULL;
	make_root();
	fixed_body = malloc(1024);
	CHECK(fixed_body);
	memset(fixed_body, 'x', 1024);
	sm_config_init(&cfg);
	cfg.engine = SM_ENGINE_EPOLL;
	/* Small, so that a few responses fill the TX ring. */
	cfg.ring_size = 64;
	cfg.num_bufs = 512;
	cfg.max_conns = 16;
	CHECK(sm_open(&port, &cfg) == 0);
	return 0;
}

/* The response stream never holds the secret, even split across slots:
 * each slot is searched, and so is its start joined to the end of the
 * slots before it. */
#define SLEN (sizeof(SECRET) - 1)

struct scan {
	char tail[SLEN - 1];       /* the stream's last bytes */
	size_t ntail;
	/* The client sent the secret's bytes itself (the fuzzer finds them
	 * by comparison): an answer may echo them (a 301's Location), which
	 * reveals nothing.  Such inputs are not checked for it. */
	bool client_sent;
};

static void inspect(void *arg, const char *p, size_t n)
{
	struct scan *sc = arg;
	char edge[2 * SLEN];
	size_t m = n < SLEN - 1 ? n : SLEN - 1, keep;

	if (dump)
		fwrite(p, 1, n, stderr);
	if (sc->client_sent)
		return;
	CHECK(!memmem(p, n, SECRET, SLEN));
	memcpy(edge, sc->tail, sc->ntail);
	memcpy(edge + sc->ntail, p, m);
	CHECK(!memmem(edge, sc->ntail + m, SECRET, SLEN));
	if (n >= SLEN - 1) {
		memcpy(sc->tail, p + n - (SLEN - 1), SLEN - 1);
		sc->ntail = SLEN - 1;
	} else {                   /* edge holds all of tail + p */
		keep = sc->ntail + n < SLEN - 1 ? sc->ntail + n : SLEN - 1;
		memcpy(sc->tail, edge + sc->ntail + n - keep, keep);
		sc->ntail = keep;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t scales[] = { 1, 7, 61, 1021 };
	static const uint64_t steps[] = { 100, 1000, 3000, 61000 };
	struct scan sc = { .ntail = 0,
			   .client_sent = memmem(data, size, SECRET, SLEN) != NULL };
	struct httpd h;
	struct csim k;
	size_t off = HDR, i = 0, n;
	uint64_t now = 1000000, step;
	struct srv_limits lim = SRV_LIMITS_DEFAULT;
	bool sync;

	if (size < HDR)
		return 0;
	memset(&h, 0, sizeof(h));
	h.rootfd = data[0] & 1 ? rootfd : -1;
	h.fixed = data[0] & 1 ? -1 : 1024;
	h.body = h.fixed >= 0 ? fixed_body : NULL;
	h.idle_s = 5;
	h.header_s = 2;
	lim.out_limit = data[0] & 0x40 ? 4096 : lim.out_limit;
	srv_init(&h.srv, port, &httpd_ops, &h, &lim);
	step = steps[(data[0] >> 3) & 3];
	sync = !(data[0] & 0x80);
	csim_init(&k, &h.srv, FD, now, inspect, &sc);
	while (off < size) {
		uint8_t b = data[1 + i % 3];

		n = 1 + (b & 63) * scales[(data[0] >> 1) & 3];
		if (n > size - off)
			n = size - off;
		if (i > 0 && !(b & 0x40))
			csim_round(&k, now, sync);
		if (b & 0x80)
			now += step;
		csim_data(&k, data + off, n);
		off += n;
		i++;
	}
	if (data[0] & 0x20)
		csim_eof(&k);
	csim_round(&k, now, sync);
	/* Everything queued goes out in a bounded number of syncs. */
	CHECK(csim_finish(&k, now, 1000));
	csim_fini(&k);
	srv_fini(&h.srv);
	return 0;
}
