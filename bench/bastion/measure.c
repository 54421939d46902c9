#include "bench/bastion/measure.h"

static void sift_down(uint64_t *a, unsigned start, unsigned end)
{
    unsigned root = start;
    while (2 * root + 1 < end) {
        unsigned child = 2 * root + 1;
        if (child + 1 < end && a[child] < a[child + 1])
            child++;
        if (a[root] >= a[child])
            return;
        uint64_t t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

/* Heap sort: O(n log n), no allocation, fine for 100k samples. */
static void sort_samples(uint64_t *a, unsigned n)
{
    for (unsigned i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (unsigned end = n; end-- > 1;) {
        uint64_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

struct bench_summary bench_summarise(uint64_t *samples, unsigned n)
{
    sort_samples(samples, n);
    return (struct bench_summary){
        .median = samples[n / 2],
        .p10 = samples[n / 10],
        .p90 = samples[(uint64_t)n * 9 / 10],
        .iterations = n,
    };
}

void bench_report(const char *name, const struct bench_summary *s)
{
    bst_printf("bench: name=%s median=%llu p10=%llu p90=%llu iterations=%llu\n", name,
               (unsigned long long)s->median, (unsigned long long)s->p10,
               (unsigned long long)s->p90, (unsigned long long)s->iterations);
}

uint64_t bench_timer_overhead(void)
{
    static uint64_t samples[1000];
    for (unsigned i = 0; i < 1000; i++) {
        uint64_t t0 = bst_rdtsc();
        samples[i] = bst_rdtsc() - t0;
    }
    return bench_summarise(samples, 1000).median;
}
