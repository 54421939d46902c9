/*
 * The Linux side of `make bench`: the operations of bench/bastion/, measured
 * the same way on Debian's stock kernel. Each sample is an rdtsc delta around
 * one operation, minus the cost of an empty rdtsc pair; each benchmark warms
 * up first, then reports median, p10 and p90 in bench/bastion's line format:
 *   bench: start system=linux tsc_hz=<n> timer_overhead=<n>
 *   bench: name=<name> median=<n> p10=<n> p90=<n> iterations=<n>
 *   bench: done
 * One static program (gcc -O2 -static), three ways to run it:
 *   /init in the benchmark initramfs (PID 1): mounts /proc, reads
 *       "bench.iterations=N" from /proc/cmdline, measures, powers off;
 *   bench [--iterations N]: measures on the running system (a quick check);
 *   bench --initramfs OUT: writes a cpio (newc) archive holding itself as
 *       /init, /proc and /dev/console, so no root rights or cpio are needed.
 * posix_spawn starts it as "bench --child FD" for process_create.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_ITERATIONS 100000u
#define MAX_ITERATIONS 1000000u
#define WARMUP_ITERATIONS 1000u
#define CREATE_ITERATIONS 200u /* process_create: fewer, as on Bastion */
#define CREATE_WARMUP 10u

extern char **environ;

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t *samples;
static uint64_t overhead;
static char self_path[4096];

static uint64_t adjusted(uint64_t delta) { return delta > overhead ? delta - overhead : 0; }

/* One write per line, so kernel messages on the console cannot split it. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (len < 0)
        return;
    if ((size_t)len >= sizeof line)
        len = sizeof line - 1;
    for (int done = 0; done < len;) {
        ssize_t w = write(1, line + done, (size_t)(len - done));
        if (w <= 0 && errno != EINTR)
            return;
        if (w > 0)
            done += (int)w;
    }
}

static void die(const char *what)
{
    say("bench: error: %s: %s\n", what, strerror(errno));
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, unsigned n)
{
    qsort(samples, n, sizeof samples[0], cmp_u64);
    say("bench: name=%s median=%llu p10=%llu p90=%llu iterations=%u\n", name,
        (unsigned long long)samples[n / 2], (unsigned long long)samples[n / 10],
        (unsigned long long)samples[(uint64_t)n * 9 / 10], n);
}

static uint64_t timer_overhead(void)
{
    for (unsigned i = 0; i < 1000; i++) {
        uint64_t t0 = rdtsc();
        samples[i] = rdtsc() - t0;
    }
    qsort(samples, 1000, sizeof samples[0], cmp_u64);
    return samples[500];
}

static int read_exact(int fd, void *buf, size_t len)
{
    for (size_t done = 0; done < len;) {
        ssize_t r = read(fd, (char *)buf + done, len - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        done += (size_t)r;
    }
    return 0;
}

/* ---- null_syscall: the simplest kernel call */
static unsigned null_syscall(unsigned n)
{
    for (unsigned i = 0; i < WARMUP_ITERATIONS; i++)
        syscall(SYS_getppid);
    for (unsigned i = 0; i < n; i++) {
        uint64_t t0 = rdtsc();
        syscall(SYS_getppid);
        samples[i] = adjusted(rdtsc() - t0);
    }
    return n;
}

/* ---- thread_sync: two threads of one process hand a wake-up back and forth
 * through two futex words; half the round trip is one hand-off. */
static uint32_t futex_ping, futex_pong;
static volatile int sync_stop;

static void futex_wait(uint32_t *word, uint32_t value)
{
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
}

static void futex_wake(uint32_t *word)
{
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Waits until *word is 1, then sets it back to 0. */
static void futex_take(uint32_t *word)
{
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == 0)
        futex_wait(word, 0);
    __atomic_store_n(word, 0, __ATOMIC_RELAXED);
}

static void futex_give(uint32_t *word)
{
    __atomic_store_n(word, 1, __ATOMIC_RELEASE);
    futex_wake(word);
}

static void *sync_partner(void *unused)
{
    (void)unused;
    for (;;) {
        futex_take(&futex_ping);
        if (sync_stop)
            return NULL;
        futex_give(&futex_pong);
    }
}

static unsigned thread_sync(unsigned n)
{
    pthread_t partner;
    if (pthread_create(&partner, NULL, sync_partner, NULL) != 0) {
        die("pthread_create");
        return 0;
    }
    for (unsigned i = 0; i < n + WARMUP_ITERATIONS; i++) {
        uint64_t t0 = rdtsc();
        futex_give(&futex_ping);
        futex_take(&futex_pong);
        uint64_t t1 = rdtsc();
        if (i >= WARMUP_ITERATIONS)
            samples[i - WARMUP_ITERATIONS] = adjusted(t1 - t0) / 2;
    }
    sync_stop = 1;
    futex_give(&futex_ping);
    pthread_join(partner, NULL);
    return n;
}

/* ---- ipc_oneway, ipc_roundtrip: a partner process answers each 1-byte
 * request through a second pipe: with the same byte (roundtrip), or with the
 * time at which its read returned (oneway, as Bastion's stamp partner). */
struct partner {
    pid_t pid;
    int to, from; /* our ends: write requests to `to`, read replies from `from` */
};

static int partner_start(struct partner *p, int stamp)
{
    int req[2], rep[2];
    if (pipe(req) != 0 || pipe(rep) != 0) {
        die("pipe");
        return -1;
    }
    p->pid = fork();
    if (p->pid < 0) {
        die("fork");
        return -1;
    }
    if (p->pid == 0) {
        close(req[1]);
        close(rep[0]);
        char c;
        while (read(req[0], &c, 1) == 1) {
            uint64_t now = rdtsc(); /* the message can be read from here on */
            ssize_t w = stamp ? write(rep[1], &now, sizeof now) : write(rep[1], &c, 1);
            if (w <= 0)
                break;
        }
        _exit(0);
    }
    close(req[0]);
    close(rep[1]);
    p->to = req[1];
    p->from = rep[0];
    return 0;
}

static void partner_stop(struct partner *p)
{
    close(p->to); /* the partner reads end-of-file and exits */
    close(p->from);
    waitpid(p->pid, NULL, 0);
}

/* From write() of one byte until the partner's read() has returned it; the
 * reply that carries the partner's time is not timed. */
static unsigned ipc_oneway(unsigned n)
{
    struct partner p;
    if (partner_start(&p, 1) != 0)
        return 0;
    char c = 'x';
    for (unsigned i = 0; i < n + WARMUP_ITERATIONS; i++) {
        uint64_t t0 = rdtsc(), read_at;
        if (write(p.to, &c, 1) != 1 || read_exact(p.from, &read_at, sizeof read_at) != 0) {
            die("pipe write/read");
            partner_stop(&p);
            return 0;
        }
        if (i >= WARMUP_ITERATIONS)
            samples[i - WARMUP_ITERATIONS] = adjusted(read_at - t0);
    }
    partner_stop(&p);
    return n;
}

/* Request and reply: one byte there, one byte back. */
static unsigned ipc_roundtrip(unsigned n)
{
    struct partner p;
    if (partner_start(&p, 0) != 0)
        return 0;
    char c = 'x';
    for (unsigned i = 0; i < n + WARMUP_ITERATIONS; i++) {
        uint64_t t0 = rdtsc();
        if (write(p.to, &c, 1) != 1 || read(p.from, &c, 1) != 1) {
            die("pipe write/read");
            partner_stop(&p);
            return 0;
        }
        uint64_t t1 = rdtsc();
        if (i >= WARMUP_ITERATIONS)
            samples[i - WARMUP_ITERATIONS] = adjusted(t1 - t0);
    }
    partner_stop(&p);
    return n;
}

/* ---- context_switch: two processes on CPU 0 yielding to each other; half
 * the time from A's yield until A runs again is one switch. */
static int pin_to_cpu0(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

static unsigned context_switch(unsigned n)
{
    cpu_set_t saved;
    sched_getaffinity(0, sizeof saved, &saved);
    if (pin_to_cpu0() != 0) {
        die("sched_setaffinity");
        return 0;
    }
    /* The partner counts its turns here, to check that every yield switched. */
    volatile uint64_t *turns = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (turns == MAP_FAILED) {
        die("mmap");
        return 0;
    }
    pid_t pid = fork();
    if (pid < 0) {
        die("fork");
        return 0;
    }
    if (pid == 0) {
        for (;;) {
            (*turns)++;
            sched_yield();
        }
    }
    while (*turns == 0) /* until the partner has run */
        sched_yield();
    unsigned missed = 0; /* timed yields after which the partner had not run */
    for (unsigned i = 0; i < n + WARMUP_ITERATIONS; i++) {
        uint64_t before = *turns;
        uint64_t t0 = rdtsc();
        sched_yield();
        uint64_t t1 = rdtsc();
        if (i >= WARMUP_ITERATIONS) {
            samples[i - WARMUP_ITERATIONS] = adjusted(t1 - t0) / 2;
            missed += *turns == before;
        }
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    munmap((void *)turns, 4096);
    sched_setaffinity(0, sizeof saved, &saved);
    /* Not every yield switched (another runnable task, or more than one CPU):
     * those samples did not measure a switch. */
    if (missed)
        say("bench: warning: context_switch: %u of %u yields did not switch\n", missed, n);
    return n;
}

/* ---- map_unmap: an anonymous 4 KiB page, mapped, touched, unmapped */
static unsigned map_unmap(unsigned n)
{
    for (unsigned i = 0; i < n + WARMUP_ITERATIONS; i++) {
        uint64_t t0 = rdtsc();
        volatile uint64_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            die("mmap");
            return 0;
        }
        *p = i;
        munmap((void *)p, 4096);
        uint64_t t1 = rdtsc();
        if (i >= WARMUP_ITERATIONS)
            samples[i - WARMUP_ITERATIONS] = adjusted(t1 - t0);
    }
    return n;
}

/* ---- process_create: posix_spawn of this static binary until the child's
 * main reads the TSC (it sends that value through a pipe). */
static unsigned process_create(unsigned n)
{
    n = n < CREATE_ITERATIONS ? n : CREATE_ITERATIONS;
    int fds[2];
    if (pipe(fds) != 0) {
        die("pipe");
        return 0;
    }
    fcntl(fds[0], F_SETFD, FD_CLOEXEC); /* the child gets only the write end */
    char fd_arg[16];
    snprintf(fd_arg, sizeof fd_arg, "%d", fds[1]);
    char *argv[] = {self_path, "--child", fd_arg, NULL};
    unsigned got = 0;
    for (unsigned i = 0; i < n + CREATE_WARMUP; i++) {
        pid_t pid;
        uint64_t child_t;
        uint64_t t0 = rdtsc();
        int err = posix_spawn(&pid, self_path, NULL, NULL, argv, environ);
        if (err != 0) {
            errno = err;
            die("posix_spawn");
            break;
        }
        int ok = read_exact(fds[0], &child_t, sizeof child_t) == 0;
        waitpid(pid, NULL, 0);
        if (!ok) {
            die("reading the child's time");
            break;
        }
        if (i >= CREATE_WARMUP)
            samples[got++] = adjusted(child_t - t0);
    }
    close(fds[0]);
    close(fds[1]);
    return got == n ? n : 0;
}

/* ---- pipe_*: the copying counterpart of Bastion's copy_ipc_* rows. A buffer
 * of 2^bits bytes goes to a partner process through one pipe and comes back
 * through another: the parent touches (reads and writes) its first and last
 * byte, writes it all, the partner reads it all, touches its copy the same
 * way and writes it all back, the parent reads it all and touches it again.
 * One sample is the whole round trip. Both buffers are allocated and written
 * once before the first round trip (the parent's after the fork), so no
 * page faults remain to be timed; the first round trips are warm-up. */
static int write_all(int fd, const void *buf, size_t len)
{
    for (size_t done = 0; done < len;) {
        ssize_t w = write(fd, (const char *)buf + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

static void touch_ends(volatile uint8_t *buf, size_t size)
{
    buf[0] = (uint8_t)(buf[0] + 1);
    buf[size - 1] = (uint8_t)(buf[size - 1] + 1);
}

static unsigned pipe_copy(unsigned n, unsigned bits, unsigned divisor, unsigned warmup)
{
    const size_t size = (size_t)1 << bits;
    n = n / divisor > 0 ? n / divisor : 1;
    int req[2], rep[2];
    if (pipe(req) != 0 || pipe(rep) != 0) {
        die("pipe");
        return 0;
    }
    pid_t pid = fork();
    if (pid < 0) {
        die("fork");
        return 0;
    }
    if (pid == 0) {
        close(req[1]);
        close(rep[0]);
        uint8_t *mine = malloc(size);
        if (!mine)
            _exit(1);
        memset(mine, 0, size);
        while (read_exact(req[0], mine, size) == 0) {
            touch_ends(mine, size);
            if (write_all(rep[1], mine, size) != 0)
                break;
        }
        _exit(0);
    }
    close(req[0]);
    close(rep[1]);
    struct partner p = {pid, req[1], rep[0]};
    uint8_t *buf = malloc(size);
    if (!buf) {
        die("malloc");
        partner_stop(&p);
        return 0;
    }
    for (size_t i = 0; i < size; i++) /* a pattern to check afterwards */
        buf[i] = (uint8_t)(i * 7 + 1);
    uint8_t first = buf[0], last = buf[size - 1];
    unsigned got = 0;
    for (unsigned i = 0; i < n + warmup; i++) {
        uint64_t t0 = rdtsc();
        touch_ends(buf, size);
        int bad = write_all(p.to, buf, size) != 0 || read_exact(p.from, buf, size) != 0;
        touch_ends(buf, size);
        uint64_t t1 = rdtsc();
        if (bad) {
            die("pipe write/read");
            break;
        }
        if (i >= warmup)
            samples[got++] = adjusted(t1 - t0);
    }
    /* Three touches of each end per round trip; the rest came back as it went. */
    uint8_t rounds = (uint8_t)(n + warmup);
    if (got == n && (buf[0] != (uint8_t)(first + 3 * rounds) || buf[size - 1] != (uint8_t)(last + 3 * rounds) ||
                     buf[size / 2] != (uint8_t)((size / 2) * 7 + 1))) {
        say("bench: error: pipe_copy: the buffer came back wrong\n");
        got = 0;
    }
    free(buf);
    partner_stop(&p);
    return got == n ? n : 0;
}

/* Far fewer samples for the big buffers, the same counts as Bastion's copy_ipc_* rows:
 * n/10 for 4 KiB down to n/10000 for 16 MiB, at least one. */
static unsigned pipe_4k(unsigned n) { return pipe_copy(n, 12, 10, 100); }
static unsigned pipe_64k(unsigned n) { return pipe_copy(n, 16, 100, 10); }
static unsigned pipe_1m(unsigned n) { return pipe_copy(n, 20, 1000, 2); }
static unsigned pipe_16m(unsigned n) { return pipe_copy(n, 24, 10000, 1); }
/* 256 MiB: three samples of the default 100,000 iterations, no warm-up, as copy_ipc_256m. */
static unsigned pipe_256m(unsigned n) { return pipe_copy(n, 28, 33333, 0); }

/* The suite: later mechanisms add rows here without changing its shape. */
static const struct {
    const char *name;
    unsigned (*run)(unsigned iterations); /* fills samples[], returns how many */
} benchmarks[] = {
    {"null_syscall", null_syscall},
    {"thread_sync", thread_sync},
    {"ipc_oneway", ipc_oneway},
    {"ipc_roundtrip", ipc_roundtrip},
    {"context_switch", context_switch},
    {"map_unmap", map_unmap},
    {"process_create", process_create},
    {"pipe_4k", pipe_4k},
    {"pipe_64k", pipe_64k},
    {"pipe_1m", pipe_1m},
    {"pipe_16m", pipe_16m},
    {"pipe_256m", pipe_256m},
};

/* ---- the initramfs: a cpio "newc" archive, written without cpio or root */
static void cpio_entry(FILE *out, const char *name, unsigned mode, unsigned rdev_major, unsigned rdev_minor,
                       const void *data, size_t size)
{
    static unsigned ino = 1;
    size_t namesize = strlen(name) + 1;
    long at = ftell(out);
    fprintf(out, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", ino++, mode, 0u, 0u,
            (mode & S_IFMT) == S_IFDIR ? 2u : 1u, 0u, size, 0u, 0u, rdev_major, rdev_minor, namesize, 0u);
    fwrite(name, 1, namesize, out);
    while ((ftell(out) - at) % 4)
        fputc(0, out);
    if (size)
        fwrite(data, 1, size, out);
    while (ftell(out) % 4)
        fputc(0, out);
}

static int write_initramfs(const char *path)
{
    FILE *self = fopen("/proc/self/exe", "rb");
    if (!self) {
        perror("bench: /proc/self/exe");
        return 1;
    }
    fseek(self, 0, SEEK_END);
    long size = ftell(self);
    rewind(self);
    char *image = malloc((size_t)size);
    if (!image || fread(image, 1, (size_t)size, self) != (size_t)size) {
        perror("bench: reading /proc/self/exe");
        return 1;
    }
    fclose(self);
    FILE *out = fopen(path, "wb");
    if (!out) {
        perror(path);
        return 1;
    }
    cpio_entry(out, "dev", S_IFDIR | 0755, 0, 0, NULL, 0);
    cpio_entry(out, "dev/console", S_IFCHR | 0600, 5, 1, NULL, 0); /* the kernel opens it for /init */
    cpio_entry(out, "proc", S_IFDIR | 0755, 0, 0, NULL, 0);
    cpio_entry(out, "init", S_IFREG | 0755, 0, 0, image, (size_t)size);
    cpio_entry(out, "TRAILER!!!", 0, 0, 0, NULL, 0);
    if (fclose(out) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}

/* ---- set-up */
static uint64_t tsc_hz_from_cpuinfo(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    double mhz = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "cpu MHz : %lf", &mhz) == 1 || sscanf(line, "cpu MHz\t: %lf", &mhz) == 1)
            break;
    if (f)
        fclose(f);
    return (uint64_t)(mhz * 1e6 + 0.5);
}

static unsigned iterations_from_cmdline(void)
{
    FILE *f = fopen("/proc/cmdline", "r");
    char line[4096] = "";
    if (f) {
        if (!fgets(line, sizeof line, f))
            line[0] = 0;
        fclose(f);
    }
    const char *at = strstr(line, "bench.iterations=");
    return at ? (unsigned)strtoul(at + strlen("bench.iterations="), NULL, 10) : DEFAULT_ITERATIONS;
}

static void power_off(void)
{
    sync();
    reboot(RB_POWER_OFF);
    die("reboot(RB_POWER_OFF)"); /* PID 1 exits: the kernel panics, panic=-1 reboots, QEMU stops */
    _exit(1);
}

int main(int argc, char **argv)
{
    uint64_t started = rdtsc(); /* process_create's end point: first thing in main */
    if (argc == 3 && strcmp(argv[1], "--child") == 0) {
        int fd = atoi(argv[2]);
        return write(fd, &started, sizeof started) == sizeof started ? 0 : 1;
    }
    if (argc == 3 && strcmp(argv[1], "--initramfs") == 0)
        return write_initramfs(argv[2]);

    int init = getpid() == 1;
    unsigned n = 0;
    if (argc == 3 && strcmp(argv[1], "--iterations") == 0)
        n = (unsigned)strtoul(argv[2], NULL, 10);
    else if (argc != 1) {
        fprintf(stderr, "usage: bench [--iterations N] | bench --initramfs OUT\n");
        return 64;
    }
    if (init) {
        mkdir("/proc", 0755);
        if (mount("proc", "/proc", "proc", 0, NULL) != 0)
            die("mounting /proc");
    }
    if (n == 0)
        n = iterations_from_cmdline();
    if (n == 0)
        n = 1;
    if (n > MAX_ITERATIONS)
        n = MAX_ITERATIONS;
    ssize_t len = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
    if (len <= 0)
        strcpy(self_path, init ? "/init" : argv[0]);
    else
        self_path[len] = 0;
    samples = malloc(sizeof samples[0] * (n > 1000 ? n : 1000));
    if (!samples) {
        die("malloc");
        if (init)
            power_off();
        return 1;
    }
    memset(samples, 0, sizeof samples[0] * (n > 1000 ? n : 1000)); /* no page faults while timing */

    overhead = timer_overhead();
    say("bench: start system=linux tsc_hz=%llu timer_overhead=%llu\n", (unsigned long long)tsc_hz_from_cpuinfo(),
        (unsigned long long)overhead);
    for (unsigned i = 0; i < sizeof benchmarks / sizeof benchmarks[0]; i++) {
        unsigned got = benchmarks[i].run(n);
        if (got == 0) {
            say("bench: %s failed\n", benchmarks[i].name);
            continue;
        }
        report(benchmarks[i].name, got);
    }
    say("bench: done\n");
    if (init)
        power_off();
    return 0;
}
