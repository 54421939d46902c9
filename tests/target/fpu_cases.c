/*
 * FPU/SIMD state per thread (docs/threads-and-devices.md, "FPU and SIMD
 * state"): the suite and the test child, in different processes, keep their
 * own x87, MMX, XMM (YMM with AVX), FCW and MXCSR values across many switches
 * and never see each other's; a new thread starts in the architectural
 * initial state, never with another thread's registers; code compiled with
 * SSE runs (fpu_sse.c); an x87 exception from user mode is a fault message
 * like any other fault. (SIMD exceptions, #XM, take the same path, but QEMU
 * 7.2's TCG never raises them: an unmasked SSE divide by zero just completes.)
 *
 * This file is built without SSE code generation (as all user code by
 * default), so only the inline assembly of fpu_regs.h touches the registers.
 */
#include "tests/target/cases.h"
#include "tests/target/captest.h"
#include "tests/target/fpu_regs.h"
#include "tests/target/tthread.h"
#include "tests/child/child.h"
#include "user/lib/ipc.h"
#include "user/lib/process.h"
#include "user/lib/tcb.h"
#include "user/lib/vspace.h"
#include "lib/string.h"

#define S(n) scratch_slot(n)
#define UT_BITS 20                /* 1 MiB: a child process, or threads and an endpoint */
#define PROC_FIRST (S(63) + 1)    /* the child's slots lie above the scratch slots */
#define PROC_SLOTS 200
#define SHARED S(1)
#define EP S(2)
#define PRIORITY 128              /* the root task's: the child and threads take turns with it */
#define SHARED_ROOT_ADDR 0x381000ull /* as process_cases.c: in the root's stack page table */
#define ROUNDS 40                 /* even rounds check x87, odd ones MMX; every round the vectors */
#define RW (BST_RIGHT_READ | BST_RIGHT_WRITE)
#define VECTOR_X87_ERROR 16       /* #MF */

const char *fpu_sse_arithmetic(void); /* fpu_sse.c */

static struct tthread thread;
static volatile uint64_t thread_done;

static bst_cptr_t tcb_slot(void) { return S(10); }

static uint64_t start_thread_from(bst_cptr_t ut, void (*entry)(uint64_t), bst_cptr_t fault_ep)
{
    thread_done = 0;
    return tthread_start(&thread, 0, ut, tcb_slot(), S(11), entry, 0, PRIORITY, fault_ep);
}

static uint64_t start_thread(void (*entry)(uint64_t), bst_cptr_t fault_ep)
{
    return start_thread_from(S(0), entry, fault_ep);
}

static void __attribute__((noreturn)) park(void)
{
    bst_tcb_suspend(tcb_slot());
    for (;;)
        bst_yield();
}

/* Yields until the thread says it is done (it runs at our priority). */
static bool wait_for_thread(void)
{
    for (unsigned i = 0; i < 1000 && !thread_done; i++)
        bst_yield();
    return thread_done;
}

/* ---- two processes */

static struct bst_process proc;

static volatile struct fpu_child_report *child_report(void)
{
    return (volatile struct fpu_child_report *)(SHARED_ROOT_ADDR + FPU_REPORT_OFFSET);
}

static uint64_t spawn_fpu_child(void)
{
    const struct bst_boot_module *m = bst_boot_module(CHILD_MODULE);
    if (!m)
        return BST_E_INVALID_ARG;
    uint64_t e;
    if ((e = bst_untyped_retype(S(0), BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, SHARED, 1)) != BST_OK ||
        (e = bst_frame_map(SHARED, BST_CAP_ROOT_VSPACE, SHARED_ROOT_ADDR, RW, BST_CACHE_WRITE_BACK)) != BST_OK)
        return e;
    memset((void *)child_report(), 0, sizeof(struct fpu_child_report));
    struct bst_spawn_frame shared = {SHARED, CHILD_SHARED_ADDR, RW};
    struct bst_spawn p = {
        .image = (const void *)m->user_addr, .image_size = m->size, .untyped = S(0),
        .asid_pool = BST_CAP_ROOT_ASID_POOL, .cnode = ROOT,
        .first_slot = PROC_FIRST, .slot_count = PROC_SLOTS,
        .vspace = BST_CAP_ROOT_VSPACE, .scratch_vaddr = BST_SPAWN_ROOT_SCRATCH,
        .authority = BST_CAP_ROOT_TCB, .priority = PRIORITY, .start_arg = CHILD_ARG(CHILD_FPU, ROUNDS),
        .frames = &shared, .frame_count = 1,
    };
    memset(&proc, 0, sizeof(proc));
    return bst_process_spawn(&p, &proc);
}

/* Our half of the rounds; counts the yields during which the child ran. */
static unsigned root_rounds(bool avx, struct fpu_verdict *v)
{
    volatile struct fpu_child_report *rep = child_report();
    struct fpu_image want, got;
    unsigned interleaved = 0;
    for (unsigned r = 0; r < ROUNDS; r++) {
        fpu_pattern(&want, FPU_PARTY_ROOT, r);
        memset(&got, 0, sizeof(got));
        fpu_load_round(&want, r, avx);
        for (unsigned k = 0; k < FPU_YIELDS_PER_ROUND; k++) {
            uint64_t before = rep->ticks;
            bst_yield();
            interleaved += rep->ticks != before;
        }
        fpu_read_round(&got, r, avx);
        fpu_compare(&want, &got, r, avx, FPU_PARTY_CHILD, v);
    }
    return interleaved;
}

static const char *two_processes_keep_their_own_registers(void)
{
    bool avx = fpu_has_avx();
    const char *why = 0;
    if (!scratch_untyped(UT_BITS) || spawn_fpu_child() != BST_OK) {
        why = "cannot spawn the test child";
    } else {
        struct fpu_verdict v = {0, 0};
        unsigned interleaved = root_rounds(avx, &v);
        volatile struct fpu_child_report *rep = child_report();
        for (unsigned i = 0; i < 1000 && !rep->finished; i++)
            bst_yield();
        if (v.foreign || rep->foreign)
            why = "one process saw the other's FPU/SIMD values";
        else if (v.wrong || rep->wrong)
            why = "FPU/SIMD values changed across a switch";
        else if (!rep->finished || rep->rounds_done != ROUNDS)
            why = "the child did not finish its rounds";
        else if (rep->avx != avx)
            why = "the child and the root disagree on AVX";
        else if (interleaved < ROUNDS * FPU_YIELDS_PER_ROUND / 2)
            why = "the child did not run between the root's yields";
    }
    fpu_reset_own();
    bst_process_destroy(&proc);
    bst_frame_unmap(SHARED);
    scratch_reset();
    return why;
}

/* ---- a new thread's state */

static struct fpu_image fresh; /* what the new thread found */
static uint16_t fresh_fsw, fresh_ftw;

static void read_fresh_state(uint64_t unused)
{
    (void)unused;
    uint16_t env[14]; /* FNSTENV, 32-bit protected-mode layout: FCW, FSW, FTW at words 0, 2, 4 */
    fpu_read_vec(&fresh, fpu_has_avx());
    fpu_read_mxcsr(&fresh);
    __asm__ volatile("fnstenv %0" : "=m"(env));
    fresh.fcw = env[0];
    fresh_fsw = env[2];
    fresh_ftw = env[4];
    thread_done = 1;
    park();
}

CASE_WITH_SCRATCH(new_thread_starts_in_initial_state)
{
    bool avx = fpu_has_avx();
    struct fpu_image dirty, back;
    fpu_pattern(&dirty, FPU_PARTY_ROOT, 7);
    memset(&fresh, 0xa5, sizeof(fresh));
    memset(&back, 0, sizeof(back));
    /* Our registers hold non-initial values while the thread is made and runs. */
    fpu_load_round(&dirty, 0, avx);
    CHECK(start_thread(read_fresh_state, 0) == BST_OK);
    bool ran = wait_for_thread();
    fpu_read_round(&back, 0, avx);
    struct fpu_verdict v = {0, 0};
    fpu_compare(&dirty, &back, 0, avx, 0, &v);
    fpu_reset_own();
    tthread_stop(&thread);
    CHECK(ran);
    CHECK(fresh.fcw == 0x037f && fresh_fsw == 0 && fresh_ftw == 0xffff); /* x87: masked, empty */
    CHECK(fresh.mxcsr == 0x1f80);
    for (unsigned i = 0; i < FPU_VEC_REGS; i++) {
        for (unsigned k = 0; k < (avx ? 4u : 2u); k++)
            CHECK(fresh.vec[i][k] == 0);
    }
    CHECK(v.wrong == 0); /* and ours came back */
    return 0;
}

/* ---- a thread that dies while its state is in the registers */

#define DYING_UT S(20) /* 8 KiB: the TCB at offset 0, its exchange frame at 4 KiB */

static void load_and_delete_self(uint64_t unused)
{
    (void)unused;
    struct fpu_image img;
    fpu_pattern(&img, FPU_PARTY_CHILD, 5);
    fpu_load_round(&img, 0, fpu_has_avx());
    thread_done = 1;
    bst_cnode_delete(ROOT, tcb_slot(), ROOT_DEPTH); /* its last cap: it dies owning the FPU */
    for (;;)
        bst_yield(); /* not reached */
}

CASE_WITH_SCRATCH(thread_dying_with_fpu_state_leaves_nothing)
{
    bool avx = fpu_has_avx();
    CHECK(bst_untyped_retype(S(0), BST_OBJ_UNTYPED, 13, ROOT, 0, 0, DYING_UT, 1) == BST_OK);
    CHECK(start_thread_from(DYING_UT, load_and_delete_self, 0) == BST_OK);
    CHECK(wait_for_thread());
    CHECK(cap_info(tcb_slot()).type == BST_OBJ_NULL);
    tthread_stop(&thread);
    /* Its memory becomes a new TCB at the same address, which must start clean. */
    CHECK(bst_cnode_revoke(ROOT, DYING_UT, ROOT_DEPTH) == BST_OK);
    memset(&fresh, 0xa5, sizeof(fresh));
    CHECK(start_thread_from(DYING_UT, read_fresh_state, 0) == BST_OK);
    CHECK(wait_for_thread());
    tthread_stop(&thread);
    CHECK(fresh.fcw == 0x037f && fresh_fsw == 0 && fresh_ftw == 0xffff && fresh.mxcsr == 0x1f80);
    for (unsigned i = 0; i < FPU_VEC_REGS; i++) {
        for (unsigned k = 0; k < (avx ? 4u : 2u); k++)
            CHECK(fresh.vec[i][k] == 0);
    }
    return 0;
}

/* ---- code compiled with SSE */

static const char *sse_compiled_code_runs(void) { return fpu_sse_arithmetic(); }

/* ---- FP exceptions are user faults (trap.c: every exception from user mode is) */

static void x87_divide_by_zero(uint64_t unused)
{
    (void)unused;
    uint16_t fcw = 0x037f & ~(1u << 2); /* zero-divide unmasked */
    __asm__ volatile("fninit\n fldcw %0\n fldz\n fld1\n fdiv %%st(1), %%st" ::"m"(fcw)); /* 1 / 0 */
    __asm__ volatile("fwait"); /* the pending x87 error is raised here (#MF) */
    thread_done = 1;
    __asm__ volatile("ud2");
}

/* The thread's FP error reaches its fault endpoint as a fault message with its vector. */
static const char *fp_error_is_fault_message(void (*entry)(uint64_t), uint64_t vector)
{
    CHECK(bst_untyped_retype(S(0), BST_OBJ_ENDPOINT, 0, ROOT, 0, 0, EP, 1) == BST_OK);
    CHECK(start_thread(entry, EP) == BST_OK);
    struct bst_msg m;
    CHECK(bst_recv(EP, &m) == BST_OK);
    CHECK(bst_msginfo_label(m.info) == BST_FAULT_OTHER);
    CHECK(m.words[BST_FAULT_WORD_VECTOR] == vector);
    CHECK(thread_done == 0);
    uint64_t w[4] = {0, 0, 0, 0};
    CHECK(bst_reply(bst_msginfo(BST_FAULT_REPLY_STOP, 0, 0), w) == BST_OK);
    tthread_stop(&thread);
    return 0;
}

CASE_WITH_SCRATCH(x87_exception_is_a_fault_message)
{
    return fp_error_is_fault_message(x87_divide_by_zero, VECTOR_X87_ERROR);
}

const struct test_case fpu_cases[] = {
    {"fpu: code compiled with SSE runs", sse_compiled_code_runs},
    {"fpu: a new thread starts in the initial FPU state", new_thread_starts_in_initial_state},
    {"fpu: two processes never see each other's x87/MMX/XMM/YMM", two_processes_keep_their_own_registers},
    {"fpu: a thread dying with its state loaded leaves nothing behind", thread_dying_with_fpu_state_leaves_nothing},
    {"fpu: an x87 exception (#MF) is a fault message", x87_exception_is_a_fault_message},
};
const unsigned fpu_case_count = sizeof(fpu_cases) / sizeof(fpu_cases[0]);
