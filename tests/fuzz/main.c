/*
 * The fuzzer's root task (fuzz.h says what it does and its command line).
 * Each call: pick a system call number, a cptr, a message info, argument
 * words and exchange contents, all biased to interesting values; keep the
 * root task itself able to go on (unless "unprotect"); make the call; check
 * the error code is one the ABI has and the detail repeats it. Every fuzz.check calls the kernel's
 * invariant checker runs. A failure prints the seed, the call index and the
 * last calls, and the task exits with status 4 (QEMU status 9).
 */
#include "tests/fuzz/setup.h"
#include <bastion/ipc.h>
#include <bastion/relay.h>
#include <bastion/tcb.h>
#include "lib/string.h"

#define EXIT_VIOLATION 4
#define EXIT_SETUP 5
#define RING 16
#define YIELD_EVERY 2   /* root task calls between turns for the other threads */
#define REVIVE_EVERY 16 /* a worker blocked for good is restarted */

static struct {
    uint64_t seed, calls, check, reset, trace;
} opt = {1, 100000, 1000, 20000, ~0ull};

static struct fuzz_call ring[RING];
static uint64_t ring_index[RING];
static struct rng rng;
static uint64_t resets;
static uint64_t results[BST_E_COUNT];                /* how the root task's calls ended */
static uint64_t invocations_ok[BST_INV_LABEL_COUNT]; /* successful invocations per label */
static uint64_t data_word = 1; /* in .data, which user.ld puts above text and rodata */

static uint64_t parse_number(const char *key, uint64_t fallback)
{
    const char *at = strstr_bounded(bst_bootinfo->cmdline, key);
    if (!at)
        return fallback;
    at += strlen(key);
    uint64_t v = 0;
    bool any = false;
    while (*at >= '0' && *at <= '9') {
        v = v * 10 + (uint64_t)(*at++ - '0');
        any = true;
    }
    return any ? v : fallback;
}

static unsigned parse_flags(void)
{
    const char *at = strstr_bounded(bst_bootinfo->cmdline, "fuzz.flags=");
    if (!at)
        return 0;
    at += strlen("fuzz.flags=");
    static const struct {
        const char *name;
        unsigned flag;
    } names[] = {
        {"all", FLAG_DF | FLAG_WILD | FLAG_FPU | FLAG_SPIN | FLAG_STALE},
        {"stale", FLAG_STALE},
        {"df", FLAG_DF},
        {"wild", FLAG_WILD},
        {"unprotect", FLAG_UNPROTECT},
        {"fpu", FLAG_FPU},
        {"spin", FLAG_SPIN},
    };
    unsigned flags = 0;
    while (*at && *at != ' ') {
        for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            size_t n = strlen(names[i].name);
            if (strncmp(at, names[i].name, n) == 0 && (at[n] == ',' || at[n] == ' ' || at[n] == 0))
                flags |= names[i].flag;
        }
        while (*at && *at != ' ' && *at != ',')
            at++;
        if (*at == ',')
            at++;
    }
    return flags;
}

/* ---- choosing a call */

static uint64_t arena_slot(void) { return arena((unsigned)rng_below(&rng, FUZZ_ARENA_SLOTS)); }
static uint64_t busy_slot(void) { return arena((unsigned)rng_below(&rng, K_BUSY)); }

static uint64_t root_cptr(void)
{
    return gen_cptr(&rng, fuzz_env.arena_first, K_BUSY + 8, BST_ROOT_CNODE_RADIX);
}

/* A word for an argument: interesting values, our own slots, the usual depth. */
static uint64_t any_word(void)
{
    switch (rng_below(&rng, 8)) {
    case 0: return busy_slot();
    case 1: return 64;
    case 2: return BST_CAP_ROOT_CNODE;
    default: return gen_word(&rng);
    }
}

static uint64_t maybe(uint64_t likely)
{
    return rng_chance(&rng, 95) ? likely : any_word();
}

/* A label the object at cptr understands (most of the time the call should get somewhere). */
static uint64_t label_for(uint64_t cptr)
{
    static const uint8_t tcb[] = {BST_TCB_CONFIGURE, BST_TCB_SET_PRIORITY, BST_TCB_SET_MCP,
                                  BST_TCB_READ_REGISTERS, BST_TCB_WRITE_REGISTERS, BST_TCB_RESUME,
                                  BST_TCB_SUSPEND, BST_TCB_BIND_NOTIFICATION, BST_TCB_UNBIND_NOTIFICATION,
                                  BST_TCB_SET_RELAY};
    struct rng *r = &rng;
    struct bst_result info = bst_syscall3(BST_SYS_DEBUG_CAP_INFO, BST_CAP_MACHINE_CONTROL, cptr, 0);
    switch (info.error == BST_OK ? info.value0 & 0xff : BST_OBJ_NULL) {
    case BST_OBJ_UNTYPED: return BST_UNTYPED_RETYPE;
    case BST_OBJ_CNODE: return BST_CNODE_COPY + rng_below(r, BST_CNODE_REVOKE - BST_CNODE_COPY + 1);
    case BST_OBJ_TCB: return tcb[rng_below(r, sizeof(tcb))];
    case BST_OBJ_FRAME_4K: case BST_OBJ_FRAME_2M: return BST_FRAME_MAP + rng_below(r, 3);
    case BST_OBJ_PAGE_TABLE: case BST_OBJ_PAGE_DIRECTORY: case BST_OBJ_PDPT:
        return BST_PAGE_TABLE_MAP + rng_below(r, 2);
    case BST_OBJ_IRQ_CONTROL: return BST_IRQ_CONTROL_GET;
    case BST_OBJ_IRQ_HANDLER: return BST_IRQ_HANDLER_SET_NOTIFICATION + rng_below(r, 3);
    case BST_OBJ_IOPORT_CONTROL: return BST_IOPORT_CONTROL_ISSUE;
    case BST_OBJ_IOPORT: return rng_chance(r, 50) ? BST_IOPORT_BIND : BST_IOPORT_UNBIND;
    case BST_OBJ_ASID_POOL: return BST_ASID_POOL_ASSIGN;
    case BST_OBJ_RELAY_SEGMENT: return rng_chance(r, 50) ? BST_RELAY_ATTACH : BST_RELAY_DETACH;
    case BST_OBJ_XENTRY_TABLE: return BST_XENTRY_TABLE_REGISTER;
    case BST_OBJ_XENTRY: return BST_XENTRY_UNREGISTER + rng_below(r, 3);
    default: return 1 + rng_below(r, BST_INV_LABEL_COUNT - 1);
    }
}

/* Size bits that fit the type (Retype), now and then anything. */
static uint64_t size_bits_for(uint64_t type)
{
    switch (type) {
    case BST_OBJ_UNTYPED: return 4 + rng_below(&rng, 15);
    case BST_OBJ_CNODE: return 1 + rng_below(&rng, 8);
    case BST_OBJ_RELAY_SEGMENT: return BST_RELAY_MIN_BITS + rng_below(&rng, 4);
    case BST_OBJ_LINK_STACK: return rng_below(&rng, BST_LINK_STACK_MAX_DEPTH_BITS + 2);
    default: return rng_chance(&rng, 90) ? 0 : rng_below(&rng, 25);
    }
}

/* Well-formed enough to get past the first checks: argument templates per label. */
static void template_words(uint64_t label, uint64_t *w)
{
    struct rng *r = &rng;
    switch (label) {
    case BST_UNTYPED_RETYPE:
        w[0] = maybe(rng_below(r, BST_OBJ_TYPE_COUNT + 1));
        w[1] = maybe(size_bits_for(w[0]));
        w[2] = maybe(BST_CAP_ROOT_CNODE);
        w[3] = maybe(0);
        w[4] = maybe(0);
        w[5] = maybe(arena_slot());
        w[6] = maybe(1 + rng_below(r, 4));
        break;
    case BST_CNODE_COPY: case BST_CNODE_MINT: case BST_CNODE_MOVE: case BST_CNODE_MUTATE:
        if (rng_chance(r, 70)) { /* through the root CNode (guarded: depth 64) */
            w[0] = maybe(arena_slot());
            w[1] = maybe(64);
        } else { /* into a small unguarded CNode: its radix is the depth */
            uint64_t radix = 2u << rng_below(r, 3); /* 2, 4 or 8: the set-up's small CNodes */
            w[1] = maybe(radix);
            w[0] = maybe(rng_below(r, 1ull << radix));
        }
        w[2] = maybe(BST_CAP_ROOT_CNODE);
        w[3] = maybe(busy_slot());
        w[4] = maybe(64);
        w[5] = maybe(rng_below(r, 32));
        w[6] = maybe(rng_below(r, 16));
        w[7] = maybe(rng_chance(r, 80) ? 0 : rng_below(r, 66));
        break;
    case BST_CNODE_DELETE: case BST_CNODE_REVOKE:
        w[0] = maybe(rng_chance(r, 20) ? busy_slot() : arena_slot()); /* the set-up lasts a while */
        w[1] = maybe(64);
        break;
    case BST_TCB_CONFIGURE:
        w[0] = maybe(arena(K_WCN_GUARDED));
        w[1] = maybe(rng_chance(r, 50) ? BST_CAP_ROOT_VSPACE : arena(K_PML4));
        w[2] = maybe(rng_chance(r, 50) ? arena(K_FR0 + (unsigned)rng_below(r, 2)) : arena_slot()); /* also frames made by calls */
        w[3] = maybe(gen_address(r));
        w[4] = maybe(fuzz_slots.fault_ep_badged[rng_below(r, FUZZ_WORKERS)]);
        break;
    case BST_TCB_SET_PRIORITY: case BST_TCB_SET_MCP:
        w[0] = maybe(BST_CAP_ROOT_TCB);
        w[1] = maybe(rng_below(r, 260));
        break;
    case BST_TCB_READ_REGISTERS: w[0] = maybe(rng_below(r, 20)); break;
    case BST_TCB_WRITE_REGISTERS:
        w[0] = rng_below(r, 2);
        w[1] = maybe(rng_below(r, 20));
        w[2] = gen_hostile_ip(r);
        w[3] = gen_address(r);
        break;
    case BST_PAGE_TABLE_MAP: case BST_FRAME_MAP:
        w[0] = maybe(rng_chance(r, 50) ? BST_CAP_ROOT_VSPACE : arena(K_PML4));
        /* Half the time where the set-up's spare address space has tables (setup.c). */
        w[1] = maybe(rng_chance(r, 50) ? 0x40000000 + (rng_below(r, 1024) << 12) : gen_address(r));
        static const uint8_t usual_rights[] = {BST_RIGHT_READ, BST_RIGHT_READ | BST_RIGHT_WRITE,
                                               BST_RIGHT_READ | BST_RIGHT_EXECUTE};
        w[2] = maybe(rng_chance(r, 50) ? usual_rights[rng_below(r, 3)] : rng_below(r, 32)); /* W+X too */
        w[3] = maybe(rng_chance(r, 80) ? BST_CACHE_WRITE_BACK : rng_below(r, 4));
        break;
    case BST_IRQ_CONTROL_GET:
        w[0] = maybe(rng_below(r, 26));
        w[1] = maybe(BST_CAP_ROOT_CNODE);
        w[2] = maybe(arena_slot());
        w[3] = maybe(64);
        break;
    case BST_TCB_SET_RELAY:
        w[0] = maybe(arena(K_XTABLE));
        w[1] = maybe(arena(K_LINK));
        break;
    case BST_RELAY_ATTACH: w[0] = maybe(arena(K_WTCB0 + (unsigned)rng_below(r, FUZZ_WORKERS))); break;
    case BST_XENTRY_TABLE_REGISTER:
        w[0] = maybe(rng_below(r, 4));
        w[1] = maybe(arena(K_WCN_GUARDED));
        w[2] = maybe(arena(K_PML4));
        w[3] = maybe(rng_chance(r, 50) ? 0x40000000 + (rng_below(r, 1024) << 12) : gen_hostile_ip(r));
        w[4] = maybe(0x40000000 + (rng_below(r, 1024) << 12));
        w[5] = maybe(0x1000);
        w[6] = maybe(1 + rng_below(r, 4));
        w[7] = maybe(BST_CAP_ROOT_CNODE);
        w[8] = maybe(arena_slot());
        w[9] = maybe(64);
        break;
    case BST_XENTRY_GRANT_SERVICE: case BST_XENTRY_REVOKE_SERVICE:
        w[0] = maybe(rng_chance(r, 70) ? arena(K_WTCB0 + (unsigned)rng_below(r, FUZZ_WORKERS)) : arena(K_XENTRY));
        break;
    case BST_IOPORT_CONTROL_ISSUE:
        w[0] = maybe(rng_below(r, 0x10000));
        w[1] = maybe(rng_below(r, 0x10001));
        w[2] = maybe(BST_CAP_ROOT_CNODE);
        w[3] = maybe(arena_slot());
        w[4] = maybe(64);
        break;
    default:
        break;
    }
}

static void choose_call(struct fuzz_call *c)
{
    struct rng *r = &rng;
    struct bst_exchange *x = bst_exchange;
    uint64_t pick = rng_below(r, 100);
    if (pick < 55)
        c->number = BST_SYS_CALL;
    else if (pick < 80)
        c->number = BST_SYS_SEND + rng_below(r, BST_SYS_XRET);
    else if (pick < 90)
        c->number = BST_SYS_DEBUG_FIRST + rng_below(r, BST_SYS_DEBUG_LAST - BST_SYS_DEBUG_FIRST + 1);
    else
        c->number = gen_word(r);
    c->rdi = root_cptr();
    uint64_t label = rng_chance(r, 90) ? 1 + rng_below(r, BST_INV_LABEL_COUNT - 1) : gen_word(r);
    if (c->number == BST_SYS_CALL && rng_chance(r, 70))
        label = label_for(c->rdi);
    if (c->number == BST_SYS_CALL && label >= BST_CNODE_COPY && label <= BST_CNODE_REVOKE && rng_chance(r, 40))
        c->rdi = rng_chance(r, 70) ? BST_CAP_ROOT_CNODE : arena(K_CN2 + (unsigned)rng_below(r, 6));
    unsigned length = (unsigned)(rng_chance(r, 80) ? rng_below(r, 10) : rng_below(r, 128));
    c->rsi = rng_chance(r, 92) ? bst_msginfo(label, (unsigned)rng_below(r, 4), length) : gen_word(r);
    uint64_t w[BST_MSG_MAX_WORDS];
    for (unsigned i = 0; i < BST_MSG_MAX_WORDS; i++)
        w[i] = i < 10 || rng_chance(r, 10) ? any_word() : 0;
    if (c->number == BST_SYS_CALL && rng_chance(r, 80))
        template_words(bst_msginfo_label(c->rsi), w);
    c->rdx = w[0];
    c->r10 = w[1];
    c->r8 = w[2];
    c->r9 = w[3];
    for (unsigned i = BST_MSG_REGISTER_WORDS; i < BST_MSG_MAX_WORDS; i++)
        x->msg[i] = w[i];
    for (unsigned i = 0; i < BST_MSG_MAX_CAPS; i++)
        x->caps[i] = root_cptr();
    x->receive_root = rng_chance(r, 40) ? 0 : maybe(rng_chance(r, 50) ? BST_CAP_ROOT_CNODE : arena(K_CN4));
    x->receive_index = rng_chance(r, 40) ? 0 : maybe(arena_slot());
    x->receive_depth = rng_chance(r, 40) ? 0 : gen_depth(r);
}

/* ---- keeping the root task able to go on */

static bool protected_slot(uint64_t s) { return s != 0 && s < fuzz_env.arena_first; }

/* Caps of the root task's own machinery that may be invoked at all (the rest only harmlessly). */
static bool invocable(uint64_t cptr, uint64_t label)
{
    if (!protected_slot(cptr) || cptr == BST_CAP_ROOT_CNODE || cptr == BST_CAP_ROOT_VSPACE ||
        cptr == BST_CAP_IRQ_CONTROL || cptr == BST_CAP_IOPORT_CONTROL)
        return true;
    return label == BST_TCB_READ_REGISTERS || label == BST_FRAME_GET_ADDRESS;
}

static void protect(struct fuzz_call *c)
{
    struct bst_exchange *x = bst_exchange;
    uint64_t label = bst_msginfo_label(c->rsi);
    if (c->number == BST_SYS_CALL) {
        if (!invocable(c->rdi, label))
            c->rdi = arena_slot();
        switch (label) {
        case BST_CNODE_DELETE: case BST_CNODE_REVOKE:
            if (protected_slot(c->rdx))
                c->rdx = arena_slot();
            break;
        case BST_CNODE_COPY: case BST_CNODE_MINT: case BST_CNODE_MOVE: case BST_CNODE_MUTATE:
            if (protected_slot(c->r9)) /* no copy of our own caps may reach anyone */
                c->r9 = arena_slot();
            break;
        case BST_TCB_CONFIGURE: /* no thread gets our CSpace or our exchange frame */
            if (protected_slot(c->rdx))
                c->rdx = arena(K_WCN_GUARDED);
            if (protected_slot(c->r8))
                c->r8 = arena(K_FR0);
            break;
        case BST_XENTRY_TABLE_REGISTER: /* nor does a thread that XCalls the entry */
            if (protected_slot(c->r10))
                c->r10 = arena(K_WCN_GUARDED);
            break;
        default:
            break;
        }
    }
    for (unsigned i = 0; i < BST_MSG_MAX_CAPS; i++) {
        if (protected_slot(x->caps[i]))
            x->caps[i] = arena_slot();
    }
}

/* The root task never blocks: the blocking forms on endpoints and notifications become polling ones. */
static void never_block(struct fuzz_call *c)
{
    if (c->number != BST_SYS_CALL && c->number != BST_SYS_SEND && c->number != BST_SYS_RECV &&
        c->number != BST_SYS_REPLYRECV && c->number != BST_SYS_WAIT)
        return;
    struct bst_result info = bst_syscall3(BST_SYS_DEBUG_CAP_INFO, BST_CAP_MACHINE_CONTROL, c->rdi, 0);
    uint64_t type = info.value0 & 0xff;
    if (info.error != BST_OK || (type != BST_OBJ_ENDPOINT && type != BST_OBJ_NOTIFICATION))
        return;
    switch (c->number) {
    case BST_SYS_RECV: c->number = BST_SYS_NBRECV; break;
    case BST_SYS_REPLYRECV: c->number = BST_SYS_REPLY; break;
    case BST_SYS_WAIT: c->number = BST_SYS_POLL; break;
    default: c->number = BST_SYS_NBSEND; break;
    }
}

static void sanitize(struct fuzz_call *c)
{
    /* Powering off (the MachineControl invocation) is not a finding: protect() keeps
     * Calls away from the protected MachineControl slot, and no copy of it leaves. */
    if (c->number == BST_SYS_DEBUG_PUTS && rng_chance(&rng, 90))
        c->number = BST_SYS_DEBUG_NULL; /* keep the log readable */
    if (c->number == BST_SYS_DEBUG_PUTS) { /* random bytes, then a line end: the log stays line-based */
        c->rsi = 1 + rng_below(&rng, 16);
        for (uint64_t i = 0; i + 1 < c->rsi; i++)
            bst_exchange->data[i] = (uint8_t)rng_next(&rng);
        bst_exchange->data[c->rsi - 1] = '\n';
    }
    if (!(fuzz_env.flags & FLAG_UNPROTECT))
        protect(c);
    never_block(c);
    if (!(fuzz_env.flags & FLAG_WILD) && c->number == BST_SYS_CALL &&
        bst_msginfo_label(c->rsi) == BST_TCB_WRITE_REGISTERS && c->r8 >= fuzz_env.code_start &&
        c->r8 < fuzz_env.code_end)
        c->r8 = gen_hostile_ip(&rng);
    /* An entry point in our code would send a thread that XCalls it there (word 3). */
    if (!(fuzz_env.flags & FLAG_WILD) && c->number == BST_SYS_CALL &&
        bst_msginfo_label(c->rsi) == BST_XENTRY_TABLE_REGISTER && c->r9 >= fuzz_env.code_start &&
        c->r9 < fuzz_env.code_end)
        c->r9 = gen_hostile_ip(&rng);
}

/* ---- reporting */

static void print_call(uint64_t index, const struct fuzz_call *c)
{
    bst_printf("fuzz:   call %llu: nr %#llx rdi %#llx rsi %#llx rdx %#llx r10 %#llx r8 %#llx r9 %#llx -> %s\n",
               (unsigned long long)index, (unsigned long long)c->number, (unsigned long long)c->rdi,
               (unsigned long long)c->rsi, (unsigned long long)c->rdx, (unsigned long long)c->r10,
               (unsigned long long)c->r8, (unsigned long long)c->r9, bst_error_name(c->rax));
}

static int fail(uint64_t index, const char *what, uint64_t value)
{
    bst_printf("fuzz: FAIL seed %llu call %llu: %s (%llu)\n", (unsigned long long)opt.seed,
               (unsigned long long)index, what, (unsigned long long)value);
    bst_printf("fuzz: the last calls:\n");
    for (uint64_t i = index + 1 > RING ? index + 1 - RING : 0; i <= index; i++)
        print_call(ring_index[i % RING], &ring[i % RING]);
    bst_printf("fuzz: replay: fuzz.seed=%llu fuzz.calls=%llu fuzz.trace=%llu (and the same fuzz.flags)\n",
               (unsigned long long)opt.seed, (unsigned long long)index + 1,
               (unsigned long long)(index > 50 ? index - 50 : 0));
    return EXIT_VIOLATION;
}

static uint64_t invariant_violations(void)
{
    struct bst_result r = bst_syscall3(BST_SYS_DEBUG_CHECK_INVARIANTS, BST_CAP_MACHINE_CONTROL, 0, 0);
#ifndef BASTION_DEBUG
    if (r.error == BST_E_NOT_SUPPORTED)
        return 0; /* a release kernel has no checker: the run still finds panics, hangs and bad results */
#endif
    return r.error == BST_OK ? r.value0 : ~0ull;
}

static uint64_t worker_actions(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < FUZZ_WORKERS; i++)
        n += fuzz_workers[i].actions;
    return n;
}

static void yield(void)
{
    struct fuzz_call y = {.number = BST_SYS_YIELD};
    fuzz_syscall(&y);
}

int main(void)
{
    opt.seed = parse_number("fuzz.seed=", opt.seed);
    opt.calls = parse_number("fuzz.calls=", opt.calls);
    opt.check = parse_number("fuzz.check=", opt.check);
    opt.reset = parse_number("fuzz.reset=", opt.reset);
    opt.trace = parse_number("fuzz.trace=", opt.trace);
    if (opt.check == 0)
        opt.check = 1;
    fuzz_env.flags = parse_flags();
    fuzz_env.code_start = 0x1000000; /* user/lib/user.ld */
    fuzz_env.code_end = (uint64_t)&data_word & ~0xfffull; /* text and rodata lie below (with room to spare) */
    rng.state = opt.seed;
    bst_printf("fuzz: seed %llu calls %llu check every %llu reset every %llu flags %#x\n",
               (unsigned long long)opt.seed, (unsigned long long)opt.calls, (unsigned long long)opt.check,
               (unsigned long long)opt.reset, fuzz_env.flags);
    if (!fuzz_setup(opt.seed))
        return EXIT_SETUP;
    uint64_t start_ticks = bst_debug_ticks();
    for (uint64_t i = 0; i < opt.calls; i++) {
        struct fuzz_call *c = &ring[i % RING];
        ring_index[i % RING] = i;
        choose_call(c);
        sanitize(c);
        if (i >= opt.trace)
            bst_printf("fuzz: call %llu: nr %#llx rdi %#llx rsi %#llx ...\n", (unsigned long long)i,
                       (unsigned long long)c->number, (unsigned long long)c->rdi, (unsigned long long)c->rsi);
        if ((fuzz_env.flags & FLAG_DF) && rng_chance(&rng, 10))
            fuzz_syscall_df_ac(c);
        else
            fuzz_syscall(c);
        if (i >= opt.trace)
            print_call(i, c);
        if (c->rax >= BST_E_COUNT)
            return fail(i, "an error code the ABI does not have", c->rax);
        if (c->rax != BST_OK && c->rax != bst_exchange->error.code)
            return fail(i, "the error detail names another code", bst_exchange->error.code);
        results[c->rax]++;
        if (c->rax == BST_OK && c->number == BST_SYS_CALL && bst_msginfo_label(c->rsi) < BST_INV_LABEL_COUNT)
            invocations_ok[bst_msginfo_label(c->rsi)]++;
        if ((i + 1) % opt.check == 0) {
            uint64_t v = invariant_violations();
            if (v)
                return fail(i, "the kernel's invariant checker found violations", v);
            if (fuzz_fpu_leaks)
                return fail(i, "a thread's x87 state changed across a Yield: FPU state is shared", fuzz_fpu_leaks);
        }
        if ((i + 1) % YIELD_EVERY == 0)
            yield();
        if ((i + 1) % REVIVE_EVERY == 0) {
            worker_restart((unsigned)rng_below(&rng, FUZZ_WORKERS));
            fuzz_remap_spare();
        }
        if ((i + 1) % opt.reset == 0) {
            fuzz_teardown();
            resets++;
            uint64_t v = invariant_violations();
            if (v)
                return fail(i, "invariant violations after the reset", v);
            if (!fuzz_setup(opt.seed + resets))
                return EXIT_SETUP;
        }
        if ((i + 1) % 50000 == 0)
            bst_printf("fuzz: seed %llu call %llu: ok (worker actions %llu, faults handled %llu, ticks %llu)\n",
                       (unsigned long long)opt.seed, (unsigned long long)i + 1,
                       (unsigned long long)worker_actions(), (unsigned long long)fuzz_handler.faults,
                       (unsigned long long)(bst_debug_ticks() - start_ticks));
    }
    fuzz_teardown();
    uint64_t v = invariant_violations();
    if (v)
        return fail(opt.calls ? opt.calls - 1 : 0, "invariant violations after the final teardown", v);
    bst_printf("fuzz: worker actions %llu, faults handled %llu (restarted %llu, stopped %llu, rewritten %llu, "
               "resumed %llu), resets %llu, ticks %llu\n",
               (unsigned long long)worker_actions(), (unsigned long long)fuzz_handler.faults,
               (unsigned long long)fuzz_handler.restarted, (unsigned long long)fuzz_handler.stopped,
               (unsigned long long)fuzz_handler.rewritten, (unsigned long long)fuzz_handler.resumed,
               (unsigned long long)resets, (unsigned long long)(bst_debug_ticks() - start_ticks));
    bst_printf("fuzz: results:");
    for (unsigned e = 0; e < BST_E_COUNT; e++)
        bst_printf(" %s %llu;", bst_error_name(e), (unsigned long long)results[e]);
    bst_printf("\nfuzz: successful invocations by label:");
    for (unsigned l = 1; l < BST_INV_LABEL_COUNT; l++)
        bst_printf(" %u:%llu", l, (unsigned long long)invocations_ok[l]);
    bst_printf("\n");
    bst_printf("fuzz: seed %llu calls %llu: ok\n", (unsigned long long)opt.seed, (unsigned long long)opt.calls);
    return 0;
}
