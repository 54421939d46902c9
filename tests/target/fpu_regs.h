/*
 * Loading and reading back the FPU/SIMD registers for the FPU isolation tests
 * (tests/target/fpu_cases.c and the test child, tests/child/fpu.c). Both are
 * built without SSE code generation, so the compiler itself never uses these
 * registers: values put there by fpu_load survive until fpu_read unless the
 * kernel lets something else change them.
 *
 * A pattern encodes its owner (party 1: the root task, party 2: the child) and
 * the round, so a value that came from the other party is recognised.
 * x87 and MMX share registers: even rounds load the x87 stack, odd rounds MMX.
 */
#ifndef BASTION_TEST_FPU_REGS_H
#define BASTION_TEST_FPU_REGS_H

#include <bastion/types.h>

#define FPU_VEC_REGS 16
#define FPU_PARTY_ROOT 1u
#define FPU_PARTY_CHILD 2u

struct fpu_image {
    uint64_t stack[8];                    /* x87: integers, stack[0] pushed first */
    uint64_t mmx[8];
    uint64_t vec[FPU_VEC_REGS][4];        /* ymm0-15; xmm is the low two words */
    uint32_t fcw, mxcsr;
};

static inline bool fpu_has_avx(void)
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    if (!(c & (1u << 27)) || !(c & (1u << 28))) /* OSXSAVE and AVX */
        return false;
    __asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
    return (a & 6) == 6; /* the kernel saves SSE and AVX state */
}

/* The pattern of party p in round r; FCW and MXCSR differ per party and from the initial state. */
static inline void fpu_pattern(struct fpu_image *img, unsigned party, unsigned round)
{
    for (unsigned i = 0; i < 8; i++) {
        img->stack[i] = party * 1000000u + round * 100u + i; /* exact in any precision */
        img->mmx[i] = (uint64_t)party << 56 | (uint64_t)round << 16 | 0x100 | i;
    }
    for (unsigned i = 0; i < FPU_VEC_REGS; i++) {
        for (unsigned w = 0; w < 4; w++)
            img->vec[i][w] = (uint64_t)party << 56 | (uint64_t)round << 16 | 0x200 | i << 4 | w;
    }
    img->fcw = party == FPU_PARTY_ROOT ? 0x077f : 0x0b7f;     /* rounding down / up, all masked */
    img->mxcsr = party == FPU_PARTY_ROOT ? 0x3f80 : 0x5f80;   /* rounding down / up, all masked */
}

/* The party a value's pattern names (0: none). */
static inline unsigned fpu_party_of_word(uint64_t v) { return (unsigned)(v >> 56); }
static inline unsigned fpu_party_of_stack(uint64_t v) { return (unsigned)(v / 1000000u); }

static inline void fpu_load_vec(const struct fpu_image *img, bool avx)
{
#define LOAD_SSE(n) __asm__ volatile("movdqu %0, %%xmm" #n ::"m"(img->vec[n][0]))
#define LOAD_AVX(n) __asm__ volatile("vmovdqu %0, %%ymm" #n ::"m"(img->vec[n][0]))
    if (avx) {
        LOAD_AVX(0); LOAD_AVX(1); LOAD_AVX(2); LOAD_AVX(3); LOAD_AVX(4); LOAD_AVX(5); LOAD_AVX(6); LOAD_AVX(7);
        LOAD_AVX(8); LOAD_AVX(9); LOAD_AVX(10); LOAD_AVX(11); LOAD_AVX(12); LOAD_AVX(13); LOAD_AVX(14); LOAD_AVX(15);
    } else {
        LOAD_SSE(0); LOAD_SSE(1); LOAD_SSE(2); LOAD_SSE(3); LOAD_SSE(4); LOAD_SSE(5); LOAD_SSE(6); LOAD_SSE(7);
        LOAD_SSE(8); LOAD_SSE(9); LOAD_SSE(10); LOAD_SSE(11); LOAD_SSE(12); LOAD_SSE(13); LOAD_SSE(14); LOAD_SSE(15);
    }
#undef LOAD_SSE
#undef LOAD_AVX
}

static inline void fpu_read_vec(struct fpu_image *img, bool avx)
{
#define READ_SSE(n) __asm__ volatile("movdqu %%xmm" #n ", %0" : "=m"(img->vec[n][0]))
#define READ_AVX(n) __asm__ volatile("vmovdqu %%ymm" #n ", %0" : "=m"(img->vec[n][0]))
    if (avx) {
        READ_AVX(0); READ_AVX(1); READ_AVX(2); READ_AVX(3); READ_AVX(4); READ_AVX(5); READ_AVX(6); READ_AVX(7);
        READ_AVX(8); READ_AVX(9); READ_AVX(10); READ_AVX(11); READ_AVX(12); READ_AVX(13); READ_AVX(14); READ_AVX(15);
    } else {
        READ_SSE(0); READ_SSE(1); READ_SSE(2); READ_SSE(3); READ_SSE(4); READ_SSE(5); READ_SSE(6); READ_SSE(7);
        READ_SSE(8); READ_SSE(9); READ_SSE(10); READ_SSE(11); READ_SSE(12); READ_SSE(13); READ_SSE(14); READ_SSE(15);
    }
#undef READ_SSE
#undef READ_AVX
}

/* Fills the x87 stack (8 pushes), or the MMX registers, and sets FCW. */
static inline void fpu_load_x87(const struct fpu_image *img)
{
    __asm__ volatile("fninit\n fldcw %0" ::"m"(img->fcw));
    for (unsigned i = 0; i < 8; i++)
        __asm__ volatile("fildll %0" ::"m"(img->stack[i]));
}

static inline void fpu_read_x87(struct fpu_image *img)
{
    for (unsigned i = 8; i-- > 0;)
        __asm__ volatile("fistpll %0" : "=m"(img->stack[i]));
    __asm__ volatile("fnstcw %0" : "=m"(img->fcw));
}

static inline void fpu_load_mmx(const struct fpu_image *img)
{
    __asm__ volatile("fninit\n fldcw %0" ::"m"(img->fcw));
    __asm__ volatile("movq %0, %%mm0\n movq %1, %%mm1\n movq %2, %%mm2\n movq %3, %%mm3\n"
                     "movq %4, %%mm4\n movq %5, %%mm5\n movq %6, %%mm6\n movq %7, %%mm7"
                     ::"m"(img->mmx[0]), "m"(img->mmx[1]), "m"(img->mmx[2]), "m"(img->mmx[3]),
                       "m"(img->mmx[4]), "m"(img->mmx[5]), "m"(img->mmx[6]), "m"(img->mmx[7]));
}

/* Reads MMX back, then EMMS so the x87 stack is usable again. */
static inline void fpu_read_mmx(struct fpu_image *img)
{
    __asm__ volatile("movq %%mm0, %0\n movq %%mm1, %1\n movq %%mm2, %2\n movq %%mm3, %3\n"
                     "movq %%mm4, %4\n movq %%mm5, %5\n movq %%mm6, %6\n movq %%mm7, %7"
                     : "=m"(img->mmx[0]), "=m"(img->mmx[1]), "=m"(img->mmx[2]), "=m"(img->mmx[3]),
                       "=m"(img->mmx[4]), "=m"(img->mmx[5]), "=m"(img->mmx[6]), "=m"(img->mmx[7]));
    __asm__ volatile("fnstcw %0\n emms" : "=m"(img->fcw));
}

static inline void fpu_load_mxcsr(const struct fpu_image *img) { __asm__ volatile("ldmxcsr %0" ::"m"(img->mxcsr)); }
static inline void fpu_read_mxcsr(struct fpu_image *img) { __asm__ volatile("stmxcsr %0" : "=m"(img->mxcsr)); }

/* Loads everything a round checks: x87 (even rounds) or MMX (odd), FCW, MXCSR, the vector registers. */
static inline void fpu_load_round(const struct fpu_image *img, unsigned round, bool avx)
{
    if (round % 2)
        fpu_load_mmx(img);
    else
        fpu_load_x87(img);
    fpu_load_mxcsr(img);
    fpu_load_vec(img, avx);
}

static inline void fpu_read_round(struct fpu_image *img, unsigned round, bool avx)
{
    fpu_read_vec(img, avx);
    fpu_read_mxcsr(img);
    if (round % 2)
        fpu_read_mmx(img);
    else
        fpu_read_x87(img);
}

/* Back to the initial x87 and MXCSR state, so later code computes as usual. */
static inline void fpu_reset_own(void)
{
    uint32_t mxcsr = 0x1f80;
    __asm__ volatile("fninit\n ldmxcsr %0" ::"m"(mxcsr));
}

/* What a round found: values not its own, and among them values that are the other party's. */
struct fpu_verdict {
    unsigned wrong, foreign;
};

static inline void fpu_compare(const struct fpu_image *want, const struct fpu_image *got, unsigned round,
                               bool avx, unsigned other, struct fpu_verdict *v)
{
    for (unsigned i = 0; i < 8; i++) {
        uint64_t w = round % 2 ? want->mmx[i] : want->stack[i], g = round % 2 ? got->mmx[i] : got->stack[i];
        if (w != g) {
            v->wrong++;
            v->foreign += (round % 2 ? fpu_party_of_word(g) : fpu_party_of_stack(g)) == other;
        }
    }
    for (unsigned i = 0; i < FPU_VEC_REGS; i++) {
        for (unsigned k = 0; k < (avx ? 4u : 2u); k++) {
            if (want->vec[i][k] != got->vec[i][k]) {
                v->wrong++;
                v->foreign += fpu_party_of_word(got->vec[i][k]) == other;
            }
        }
    }
    if ((want->fcw & 0xffff) != (got->fcw & 0xffff) || want->mxcsr != got->mxcsr)
        v->wrong++;
}

/*
 * What the test child reports in FPU mode (CHILD_FPU), at this offset in the
 * frame it shares with the suite. ticks counts its yields, so the suite can
 * tell that the child really ran between two of its own.
 */
#define FPU_REPORT_OFFSET 2048
#define FPU_YIELDS_PER_ROUND 3
struct fpu_child_report {
    uint64_t ticks, rounds_done, wrong, foreign, avx, finished;
};

#endif
