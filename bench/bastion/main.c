/*
 * The Bastion benchmark image. Each benchmark runs its warm-up, then
 * `iterations` timed operations, and reports median, p10 and p90.
 * The iteration count comes from the kernel command line ("bench.iterations=N"),
 * so `make test` can boot this image with a tiny count and check its output.
 */
#include "bench/bastion/measure.h"
#include "lib/string.h"

#define DEFAULT_ITERATIONS 100000u
#define WARMUP_ITERATIONS 1000u

static uint64_t samples[BENCH_MAX_SAMPLES];
static uint64_t overhead;

static uint64_t adjusted(uint64_t delta) { return delta > overhead ? delta - overhead : 0; }

static unsigned null_syscall(unsigned n)
{
    for (unsigned i = 0; i < WARMUP_ITERATIONS; i++)
        bst_debug_null();
    for (unsigned i = 0; i < n; i++) {
        uint64_t t0 = bst_rdtsc();
        bst_debug_null();
        samples[i] = adjusted(bst_rdtsc() - t0);
    }
    return n;
}

/* The suite: later mechanisms add rows here without changing its shape. */
static const struct {
    const char *name;
    unsigned (*run)(unsigned iterations); /* fills samples[], returns how many */
} benchmarks[] = {
    {"null_syscall", null_syscall},
};

static unsigned iterations_from_cmdline(void)
{
    const char *at = strstr_bounded(bst_bootinfo->cmdline, "bench.iterations=");
    if (!at)
        return DEFAULT_ITERATIONS;
    unsigned n = 0;
    for (at += strlen("bench.iterations="); *at >= '0' && *at <= '9'; at++)
        n = n * 10 + (unsigned)(*at - '0');
    return n == 0 ? 1 : n > BENCH_MAX_SAMPLES ? BENCH_MAX_SAMPLES : n;
}

int main(void)
{
    unsigned n = iterations_from_cmdline();
    overhead = bench_timer_overhead();
    bst_printf("bench: start system=bastion tsc_hz=%llu timer_overhead=%llu\n",
               (unsigned long long)bst_bootinfo->tsc_hz, (unsigned long long)overhead);
    for (unsigned i = 0; i < sizeof(benchmarks) / sizeof(benchmarks[0]); i++) {
        struct bench_summary s = bench_summarise(samples, benchmarks[i].run(n));
        bench_report(benchmarks[i].name, &s);
    }
    bst_printf("bench: done\n");
    return 0;
}
