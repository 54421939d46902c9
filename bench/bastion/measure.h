/*
 * Benchmark measurement: rdtsc deltas around one operation, repeated, sorted,
 * and summarised as median, p10 and p90. Under QEMU's -icount the TSC counts
 * instructions, so the unit is "icount"; under hardware virtualization, cycles.
 */
#ifndef BASTION_BENCH_MEASURE_H
#define BASTION_BENCH_MEASURE_H

#include "user/lib/bastion.h"

#define BENCH_MAX_SAMPLES 100000u

struct bench_summary {
    uint64_t median, p10, p90, iterations;
};

/* Sorts samples[0..n) in place and summarises them. */
struct bench_summary bench_summarise(uint64_t *samples, unsigned n);

/* Prints one machine-readable result line, parsed by tools/bench. */
void bench_report(const char *name, const struct bench_summary *s);

/* The cost of an empty rdtsc pair, subtracted from every sample. */
uint64_t bench_timer_overhead(void);

#endif
