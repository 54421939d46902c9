/*
 * The hostile fuzzer: an untrusted root task that builds a CSpace holding
 * every object type, then issues seeded random system calls and invocations
 * with arguments biased to interesting values, while worker threads in a
 * CSpace of their own do the same and fault in every way, and a fault handler
 * thread resumes, stops or rewrites them. The kernel's invariant checker runs
 * every few calls. Everything is deterministic for a seed (no preemption
 * decides anything: threads switch only at system calls and faults), so a
 * failure is replayed by booting the same command line again.
 *
 * Command line (kernel command line, read from bootinfo):
 *   fuzz.seed=S       PRNG seed (default 1)
 *   fuzz.calls=N      system calls the root task makes (default 100000)
 *   fuzz.check=K      run the invariant checker every K calls (default 1000)
 *   fuzz.reset=R      rebuild the whole set-up every R calls (default 20000)
 *   fuzz.trace=T      print every call from call T on (replaying a failure)
 *   fuzz.flags=LIST   comma-separated extras that reach the kernel's known
 *                     holes of issue 9; "all" enables every one:
 *       df        set DF and AC before system calls
 *       wild      thread registers may point anywhere, also into our own
 *                 code (a tight loop there needs preemption)
 *       unprotect the root task's own CSpace root, TCB, exchange frame and
 *                 fault handler are fair game for delete, revoke, suspend...
 *       fpu       workers keep an x87 canary across a Yield: another
 *                 thread's FPU state must never show through
 *       spin      a worker sometimes spins without a system call (only
 *                 preemption lets the others run again)
 *       stale     the workers' exchange frames come from an untyped the
 *                 calls revoke and retype: a thread may outlive its frame
 *     "all" is df,wild,fpu,spin,stale.
 */
#ifndef BASTION_FUZZ_H
#define BASTION_FUZZ_H

#include "user/lib/invoke.h"
#include <bastion/tcb.h>

#define FUZZ_WORKERS 4
#define FUZZ_ARENA_SLOTS 160 /* root CNode slots the fuzzer may fill and empty */
#define FUZZ_WORKER_RADIX 6  /* the workers' own CNode */

#define FLAG_DF (1u << 0)
#define FLAG_WILD (1u << 1)
#define FLAG_UNPROTECT (1u << 2)
#define FLAG_FPU (1u << 3)
#define FLAG_SPIN (1u << 4)
#define FLAG_STALE (1u << 5)

/* ---- deterministic PRNG: splitmix64 */
struct rng {
    uint64_t state;
};
static inline uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
/* Uniform in [0, n), n > 0 (the bias of the modulo does not matter here). */
static inline uint64_t rng_below(struct rng *r, uint64_t n) { return rng_next(r) % n; }
static inline bool rng_chance(struct rng *r, unsigned percent) { return rng_below(r, 100) < percent; }

/* ---- one system call with every argument register */
struct fuzz_call {
    uint64_t number, rdi, rsi, rdx, r10, r8, r9; /* in */
    uint64_t rax, out_rdi, out_rsi, out_rdx;     /* out: error, badge, info, word 0 */
};

static inline void fuzz_syscall(struct fuzz_call *c)
{
    register uint64_t rax __asm__("rax") = c->number;
    register uint64_t rdi __asm__("rdi") = c->rdi;
    register uint64_t rsi __asm__("rsi") = c->rsi;
    register uint64_t rdx __asm__("rdx") = c->rdx;
    register uint64_t r10 __asm__("r10") = c->r10;
    register uint64_t r8 __asm__("r8") = c->r8;
    register uint64_t r9 __asm__("r9") = c->r9;
    __asm__ volatile("syscall"
                     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    c->rax = rax;
    c->out_rdi = rdi;
    c->out_rsi = rsi;
    c->out_rdx = rdx;
}

/* The same with DF and AC set on entry (flag df): the kernel must clear both. */
void fuzz_syscall_df_ac(struct fuzz_call *c);

/* ---- interesting values (gen.c) */
struct fuzz_env {
    uint64_t code_start, code_end; /* our text: no wild thread may land there unless "wild" */
    bst_cptr_t arena_first;        /* root CNode slots [arena_first, +FUZZ_ARENA_SLOTS) */
    unsigned flags;
};
extern struct fuzz_env fuzz_env;

uint64_t gen_word(struct rng *r);         /* 0, 1, -1, 2^k, 2^k+-1, addresses of every kind... */
uint64_t gen_address(struct rng *r);      /* user, kernel, non-canonical, boundary addresses */
uint64_t gen_depth(struct rng *r);        /* mostly 64, sometimes anything */
uint64_t gen_hostile_ip(struct rng *r);   /* where a thread may be sent: never our own code unless wild */
/* A cptr in a CSpace of 2^radix slots guarded to 64 bits: valid slots biased, slot 0, out of range, random. */
uint64_t gen_cptr(struct rng *r, uint64_t first_busy, uint64_t busy_count, unsigned radix);

/* ---- threads (threads.c) */
struct worker {
    unsigned id;
    struct rng rng;
    struct bst_exchange *exchange;
    uint64_t stack_top;
    uint64_t actions; /* system calls and faults made */
};
extern struct worker fuzz_workers[FUZZ_WORKERS];
extern volatile uint64_t fuzz_fpu_leaks; /* x87 canaries that came back changed (flag fpu) */
void worker_entry(uint64_t id) __attribute__((noreturn));
uint64_t worker_stack_top(unsigned id);

/* The fault handler thread: receives every worker's faults (badge = worker id + 1). */
struct fault_handler {
    struct rng rng;
    struct bst_exchange *exchange;
    bst_cptr_t endpoint;                   /* in the root CSpace */
    bst_cptr_t worker_tcb[FUZZ_WORKERS];   /* in the root CSpace */
    uint64_t faults, resumed, stopped, rewritten, restarted;
};
extern struct fault_handler fuzz_handler;
void fault_handler_entry(uint64_t unused) __attribute__((noreturn));
uint64_t fault_handler_stack_top(void);

/* A worker's registers for a clean (re)start. */
void worker_start_registers(unsigned id, uint64_t regs[BST_REG_RDI + 1]);

#endif
