/*
 * The hostile threads: workers that make random system calls in a CSpace of
 * their own and fault in every way a user thread can, and the fault handler
 * that receives their faults and answers each one at random (restart, stop,
 * resume as is, rewrite every register with hostile values, suspend without
 * a reply, or a garbage reply). None of them prints or touches the root
 * task's exchange frame: each uses its own.
 */
#include "tests/fuzz/fuzz.h"
#include <bastion/ipc.h>
#include <bastion/tcb.h>

#define STACK_BYTES 8192
static uint8_t stacks[FUZZ_WORKERS + 1][STACK_BYTES] __attribute__((aligned(4096)));

struct worker fuzz_workers[FUZZ_WORKERS];
volatile uint64_t fuzz_fpu_leaks;
struct fault_handler fuzz_handler;

uint64_t worker_stack_top(unsigned id) { return (uint64_t)(stacks[id] + STACK_BYTES - sizeof(uint64_t)); }
uint64_t fault_handler_stack_top(void) { return worker_stack_top(FUZZ_WORKERS); }

void worker_start_registers(unsigned id, uint64_t regs[BST_REG_RDI + 1])
{
    for (unsigned i = 0; i <= BST_REG_RDI; i++)
        regs[i] = 0;
    regs[BST_REG_RIP] = (uint64_t)worker_entry;
    regs[BST_REG_RSP] = worker_stack_top(id); /* as if called: keeps the ABI's alignment */
    regs[BST_REG_RFLAGS] = 0x202;
    regs[BST_REG_RDI] = id;
}

void fuzz_syscall_df_ac(struct fuzz_call *c)
{
    register uint64_t rax __asm__("rax") = c->number;
    register uint64_t rdi __asm__("rdi") = c->rdi;
    register uint64_t rsi __asm__("rsi") = c->rsi;
    register uint64_t rdx __asm__("rdx") = c->rdx;
    register uint64_t r10 __asm__("r10") = c->r10;
    register uint64_t r8 __asm__("r8") = c->r8;
    register uint64_t r9 __asm__("r9") = c->r9;
    /* Past the red zone: the compiler may keep locals below the stack pointer. */
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\tpushfq\n\torq $0x40000, (%%rsp)\n\tpopfq\n\tstd\n\t"
                     "syscall\n\t"
                     "cld\n\tpushfq\n\tandq $~0x40000, (%%rsp)\n\tpopfq\n\tlea 128(%%rsp), %%rsp"
                     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory", "cc");
    c->rax = rax;
    c->out_rdi = rdi;
    c->out_rsi = rsi;
    c->out_rdx = rdx;
}

/* ---- workers */

#define WORKER_BUSY_SLOTS 24 /* slots 1..23 of a worker's CNode hold caps (setup.c) */

static uint64_t worker_word(struct rng *r)
{
    switch (rng_below(r, 6)) {
    case 0: return 1 + rng_below(r, WORKER_BUSY_SLOTS - 1);
    case 1: return 64;
    default: return gen_word(r);
    }
}

static void worker_syscall(struct worker *w)
{
    static const uint64_t numbers[] = {
        BST_SYS_CALL,   BST_SYS_CALL,   BST_SYS_CALL,      BST_SYS_SEND,  BST_SYS_NBSEND, BST_SYS_RECV,
        BST_SYS_NBRECV, BST_SYS_REPLY,  BST_SYS_REPLYRECV, BST_SYS_YIELD, BST_SYS_SIGNAL, BST_SYS_WAIT,
        BST_SYS_POLL,   BST_SYS_XCALL,  BST_SYS_XRET,      BST_SYS_DEBUG_NULL, BST_SYS_DEBUG_CAP_INFO,
        BST_SYS_DEBUG_TICKS,
    };
    struct rng *r = &w->rng;
    struct bst_exchange *x = w->exchange;
    struct fuzz_call c;
    c.number = rng_chance(r, 92) ? numbers[rng_below(r, sizeof(numbers) / sizeof(numbers[0]))] : gen_word(r);
    /* Mostly the non-blocking forms: a blocked worker makes no calls until someone frees it. */
    if (rng_chance(r, 60)) {
        if (c.number == BST_SYS_SEND)
            c.number = BST_SYS_NBSEND;
        else if (c.number == BST_SYS_RECV)
            c.number = BST_SYS_NBRECV;
        else if (c.number == BST_SYS_WAIT)
            c.number = BST_SYS_POLL;
    }
    if (c.number == BST_SYS_DEBUG_PUTS)
        c.number = BST_SYS_DEBUG_NULL; /* garbage text floods the log */
    c.rdi = gen_cptr(r, 1, WORKER_BUSY_SLOTS - 1, FUZZ_WORKER_RADIX);
    uint64_t label = rng_chance(r, 85) ? 1 + rng_below(r, BST_INV_LABEL_COUNT - 1) : gen_word(r);
    c.rsi = rng_chance(r, 85) ? bst_msginfo(label, (unsigned)rng_below(r, 4), (unsigned)rng_below(r, 24))
                              : gen_word(r);
    c.rdx = worker_word(r);
    c.r10 = worker_word(r);
    c.r8 = worker_word(r);
    c.r9 = worker_word(r);
    unsigned words = bst_msginfo_length(c.rsi);
    for (unsigned i = BST_MSG_REGISTER_WORDS; i < words && i < BST_MSG_MAX_WORDS; i++)
        x->msg[i] = worker_word(r);
    for (unsigned i = 0; i < BST_MSG_MAX_CAPS; i++)
        x->caps[i] = gen_cptr(r, 1, WORKER_BUSY_SLOTS - 1, FUZZ_WORKER_RADIX);
    x->receive_root = rng_chance(r, 50) ? 0 : gen_cptr(r, 1, WORKER_BUSY_SLOTS - 1, FUZZ_WORKER_RADIX);
    x->receive_index = rng_chance(r, 80) ? WORKER_BUSY_SLOTS + rng_below(r, 64 - WORKER_BUSY_SLOTS) : gen_word(r);
    x->receive_depth = gen_depth(r);
    /* A thread sent into our own code could spin there forever: without preemption that is a hang. */
    if (!(fuzz_env.flags & FLAG_WILD) && bst_msginfo_label(c.rsi) == BST_TCB_WRITE_REGISTERS &&
        c.r8 >= fuzz_env.code_start && c.r8 < fuzz_env.code_end)
        c.r8 = gen_hostile_ip(r);
    if ((fuzz_env.flags & FLAG_DF) && rng_chance(r, 20))
        fuzz_syscall_df_ac(&c);
    else
        fuzz_syscall(&c);
}

/* An address no laundering can be seen through: the compiler must emit the access. */
static inline uint64_t launder(uint64_t v)
{
    __asm__ volatile("" : "+r"(v));
    return v;
}

static uint8_t data_code[16] = {0xc3}; /* ret, in a no-execute data page */

/* One fault of each kind a user thread can take. */
static void worker_fault(struct worker *w)
{
    struct rng *r = &w->rng;
    uint64_t a = launder(gen_address(r));
    switch (rng_below(r, 22)) {
    case 0: *(volatile uint64_t *)launder(0) = 1; break;                  /* null write */
    case 1: (void)*(volatile uint64_t *)a; break;                         /* read anywhere */
    case 2: *(volatile uint64_t *)a = a; break;                           /* write anywhere */
    case 3: *(volatile uint8_t *)launder((uint64_t)worker_fault) = 0xc3; break; /* write to code */
    case 4: ((void (*)(void))launder(0xffffffff80100000ull))(); break;    /* jump into the kernel */
    case 5: ((void (*)(void))launder(0x0000800000000000ull))(); break;    /* non-canonical jump */
    case 6: ((void (*)(void))gen_hostile_ip(r))(); break;                 /* jump anywhere */
    case 7: ((void (*)(void))launder((uint64_t)data_code))(); break;      /* execute data (W^X) */
    case 8: __asm__ volatile("ud2"); break;
    case 9: __asm__ volatile("xorl %%ecx, %%ecx\n\tdivl %%ecx" ::: "rax", "rcx", "rdx"); break; /* #DE */
    case 10: __asm__ volatile("int3"); break;
    case 11: __asm__ volatile(".byte 0xf1"); break;                       /* icebp: #DB */
    case 12: __asm__ volatile("int $0x80"); break;                        /* a gate user mode may not use */
    case 13: __asm__ volatile("cli\n\thlt"); break;                       /* privileged */
    case 14: __asm__ volatile("mov %%cr3, %%rax" ::: "rax"); break;
    case 15: __asm__ volatile("rdmsr" ::"c"(0xc0000082) : "rax", "rdx"); break;
    case 16: __asm__ volatile("outb %%al, $0x80\n\tinb $0x60, %%al" ::"a"(0)); break; /* ports, no permission */
    case 17: /* the stack runs into a guard page (or a kernel or non-canonical address: #SS) */
        __asm__ volatile("mov %%rsp, %%rbx\n\tmov %0, %%rsp\n\tpush %%rax\n\tmov %%rbx, %%rsp"
                         ::"r"(rng_chance(r, 50) ? 0x3f0000ull : a) : "rbx", "memory");
        break;
    case 18: /* a system call with a hostile stack pointer: the kernel must not use it */
    {
        uint64_t number = BST_SYS_DEBUG_NULL;
        __asm__ volatile("mov %%rsp, %%rbx\n\tmov %1, %%rsp\n\tsyscall\n\tmov %%rbx, %%rsp"
                         : "+a"(number) : "r"(a)
                         : "rbx", "rcx", "rdi", "rsi", "rdx", "r8", "r9", "r10", "r11", "memory");
        break;
    }
    case 19: /* iretq from user mode with a garbage frame */
        __asm__ volatile("push %0\n\tpush %0\n\tpush %0\n\tpush %0\n\tpush %0\n\tiretq" ::"r"(a) : "memory");
        break;
    case 20: /* the x87 and SSE units (their state must not leak between threads) */
        __asm__ volatile("fninit\n\tfld1\n\tfldpi\n\tfaddp\n\tpxor %%xmm0, %%xmm0\n\tfstp %%st(0)" ::: "memory");
        break;
    default: /* a far jump to the kernel's code segment */
        __asm__ volatile("pushq $0x08\n\tpushq %0\n\tlretq" ::"r"(a) : "memory");
        break;
    }
}

/*
 * An x87 value of our own kept across a Yield: if the kernel shares the FPU
 * between threads, another worker's canary shows through. (Only x87: the
 * kernel does not enable SSE for user mode, so SSE instructions fault.)
 */
static void worker_fpu_canary(struct worker *w)
{
    uint64_t mine = (uint64_t)(w->id + 1) << 32 | (w->actions & 0xffffffu), back = 0;
    __asm__ volatile("fninit\n\tfildq %0" ::"m"(mine));
    struct fuzz_call y = {.number = BST_SYS_YIELD};
    fuzz_syscall(&y);
    __asm__ volatile("fistpq %0" : "=m"(back));
    if (back != mine)
        fuzz_fpu_leaks++;
}

void worker_entry(uint64_t id)
{
    struct worker *w = &fuzz_workers[id % FUZZ_WORKERS];
    for (;;) {
        w->actions++;
        if ((fuzz_env.flags & FLAG_SPIN) && rng_chance(&w->rng, 1))
            for (;;)
                __asm__ volatile("pause"); /* no system call ever again: only preemption helps */
        if ((fuzz_env.flags & FLAG_FPU) && rng_chance(&w->rng, 20))
            worker_fpu_canary(w);
        else if (rng_chance(&w->rng, 8))
            worker_fault(w);
        else
            worker_syscall(w);
        struct fuzz_call y = {.number = BST_SYS_YIELD};
        fuzz_syscall(&y); /* no preemption: let the root task and the others run */
    }
}

/* ---- the fault handler */

static uint64_t handler_invoke(bst_cptr_t cap, uint64_t label, unsigned n, const uint64_t *words)
{
    struct bst_exchange *x = fuzz_handler.exchange;
    /* The root task's calls may have put an endpoint where the TCB was: a Call there would block us. */
    struct fuzz_call info = {.number = BST_SYS_DEBUG_CAP_INFO, .rdi = BST_CAP_MACHINE_CONTROL, .rsi = cap};
    fuzz_syscall(&info);
    if (info.rax != BST_OK || (info.out_rdx & 0xff) != BST_OBJ_TCB)
        return BST_E_WRONG_TYPE;
    for (unsigned i = BST_MSG_REGISTER_WORDS; i < n; i++)
        x->msg[i] = words[i];
    struct fuzz_call c = {BST_SYS_CALL, cap, bst_msginfo(label, 0, n), words[0], n > 1 ? words[1] : 0,
                          n > 2 ? words[2] : 0, n > 3 ? words[3] : 0, 0, 0, 0, 0};
    fuzz_syscall(&c);
    return c.rax;
}

static void handler_reply(uint64_t label, unsigned length, struct rng *r)
{
    struct fuzz_call c = {BST_SYS_REPLY, 0, bst_msginfo(label, 0, length), gen_word(r), gen_word(r),
                          gen_word(r), gen_word(r), 0, 0, 0, 0};
    fuzz_syscall(&c);
}

static void handle_fault(unsigned id, struct rng *r)
{
    struct fault_handler *h = &fuzz_handler;
    bst_cptr_t tcb = h->worker_tcb[id];
    uint64_t words[2 + BST_TCB_REGISTER_COUNT];
    switch (rng_below(r, 10)) {
    case 0: case 1: case 2: /* restart it cleanly */
        words[0] = 0;
        words[1] = BST_REG_RDI + 1;
        worker_start_registers(id, &words[2]);
        handler_invoke(tcb, BST_TCB_WRITE_REGISTERS, 2 + BST_REG_RDI + 1, words);
        handler_reply(BST_FAULT_REPLY_RESUME, 0, r);
        h->restarted++;
        break;
    case 3: case 4: /* leave it stopped: the root task revives it later */
        handler_reply(BST_FAULT_REPLY_STOP, 0, r);
        h->stopped++;
        break;
    case 5: case 6: /* every register hostile, then resume */
        words[0] = rng_chance(r, 50);
        words[1] = rng_chance(r, 80) ? BST_TCB_REGISTER_COUNT : gen_word(r);
        for (unsigned i = 0; i < BST_TCB_REGISTER_COUNT; i++)
            words[2 + i] = gen_word(r);
        words[2 + BST_REG_RIP] = gen_hostile_ip(r);
        words[2 + BST_REG_RSP] = rng_chance(r, 50) ? gen_address(r) : worker_stack_top(id);
        handler_invoke(tcb, BST_TCB_WRITE_REGISTERS, 2 + BST_TCB_REGISTER_COUNT, words);
        handler_reply(BST_FAULT_REPLY_RESUME, 0, r);
        h->rewritten++;
        break;
    case 7: /* resume as is: the instruction faults again */
        handler_reply(BST_FAULT_REPLY_RESUME, 0, r);
        h->resumed++;
        break;
    case 8: /* suspend it and never reply: the reply right must go stale safely */
        handler_invoke(tcb, BST_TCB_SUSPEND, 0, words);
        h->stopped++;
        break;
    default: /* a garbage reply */
        handler_reply(gen_word(r), (unsigned)rng_below(r, 128), r);
        break;
    }
}

void fault_handler_entry(uint64_t unused)
{
    (void)unused;
    struct fault_handler *h = &fuzz_handler;
    for (;;) {
        struct fuzz_call c = {.number = BST_SYS_RECV, .rdi = h->endpoint};
        h->exchange->receive_root = 0;
        h->exchange->receive_index = 0;
        h->exchange->receive_depth = 0;
        fuzz_syscall(&c);
        if (c.rax == BST_OK) {
            uint64_t label = bst_msginfo_label(c.out_rsi), badge = c.out_rdi;
            if (label >= BST_FAULT_PAGE && label <= BST_FAULT_OTHER && badge >= 1 && badge <= FUZZ_WORKERS) {
                h->faults++;
                handle_fault((unsigned)(badge - 1), &h->rng);
            } else {
                handler_reply(gen_word(&h->rng), (unsigned)rng_below(&h->rng, 8), &h->rng); /* someone else's message */
            }
        }
        struct fuzz_call y = {.number = BST_SYS_YIELD};
        fuzz_syscall(&y);
    }
}
