/*
 * The test child's FPU mode (CHILD_FPU, tests/target/fpu_cases.c): round
 * after round it loads its own x87 or MMX, XMM (YMM with AVX), FCW and MXCSR
 * values, yields to the suite (which does the same with its own values), and
 * checks that what it reads back is still its own.
 */
#include "tests/child/child.h"
#include "tests/target/fpu_regs.h"
#include "user/lib/ipc.h"
#include "lib/string.h"

void child_fpu(uint64_t rounds)
{
    volatile struct fpu_child_report *rep =
        (volatile struct fpu_child_report *)(CHILD_SHARED_ADDR + FPU_REPORT_OFFSET);
    bool avx = fpu_has_avx();
    struct fpu_image want, got;
    struct fpu_verdict v = {0, 0};
    rep->avx = avx;
    for (unsigned r = 0; r < rounds; r++) {
        fpu_pattern(&want, FPU_PARTY_CHILD, r);
        memset(&got, 0, sizeof(got));
        fpu_load_round(&want, r, avx);
        for (unsigned k = 0; k < FPU_YIELDS_PER_ROUND; k++) {
            bst_yield();
            rep->ticks++;
        }
        fpu_read_round(&got, r, avx);
        fpu_compare(&want, &got, r, avx, FPU_PARTY_ROOT, &v);
        rep->wrong = v.wrong;
        rep->foreign = v.foreign;
        rep->rounds_done = r + 1;
    }
    rep->finished = 1;
}
