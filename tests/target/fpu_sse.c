/*
 * The one user file compiled with SSE code generation (its own flags in the
 * Makefile): real float and double arithmetic, scalar and vectorised, with
 * results checked bit for bit. Inputs are volatile so the compiler cannot
 * fold the arithmetic away at compile time: the SSE instructions really run.
 */
#include "tests/target/harness.h"

#define N 64

static volatile double v_tenth = 0.1, v_fifth = 0.2, v_one = 1.0, v_three = 3.0, v_two = 2.0;
static volatile double v_huge = 1e308, v_sixteen = 16.0, v_neg = -7.9;
static volatile float v_step = 1.5f;
static float a[N], b[N];

static uint64_t bits_of(double d)
{
    uint64_t u;
    __builtin_memcpy(&u, &d, sizeof(u));
    return u;
}

/* Every element goes through the same (vectorisable) loop. */
static float scale_and_sum(float step)
{
    for (int i = 0; i < N; i++)
        a[i] = (float)i * step;
    for (int i = 0; i < N; i++)
        b[i] = a[i] * 2.0f + 1.0f;
    float sum = 0.0f;
    for (int i = 0; i < N; i++)
        sum += b[i];
    return sum;
}

const char *fpu_sse_arithmetic(void)
{
    CHECK(bits_of(v_tenth + v_fifth) == 0x3fd3333333333334ull); /* 0.30000000000000004 */
    CHECK(bits_of(v_one / v_three) == 0x3fd5555555555555ull);
    CHECK(v_one / v_three * v_three == 1.0);
    double r = __builtin_sqrt(v_two);
    CHECK(bits_of(r) == 0x3ff6a09e667f3bcdull); /* correctly rounded sqrt(2) */
    CHECK(__builtin_sqrt(v_sixteen) == 4.0);
    CHECK((long)v_neg == -7 && (int)(v_tenth * 79.0) == 7);
    double inf = v_huge * 10.0; /* overflow is masked: +infinity, no trap */
    CHECK(inf > v_huge && inf - inf != inf - inf); /* inf - inf is a NaN */
    CHECK(scale_and_sum(v_step) == 6112.0f); /* sum of 3i + 1 for i < 64, exact in float */
    double acc = 0.0;
    for (int i = 1; i <= 100; i++)
        acc += (double)i * 0.5 * v_one;
    CHECK(acc == 2525.0);
    uint32_t mxcsr;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    CHECK((mxcsr & ~0x3fu) == 0x1f80); /* masks and rounding as at thread start; only flags set */
    return 0;
}
