/*
 * cni-ts native launcher: installed as /opt/cni/bin/<plugin> beside the single-executable binary
 * cni-ts-plugins (tools/install/native-launcher.mjs wraps this code in a ~2 KB static ELF and
 * appends the per-plugin table). No libc, no shell, position-independent; Linux x86-64 and arm64.
 *
 *  1. CNI_COMMAND=VERSION is answered from bytes in the file, without starting Node.
 *  2. ADD, DEL, CHECK, GC and STATUS go to the resident server (`cni-ts-plugins serve`) when one
 *     answers on the socket recorded at install time: the launcher sends its build id and plugin
 *     name with fds of its mount and network namespaces and of CNI_NETNS (SCM_RIGHTS), and on 'Y'
 *     its whole environment and stdin, then writes what comes back (stderr,
 *     stdout) and exits with the status the plugin had (packages/server/src/protocol.ts).
 *     No socket, a refusal, another build, or a server that hands the request back ('F') or dies
 *     before answering: the launcher execs the binary (step 3) with the same stdin (kept in a
 *     memfd as it is read), so a call is never lost to the server.
 *  3. Anything else execs `cni-ts-plugins <plugin> <args...>` with the same environment: first the
 *     binary beside the launcher's own file (/proc/self/exe), then the absolute path written at
 *     install time. When neither can be executed it prints a CNI error and exits 1.
 *
 * Build (native-launcher.test.ts checks that the committed bytes are this source's):
 *   gcc -Os -ffreestanding -nostdlib -static -fPIE ... -c launcher.c; ld -T launcher.ld; objcopy -O binary
 * (the exact flags are in compile-launcher.mjs).
 */

typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;

/* The per-plugin data after the code: offsets relative to `tbl`, which the linker script puts at
 * the end of the code (8-aligned). */
struct table {
	u64 version, version_len; /* the VERSION answer (length 0: let the binary answer) */
	u64 binary;               /* install-time absolute path of cni-ts-plugins, NUL-terminated */
	u64 name;                 /* the plugin's name, NUL-terminated */
	u64 error, error_len;     /* the CNI error printed when nothing can be executed */
	u64 socket;               /* the resident server's socket path, NUL-terminated ("": none) */
	u64 build;                /* the build id, NUL-terminated */
};
extern const struct table tbl __attribute__((visibility("hidden")));
#define AT(off) ((const char *)&tbl + (off))

#if defined(__x86_64__)
enum { SYS_read = 0, SYS_write = 1, SYS_close = 3, SYS_lseek = 8, SYS_socket = 41, SYS_connect = 42, SYS_sendto = 44,
       SYS_sendmsg = 46, SYS_execve = 59, SYS_exit = 60, SYS_openat = 257, SYS_readlinkat = 267, SYS_dup3 = 292,
       SYS_memfd_create = 319 };
static long sys(long n, long a, long b, long c, long d, long e)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
	return ret;
}
/* The kernel enters at _start with argc at [rsp]; hand that pointer to start(). */
__asm__(".section .text.start,\"ax\"\n.globl _start\n_start:\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall start\n");
#elif defined(__aarch64__)
enum { SYS_read = 63, SYS_write = 64, SYS_close = 57, SYS_lseek = 62, SYS_socket = 198, SYS_connect = 203, SYS_sendto = 206,
       SYS_sendmsg = 211, SYS_execve = 221, SYS_exit = 93, SYS_openat = 56, SYS_readlinkat = 78, SYS_dup3 = 24,
       SYS_memfd_create = 279 };
static long sys(long n, long a, long b, long c, long d, long e)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
	return x0;
}
__asm__(".section .text.start,\"ax\"\n.globl _start\n_start:\n\tmov x0, sp\n\tbl start\n");
#else
#error "launcher.c: x86-64 or arm64 only"
#endif

#define AT_FDCWD (-100)
#define AF_UNIX 1
#define SOCK_STREAM_CLOEXEC (1 | 02000000)
#define MSG_NOSIGNAL 0x4000
#define O_RDONLY_CLOEXEC 02000000
#define SOL_SOCKET 1
#define SCM_RIGHTS 1
#define EINTR 4
#define BUF 65536

static __attribute__((noreturn)) void quit(int status)
{
	for (;;) sys(SYS_exit, status, 0, 0, 0, 0);
}

static u64 len(const char *s)
{
	u64 n = 0;
	while (s[n]) n++;
	return n;
}

/* `s` starts with `p`: what follows it, else 0. */
static const char *after(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++) return 0;
	return s;
}

static int same(const char *a, const char *b)
{
	const char *r = after(a, b);
	return r && !*r;
}

/* write(2) all of it; 0 or -1. `sock`: a socket, where a vanished peer must not raise SIGPIPE. */
static int put(int fd, const void *p, u64 n, int sock)
{
	const char *c = p;
	while (n) {
		long w = sock ? sys(SYS_sendto, fd, (long)c, n, MSG_NOSIGNAL, 0) : sys(SYS_write, fd, (long)c, n, 0, 0);
		if (w == -EINTR) continue;
		if (w <= 0) return -1;
		c += w;
		n -= w;
	}
	return 0;
}

/* read(2) exactly n bytes; 0 or -1 (end of stream or error first). */
static int get(int fd, void *p, u64 n)
{
	char *c = p;
	while (n) {
		long r = sys(SYS_read, fd, (long)c, n, 0, 0);
		if (r == -EINTR) continue;
		if (r <= 0) return -1;
		c += r;
		n -= r;
	}
	return 0;
}

static void put32(char *p, u32 v)
{
	p[0] = v, p[1] = v >> 8, p[2] = v >> 16, p[3] = v >> 24;
}

static u32 get32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

/* Copies n bytes from the socket to `out`; -1 when the socket ends first (a failing `out` is ignored). */
static int relay(int sock, int out, u32 n, char *buf)
{
	while (n) {
		u32 chunk = n < BUF ? n : BUF;
		if (get(sock, buf, chunk)) return -1;
		put(out, buf, chunk, 0);
		n -= chunk;
	}
	return 0;
}

/*
 * The hello goes with up to three fds (SCM_RIGHTS), so that the server acts where the caller is
 * even when it cannot see the caller's paths: bit 0 of the hello's mask, the caller's mount
 * namespace (its paths: dataDir, CNI_PATH, sockets); bit 1, its network namespace; bit 2,
 * CNI_NETNS opened here (the path may exist only in the caller's mount namespace). A file that
 * cannot be opened is left out (its bit clear); the server then does what the binary would.
 */
static int hello(int s, char *buf, u64 n, const char *netns)
{
	const char *paths[3] = { "/proc/self/ns/mnt", "/proc/self/ns/net", netns };
	struct {
		u64 len;
		int level, type;
		int fds[4];
	} cm;
	int k = 0;
	for (int i = 0; i < 3; i++) {
		if (!paths[i] || !*paths[i]) continue;
		long fd = sys(SYS_openat, AT_FDCWD, (long)paths[i], O_RDONLY_CLOEXEC, 0, 0);
		if (fd < 0) continue;
		cm.fds[k++] = fd;
		buf[5] |= 1 << i;
	}
	struct {
		void *base;
		u64 len;
	} iov = { buf, n };
	struct {
		void *name;
		u64 namelen; /* socklen_t and its padding */
		void *iov;
		u64 iovlen;
		void *control;
		u64 controllen;
		u64 flags;
	} msg = { 0, 0, &iov, 1, k ? &cm : 0, k ? 16 + 8 * ((k + 1) / 2) : 0, 0 };
	cm.len = 16 + 4 * k, cm.level = SOL_SOCKET, cm.type = SCM_RIGHTS;
	long w;
	do w = sys(SYS_sendmsg, s, (long)&msg, MSG_NOSIGNAL, 0, 0);
	while (w == -EINTR);
	for (int i = 0; i < k; i++) sys(SYS_close, cm.fds[i], 0, 0, 0, 0);
	/* the rest, if the socket took only part (it takes all of these few hundred bytes) */
	return w < 0 ? -1 : put(s, buf + w, n - w, 1);
}

/*
 * Serves the call through the resident server and exits, or returns for the exec path (with fd 0
 * replaced by a memfd holding the stdin already read, if any was).
 */
static void forward(char **envp, char *buf)
{
	struct {
		unsigned short family;
		char path[108];
	} addr;
	const char *path = AT(tbl.socket), *build = AT(tbl.build), *name = AT(tbl.name), *netns = 0;
	u64 plen = len(path), blen = len(build), nlen = len(name);
	if (plen >= sizeof addr.path || blen > 255 || nlen > 255) return;
	for (char **e = envp; *e && !netns; e++) netns = after(*e, "CNI_NETNS=");
	addr.family = AF_UNIX;
	for (u64 i = 0; i <= plen; i++) addr.path[i] = path[i];
	int s = sys(SYS_socket, AF_UNIX, SOCK_STREAM_CLOEXEC, 0, 0, 0);
	if (s < 0) return;
	if (sys(SYS_connect, s, (long)&addr, 2 + plen + 1, 0, 0) < 0) goto refused;

	/* hello: "CNTS" 2, fd mask, build id, plugin (+ the fds); then one byte: 'Y' or a refusal. */
	char *p = buf;
	*p++ = 'C', *p++ = 'N', *p++ = 'T', *p++ = 'S', *p++ = 2, *p++ = 0;
	*p++ = blen;
	for (u64 i = 0; i < blen; i++) *p++ = build[i];
	*p++ = nlen;
	for (u64 i = 0; i < nlen; i++) *p++ = name[i];
	if (hello(s, buf, p - buf, netns) || get(s, buf, 1) || buf[0] != 'Y') goto refused;

	/* From here stdin is being consumed: keep a copy to hand the exec path if need be. */
	int keep = sys(SYS_memfd_create, (long)"cni-ts-stdin", 1 /* MFD_CLOEXEC */, 0, 0, 0);
	int broken = 0;
	u64 total = 0;
	for (char **e = envp; *e; e++) total += len(*e) + 1;
	put32(buf, total);
	u64 fill = 4;
	for (char **e = envp; *e; e++) {
		for (const char *c = *e;; c++) {
			if (fill == BUF) {
				broken |= put(s, buf, fill, 1);
				fill = 0;
			}
			buf[fill++] = *c;
			if (!*c) break;
		}
	}
	broken |= put(s, buf, fill, 1);
	for (;;) {
		long n = sys(SYS_read, 0, (long)buf + 4, BUF - 4, 0, 0);
		if (n == -EINTR) continue;
		if (n < 0) n = 0; /* unreadable stdin: the binary meets the same error */
		if (n && keep >= 0 && put(keep, buf + 4, n, 0)) keep = -1;
		put32(buf, n);
		if (!broken) broken = put(s, buf, n + 4, 1);
		if (!n) break;
	}

	/* 'R' status, stderr, stdout; 'F' or nothing: the exec path. */
	if (!broken && !get(s, buf, 1) && buf[0] == 'R') {
		u8 h[8];
		if (get(s, h, 8) || relay(s, 2, get32(h + 4), buf) || get(s, h + 4, 4) || relay(s, 1, get32(h + 4), buf)) quit(1);
		quit(get32(h) & 255);
	}
	sys(SYS_close, s, 0, 0, 0, 0);
	if (keep < 0) {
		static const char msg[] = "{\"code\":999,\"msg\":\"cni-ts launcher: the resident server went away and stdin cannot be replayed\"}";
		put(1, msg, sizeof msg - 1, 0);
		quit(1);
	}
	sys(SYS_lseek, keep, 0, 0 /* SEEK_SET */, 0, 0);
	sys(SYS_dup3, keep, 0, 0, 0, 0);
	sys(SYS_close, keep, 0, 0, 0, 0);
	return;
refused:
	sys(SYS_close, s, 0, 0, 0, 0);
}

/* execve(path, [path, plugin, argv[1..]], envp); returns when it fails. */
static void run(const char *path, char **nargv, char **envp)
{
	nargv[0] = (char *)path;
	sys(SYS_execve, (long)path, (long)nargv, (long)envp, 0, 0);
}

__attribute__((noreturn, used)) void start(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1), **envp = argv + argc + 1;
	const char *cmd = 0;
	for (char **e = envp; *e && !cmd; e++) cmd = after(*e, "CNI_COMMAND=");

	if (cmd && same(cmd, "VERSION") && tbl.version_len) {
		if (!put(1, AT(tbl.version), tbl.version_len, 0)) quit(0);
		/* stdout unusable: let the binary answer and report */
	}
	char buf[BUF];
	if (cmd && *AT(tbl.socket) &&
	    (same(cmd, "ADD") || same(cmd, "DEL") || same(cmd, "CHECK") || same(cmd, "GC") || same(cmd, "STATUS")))
		forward(envp, buf);

	/* new argv: path, plugin, argv[1..], NULL */
	long m = argc > 0 ? argc : 1;
	char *nargv[m + 2];
	nargv[1] = (char *)AT(tbl.name);
	for (long i = 1; i < argc; i++) nargv[i + 1] = argv[i];
	nargv[m + 1] = 0;

	long n = sys(SYS_readlinkat, AT_FDCWD, (long)"/proc/self/exe", (long)buf, 4064, 0);
	if (n > 0 && n < 4064) {
		while (n > 0 && buf[n - 1] != '/') n--;
		if (n > 0) {
			const char *bin = "cni-ts-plugins";
			for (u64 i = 0; i <= 14; i++) buf[n + i] = bin[i];
			run(buf, nargv, envp);
		}
	}
	run(AT(tbl.binary), nargv, envp);
	put(1, AT(tbl.error), tbl.error_len, 0);
	quit(1);
}
