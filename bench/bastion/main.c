/*
 * The Bastion benchmark image. Each benchmark runs its warm-up, then
 * `iterations` timed operations, and reports median, p10 and p90.
 * The iteration count comes from the kernel command line ("bench.iterations=N"),
 * so `make test` can boot this image with a tiny count and check its output.
 */
#include "bench/bastion/measure.h"
#include "lib/string.h"
#include "user/lib/invoke.h"
#include "user/lib/vspace.h"
#include "user/lib/ipc.h"
#include "user/lib/tcb.h"
#include "user/lib/notify.h"
#include "user/lib/process.h"
#include "user/lib/relay.h"
#include "bench/server/roles.h"
#include <bastion/tcb.h>

#define DEFAULT_ITERATIONS 100000u
#define WARMUP_ITERATIONS 1000u

static uint64_t samples[BENCH_MAX_SAMPLES];
static uint64_t overhead;

static uint64_t adjusted(uint64_t delta) { return delta > overhead ? delta - overhead : 0; }

/* Keeps sample i once the warm-up is over. */
static void keep(unsigned i, uint64_t sample)
{
    if (i >= WARMUP_ITERATIONS)
        samples[i - WARMUP_ITERATIONS] = sample;
}

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

/* Scratch objects for the capability benchmarks, made once from the largest untyped. */
#define BENCH_VADDR 0x0000008000000000ull /* PML4 slot 1: unused by the image */
enum { SLOT_UT, SLOT_PDPT, SLOT_PD, SLOT_PT, SLOT_FRAME, SLOT_TCB, SLOT_TCB_UT, SLOT_EP, SLOT_SERVER,
       SLOT_SERVER_FRAME, SLOT_NTFN, SLOT_WAITER_TCB, SLOT_WAITER_FRAME, SLOT_COUNT };

static bst_cptr_t slot(unsigned n) { return bst_bootinfo->empty_first_slot + n; }

static bool setup_scratch(void)
{
    static bool done;
    if (done)
        return true;
    uint64_t e = bst_untyped_retype(bst_largest_boot_untyped(), BST_OBJ_UNTYPED, 20, BST_CAP_ROOT_CNODE, 0, 0,
                                    slot(SLOT_UT), 1);
    static const uint64_t types[] = {BST_OBJ_PDPT, BST_OBJ_PAGE_DIRECTORY, BST_OBJ_PAGE_TABLE, BST_OBJ_FRAME_4K};
    for (unsigned i = 0; e == BST_OK && i < 4; i++)
        e = bst_untyped_retype(slot(SLOT_UT), types[i], 0, BST_CAP_ROOT_CNODE, 0, 0, slot(SLOT_PDPT + i), 1);
    /* TCBs come from an untyped of their own: with no other children, each delete frees it. */
    if (e == BST_OK)
        e = bst_untyped_retype(slot(SLOT_UT), BST_OBJ_UNTYPED, 12, BST_CAP_ROOT_CNODE, 0, 0, slot(SLOT_TCB_UT), 1);
    for (unsigned i = 0; e == BST_OK && i < 3; i++)
        e = bst_page_table_map(slot(SLOT_PDPT + i), BST_CAP_ROOT_VSPACE, BENCH_VADDR);
    if (e != BST_OK)
        bst_printf("bench: scratch set-up failed: %s\n", bst_error_name(e));
    done = e == BST_OK;
    return done;
}

static unsigned retype_tcb(unsigned n)
{
    if (!setup_scratch())
        return 0;
    for (unsigned i = 0; i < n + WARMUP_ITERATIONS; i++) {
        uint64_t t0 = bst_rdtsc();
        uint64_t e = bst_untyped_retype(slot(SLOT_TCB_UT), BST_OBJ_TCB, 0, BST_CAP_ROOT_CNODE, 0, 0, slot(SLOT_TCB), 1);
        uint64_t t1 = bst_rdtsc();
        bst_cnode_delete(BST_CAP_ROOT_CNODE, slot(SLOT_TCB), 64);
        if (e != BST_OK)
            return 0;
        keep(i, adjusted(t1 - t0));
    }
    return n;
}

static unsigned map_unmap(unsigned n)
{
    if (!setup_scratch())
        return 0;
    for (unsigned i = 0; i < n + WARMUP_ITERATIONS; i++) {
        uint64_t t0 = bst_rdtsc();
        uint64_t e = bst_frame_map(slot(SLOT_FRAME), BST_CAP_ROOT_VSPACE, BENCH_VADDR,
                                   BST_RIGHT_READ | BST_RIGHT_WRITE, BST_CACHE_WRITE_BACK);
        *(volatile uint64_t *)BENCH_VADDR = i; /* touched, as the Linux side does */
        e |= bst_frame_unmap(slot(SLOT_FRAME));
        uint64_t t1 = bst_rdtsc();
        if (e != BST_OK)
            return 0;
        keep(i, adjusted(t1 - t0));
    }
    return n;
}

/* ---- IPC within one address space: a server thread with its own exchange frame */
#define SERVER_EXCHANGE 0x220000ull
#define SERVER_STACK 8192
static uint8_t server_stack[SERVER_STACK] __attribute__((aligned(16)));

static void __attribute__((noreturn)) echo_server(uint64_t unused)
{
    (void)unused;
    struct bst_msg m;
    bst_recv(slot(SLOT_EP), &m);
    for (;;)
        bst_replyrecv(slot(SLOT_EP), bst_msginfo(0, 0, 1), m.words, &m);
}

/* A thread of this process with its own exchange frame at xaddr, running entry on stack. */
static uint64_t start_local_thread(bst_cptr_t tcb, bst_cptr_t frame, uint64_t xaddr, void (*entry)(uint64_t),
                                   uint8_t *stack, uint64_t priority)
{
    bst_cptr_t ut = slot(SLOT_UT);
    uint64_t e = bst_untyped_retype(ut, BST_OBJ_TCB, 0, BST_CAP_ROOT_CNODE, 0, 0, tcb, 1);
    if (!e) e = bst_untyped_retype(ut, BST_OBJ_FRAME_4K, 0, BST_CAP_ROOT_CNODE, 0, 0, frame, 1);
    if (!e) e = bst_frame_map(frame, BST_CAP_ROOT_VSPACE, xaddr, BST_RIGHT_READ | BST_RIGHT_WRITE, BST_CACHE_WRITE_BACK);
    if (!e) e = bst_tcb_configure(tcb, BST_CAP_ROOT_CNODE, BST_CAP_ROOT_VSPACE, frame, xaddr, 0);
    if (!e) e = bst_tcb_set_priority(tcb, BST_CAP_ROOT_TCB, priority);
    uint64_t regs[BST_REG_RFLAGS + 1] = {[BST_REG_RIP] = (uint64_t)entry,
                                         [BST_REG_RSP] = (uint64_t)(stack + SERVER_STACK - 8),
                                         [BST_REG_RFLAGS] = 0x202};
    if (!e) e = bst_tcb_write_registers(tcb, true, BST_REG_RFLAGS + 1, regs);
    return e;
}

static bool start_server(void)
{
    static bool started;
    if (started)
        return true;
    uint64_t e = bst_untyped_retype(slot(SLOT_UT), BST_OBJ_ENDPOINT, 0, BST_CAP_ROOT_CNODE, 0, 0, slot(SLOT_EP), 1);
    if (!e) e = start_local_thread(slot(SLOT_SERVER), slot(SLOT_SERVER_FRAME), SERVER_EXCHANGE, echo_server,
                                   server_stack, 128);
    bst_yield(); /* the server (same priority) runs and blocks in Recv */
    started = e == BST_OK;
    return started;
}

static unsigned ipc_roundtrip_same_as(unsigned n)
{
    if (!setup_scratch() || !start_server())
        return 0;
    uint64_t w[4] = {1, 0, 0, 0};
    struct bst_msg r;
    for (unsigned i = 0; i < n + WARMUP_ITERATIONS; i++) {
        uint64_t t0 = bst_rdtsc();
        uint64_t e = bst_call(slot(SLOT_EP), bst_msginfo(1, 0, 1), w, &r);
        uint64_t t1 = bst_rdtsc();
        if (e != BST_OK)
            return 0;
        keep(i, adjusted(t1 - t0));
    }
    return n;
}

/* ---- Signal to a higher-priority thread waiting on a notification, until it runs */
#define WAITER_EXCHANGE 0x221000ull
static uint8_t waiter_stack[SERVER_STACK] __attribute__((aligned(16)));
static volatile uint64_t woke_at;

static void __attribute__((noreturn)) waiter(uint64_t unused)
{
    (void)unused;
    uint64_t bits;
    for (;;) {
        bst_wait(slot(SLOT_NTFN), &bits);
        woke_at = bst_rdtsc();
    }
}

static bool start_waiter(void)
{
    static bool started;
    if (started)
        return true;
    uint64_t e = bst_untyped_retype(slot(SLOT_UT), BST_OBJ_NOTIFICATION, 0, BST_CAP_ROOT_CNODE, 0, 0, slot(SLOT_NTFN), 1);
    /* The root drops below the waiter, so each Signal switches to it at once. */
    if (!e) e = bst_tcb_set_priority(BST_CAP_ROOT_TCB, BST_CAP_ROOT_TCB, 100);
    if (!e) e = start_local_thread(slot(SLOT_WAITER_TCB), slot(SLOT_WAITER_FRAME), WAITER_EXCHANGE, waiter,
                                   waiter_stack, 128);
    started = e == BST_OK;
    return started;
}

static unsigned signal_to_run(unsigned n)
{
    if (!setup_scratch() || !start_waiter())
        return 0;
    for (unsigned i = 0; i < n + WARMUP_ITERATIONS; i++) {
        uint64_t t0 = bst_rdtsc();
        if (bst_signal(slot(SLOT_NTFN)) != BST_OK)
            return 0;
        keep(i, adjusted(woke_at - t0));
    }
    return n;
}

/* ---- Across address spaces: partner processes spawned from the bench-server module */
#define PARTNER_SLOTS 64
#define PARTNER_FIRST_SLOT 100
#define CREATE_SLOT (PARTNER_FIRST_SLOT + 4 * PARTNER_SLOTS)
#define CREATE_ITERATIONS 200
enum { CREATE_UT_SLOT = 59, EP_FIRST_SLOT = 80 }; /* two endpoints per role from EP_FIRST_SLOT */

/* Each role has its own pair of endpoints, so partners never take each other's messages. */
static bst_cptr_t ep_a(enum bench_role role) { return slot(EP_FIRST_SLOT + 2 * role); }
static bst_cptr_t ep_b(enum bench_role role) { return slot(EP_FIRST_SLOT + 2 * role + 1); }

static const struct bst_boot_module *server_module(void)
{
    for (unsigned i = 0; i < bst_bootinfo->module_count; i++)
        if (strstr_bounded(bst_bootinfo->modules[i].name, "bench-server"))
            return &bst_bootinfo->modules[i];
    return 0;
}

static bool make_endpoints(enum bench_role role)
{
    static bool made[BENCH_ROLE_COUNT];
    if (!made[role])
        made[role] = bst_untyped_retype(slot(SLOT_UT), BST_OBJ_ENDPOINT, 0, BST_CAP_ROOT_CNODE, 0, 0, ep_a(role), 2) == BST_OK;
    return made[role];
}

static uint64_t spawn_partner(enum bench_role role, bst_cptr_t ut, uint64_t first_slot, struct bst_process *p)
{
    const struct bst_boot_module *m = server_module();
    if (!m || !make_endpoints(role))
        return BST_E_INVALID_ARG;
    const struct bst_spawn_cap caps[] = {{ep_a(role), BENCH_EP_A, BST_RIGHTS_ALL},
                                         {ep_b(role), BENCH_EP_B, BST_RIGHTS_ALL}};
    struct bst_spawn params = {
        .image = (const void *)m->user_addr, .image_size = m->size, .untyped = ut, .asid_pool = BST_CAP_ROOT_ASID_POOL,
        .cnode = BST_CAP_ROOT_CNODE, .first_slot = first_slot, .slot_count = PARTNER_SLOTS,
        .vspace = BST_CAP_ROOT_VSPACE, .scratch_vaddr = BST_SPAWN_ROOT_SCRATCH,
        .authority = BST_CAP_ROOT_TCB, .priority = 128, .start_arg = role, .stack_pages = 2,
        .caps = caps, .cap_count = 2,
    };
    return bst_process_spawn(&params, p);
}

/* One partner per role, spawned once and left running. */
static struct bst_process procs[BENCH_ROLE_CREATE];

static bool partner(enum bench_role role)
{
    static bool running[BENCH_ROLE_CREATE];
    if (running[role - 1])
        return true;
    if (!setup_scratch())
        return false;
    uint64_t e = spawn_partner(role, slot(SLOT_UT), slot(PARTNER_FIRST_SLOT + (role - 1) * PARTNER_SLOTS), &procs[role - 1]);
    if (e != BST_OK) {
        bst_printf("bench: spawning the partner failed: %s (%s)\n", bst_error_name(e), procs[role - 1].why);
        return false;
    }
    bst_yield(); /* it runs (same priority) and waits in Recv */
    running[role - 1] = true;
    return true;
}

static unsigned ipc_roundtrip(unsigned n)
{
    if (!partner(BENCH_ROLE_ECHO))
        return 0;
    uint64_t w[4] = {1, 0, 0, 0};
    struct bst_msg r;
    for (unsigned i = 0; i < n + WARMUP_ITERATIONS; i++) {
        uint64_t t0 = bst_rdtsc();
        uint64_t e = bst_call(ep_a(BENCH_ROLE_ECHO), bst_msginfo(1, 0, 1), w, &r);
        uint64_t t1 = bst_rdtsc();
        if (e != BST_OK)
            return 0;
        keep(i, adjusted(t1 - t0));
    }
    return n;
}

/*
 * One message (one word: the "byte") from this process until the partner can
 * read it: the partner takes the time as soon as its Recv returns and sends
 * it back in the reply, which is not timed.
 */
static unsigned ipc_oneway(unsigned n)
{
    if (!partner(BENCH_ROLE_STAMP))
        return 0;
    uint64_t w[4] = {'x', 0, 0, 0};
    struct bst_msg m;
    for (unsigned i = 0; i < n + WARMUP_ITERATIONS; i++) {
        uint64_t t0 = bst_rdtsc();
        if (bst_call(ep_a(BENCH_ROLE_STAMP), bst_msginfo(0, 0, 1), w, &m) != BST_OK)
            return 0;
        keep(i, adjusted(m.words[0] - t0));
    }
    return n;
}

/* Yield to a process at the same priority and back: half the round is one switch. */
static unsigned context_switch(unsigned n)
{
    if (!partner(BENCH_ROLE_YIELD))
        return 0;
    for (unsigned i = 0; i < n + WARMUP_ITERATIONS; i++) {
        uint64_t t0 = bst_rdtsc();
        bst_yield();
        uint64_t t1 = bst_rdtsc();
        keep(i, adjusted(t1 - t0) / 2);
    }
    /* The partner would take every idle moment from now on: stop it. */
    bst_tcb_suspend(procs[BENCH_ROLE_YIELD - 1].tcb);
    return n;
}

/* From the spawn call until the new process's first instructions (it sends their time). */
static unsigned process_create(unsigned n)
{
    if (!setup_scratch() || !make_endpoints(BENCH_ROLE_CREATE) ||
        bst_untyped_retype(slot(SLOT_UT), BST_OBJ_UNTYPED, 18, BST_CAP_ROOT_CNODE, 0, 0, slot(CREATE_UT_SLOT), 1))
        return 0;
    n = n < CREATE_ITERATIONS ? n : CREATE_ITERATIONS;
    for (unsigned i = 0; i < n + 10; i++) {
        struct bst_process p;
        struct bst_msg m;
        uint64_t t0 = bst_rdtsc();
        uint64_t e = spawn_partner(BENCH_ROLE_CREATE, slot(CREATE_UT_SLOT), slot(CREATE_SLOT), &p);
        if (e == BST_OK)
            e = bst_recv(ep_a(BENCH_ROLE_CREATE), &m);
        if (e != BST_OK) {
            bst_printf("bench: process_create failed: %s (%s)\n", bst_error_name(e), p.why);
            return 0;
        }
        if (i >= 10)
            samples[i - 10] = adjusted(m.words[0] - t0);
        bst_process_destroy(&p);
    }
    return n;
}

/* ---- Two threads of one process handing a wake-up back and forth through notifications */
static uint8_t sync_stack[SERVER_STACK] __attribute__((aligned(16)));
#define SYNC_EXCHANGE 0x222000ull
enum { SYNC_N1 = 70, SYNC_N2, SYNC_TCB, SYNC_FRAME };

static void __attribute__((noreturn)) sync_partner(uint64_t unused)
{
    (void)unused;
    uint64_t bits;
    for (;;) {
        bst_wait(slot(SYNC_N1), &bits);
        bst_signal(slot(SYNC_N2));
    }
}

static bool start_sync_partner(void)
{
    static bool started;
    if (started)
        return true;
    uint64_t e = bst_untyped_retype(slot(SLOT_UT), BST_OBJ_NOTIFICATION, 0, BST_CAP_ROOT_CNODE, 0, 0, slot(SYNC_N1), 2);
    if (!e) e = start_local_thread(slot(SYNC_TCB), slot(SYNC_FRAME), SYNC_EXCHANGE, sync_partner, sync_stack, 128);
    bst_yield();
    started = e == BST_OK;
    return started;
}

static unsigned thread_sync(unsigned n)
{
    if (!setup_scratch() || !start_sync_partner())
        return 0;
    uint64_t bits;
    for (unsigned i = 0; i < n + WARMUP_ITERATIONS; i++) {
        uint64_t t0 = bst_rdtsc();
        uint64_t e = bst_signal(slot(SYNC_N1)) | bst_wait(slot(SYNC_N2), &bits);
        uint64_t t1 = bst_rdtsc();
        if (e != BST_OK)
            return 0;
        keep(i, adjusted(t1 - t0) / 2);
    }
    return n;
}

/*
 * ---- Interrupt latency under long kernel calls. The root (the hog) makes
 * LAT_CAPS endpoints and revokes them all in one call, then retypes 64 MiB of
 * frames in one call and revokes them; a watcher thread at the same priority
 * gets the CPU only when a timer tick ends the hog's time slice. The latency
 * of one such tick runs from the moment it fires until the watcher's first
 * instruction. Ticks lie on a grid of one period that the watcher finds
 * itself: spinning on rdtsc, it sees a gap where a tick interrupted it (two
 * such gaps give the period). A sample is (resume - grid) mod period: exact
 * while latencies stay below one period (10 ms); a longer one shows modulo
 * the period, so the row is meaningful only well below that, which is the
 * point of preemption. The row has one value: the worst sample of all rounds.
 */
#define LAT_CAPS 100000u
#define LAT_BATCH 256u
#define LAT_CNODE_RADIX 17 /* 131072 slots, 8 MiB */
#define LAT_EP_UT_BITS 22  /* 4 MiB: 131072 endpoints */
#define LAT_RETYPE_BITS 26 /* 64 MiB, as 2 MiB frames */
#define LAT_FRAMES (1u << (LAT_RETYPE_BITS - 21))
#define LAT_ROUNDS 20u
#define LAT_GAP 60u /* a longer rdtsc gap in the watcher's spin (a few instructions a turn) is an interrupt */
#define LAT_EXCHANGE 0x223000ull
enum { LAT_CNODE = 500, LAT_EP_UT, LAT_TCB, LAT_FRAME };
#define LAT_FRAMES_FIRST (LAT_CAPS + 1) /* in the big CNode, after the endpoints */
static uint8_t lat_stack[SERVER_STACK] __attribute__((aligned(16)));
static volatile uint64_t lat_worst, lat_samples, lat_period;
static volatile bool lat_measuring;

/* The TSC of a tick: spins until an interrupt shows as a gap, and returns the time before it. */
static uint64_t lat_find_tick(void)
{
    uint64_t before = bst_rdtsc();
    for (;;) {
        uint64_t now = bst_rdtsc();
        if (now - before > LAT_GAP)
            return before;
        before = now;
    }
}

static void __attribute__((noreturn)) lat_watcher(uint64_t unused)
{
    (void)unused;
    /* Measured rather than tsc_hz / timer_hz: a periodic APIC timer ticks at its own rate.
     * Of two intervals between three ticks, one is free of the watcher's own time slice end. */
    uint64_t t1 = lat_find_tick(), t2 = lat_find_tick(), grid = lat_find_tick();
    uint64_t period = t2 - t1 < grid - t2 ? t2 - t1 : grid - t2;
    lat_period = period;
    for (;;) {
        bst_yield(); /* the hog runs until a tick ends its time slice */
        uint64_t resumed = bst_rdtsc();
        uint64_t late = (resumed - grid) % period;
        if (lat_measuring) {
            lat_samples++;
            if (late > lat_worst)
                lat_worst = late;
        }
        grid = lat_find_tick(); /* a fresh grid point, in case the kernel moved the grid */
    }
}

/* Boot untypeds the copy and relay rows keep for good (they run after irq_latency_worst). */
#define CLAIMED_MAX 4u
static bst_cptr_t claimed[CLAIMED_MAX];

static bool is_claimed(bst_cptr_t ut)
{
    for (unsigned i = 0; i < CLAIMED_MAX; i++)
        if (ut && claimed[i] == ut)
            return true;
    return false;
}

/* A boot untyped of at least bits that nothing else here carves from, or 0. */
static bst_cptr_t lat_boot_untyped(unsigned bits, bst_cptr_t other)
{
    const struct bst_bootinfo *bi = bst_bootinfo;
    bst_cptr_t largest = bst_largest_boot_untyped(), best = 0;
    unsigned best_bits = 64;
    for (unsigned i = 0; i < bi->untyped_count; i++) {
        const struct bst_untyped_desc *u = &bi->untyped[i];
        if (!u->is_device && u->size_bits >= bits && u->size_bits < best_bits && u->slot != largest &&
            u->slot != other && !is_claimed(u->slot)) {
            best = u->slot;
            best_bits = u->size_bits;
        }
    }
    return best;
}

/* The smallest spare boot untyped of at least bits, kept from now on; 0 if none. */
static bst_cptr_t claim_boot_untyped(unsigned bits)
{
    bst_cptr_t ut = lat_boot_untyped(bits, 0);
    for (unsigned i = 0; ut && i < CLAIMED_MAX; i++)
        if (!claimed[i]) {
            claimed[i] = ut;
            return ut;
        }
    return 0;
}

static void unclaim_boot_untyped(bst_cptr_t ut)
{
    for (unsigned i = 0; ut && i < CLAIMED_MAX; i++)
        if (claimed[i] == ut)
            claimed[i] = 0;
}

static bool lat_setup(bst_cptr_t *big, bst_cptr_t *small)
{
    *big = lat_boot_untyped(LAT_RETYPE_BITS, 0);
    *small = lat_boot_untyped(LAT_CNODE_RADIX + BST_SLOT_SIZE_BITS + 1, *big);
    if (!*big || !*small) {
        bst_printf("bench: irq_latency_worst: no spare boot untyped of 2^%u and 2^%u bytes\n", LAT_RETYPE_BITS,
                   LAT_CNODE_RADIX + BST_SLOT_SIZE_BITS + 1);
        return false;
    }
    uint64_t e = bst_untyped_retype(*small, BST_OBJ_CNODE, LAT_CNODE_RADIX, BST_CAP_ROOT_CNODE, 0, 0, slot(LAT_CNODE), 1);
    if (!e) e = bst_untyped_retype(*small, BST_OBJ_UNTYPED, LAT_EP_UT_BITS, BST_CAP_ROOT_CNODE, 0, 0, slot(LAT_EP_UT), 1);
    if (!e) e = start_local_thread(slot(LAT_TCB), slot(LAT_FRAME), LAT_EXCHANGE, lat_watcher, lat_stack, 128);
    if (e)
        bst_printf("bench: irq_latency_worst set-up failed: %s\n", bst_error_name(e));
    return e == BST_OK;
}

static uint64_t lat_longest_call; /* wall time of the longest call, watcher's turns included */

/* Runs a call's result through, timing it from t0. */
static uint64_t lat_timed(uint64_t t0, uint64_t e)
{
    uint64_t took = bst_rdtsc() - t0;
    if (took > lat_longest_call)
        lat_longest_call = took;
    return e;
}

/* One round of the hog's work; false on a failed call. */
static bool lat_round(bst_cptr_t big)
{
    uint64_t e = BST_OK;
    for (unsigned made = 0; e == BST_OK && made < LAT_CAPS; made += LAT_BATCH) {
        unsigned n = LAT_CAPS - made < LAT_BATCH ? LAT_CAPS - made : LAT_BATCH;
        e = bst_untyped_retype(slot(LAT_EP_UT), BST_OBJ_ENDPOINT, 0, slot(LAT_CNODE), 0, 0, 1 + made, n);
    }
    uint64_t t0 = bst_rdtsc();
    if (!e) e = lat_timed(t0, bst_cnode_revoke(BST_CAP_ROOT_CNODE, slot(LAT_EP_UT), 64));
    t0 = bst_rdtsc();
    if (!e) e = lat_timed(t0, bst_untyped_retype(big, BST_OBJ_FRAME_2M, 0, slot(LAT_CNODE), 0, 0, LAT_FRAMES_FIRST, LAT_FRAMES));
    if (!e) e = bst_cnode_revoke(BST_CAP_ROOT_CNODE, big, 64);
    if (e)
        bst_printf("bench: irq_latency_worst: %s (argument %lld, %llu)\n", bst_error_name(e),
                   (long long)bst_exchange->error.argument, (unsigned long long)bst_exchange->error.min);
    return e == BST_OK;
}

static unsigned irq_latency_worst(unsigned n)
{
    bst_cptr_t big, small;
    if (!setup_scratch() || !lat_setup(&big, &small))
        return 0;
    unsigned rounds = n < LAT_ROUNDS ? n : LAT_ROUNDS;
    lat_worst = 0;
    lat_measuring = true;
    bool ok = true;
    for (unsigned i = 0; ok && i < rounds; i++)
        ok = lat_round(big);
    lat_measuring = false;
    bst_tcb_suspend(slot(LAT_TCB));
    bst_cnode_revoke(BST_CAP_ROOT_CNODE, small, 64);
    /* Context for the row: without preemption points this bounds the latency instead. */
    bst_printf("bench: irq_latency_worst: %llu watcher samples in %u rounds (tick period %llu), "
               "longest revoke or retype call %llu\n", (unsigned long long)lat_samples, rounds,
               (unsigned long long)lat_period, (unsigned long long)lat_longest_call);
    if (!ok || lat_samples == 0)
        return 0;
    samples[0] = lat_worst; /* one row value: the worst of all samples */
    return 1;
}

/*
 * ---- Copying a buffer through IPC: the baseline for zero-copy transfer
 * (relay segments). The root hands a buffer of 2^bits bytes to a partner
 * process and gets it back, 512 bytes per Call (64 words: 0-3 in registers,
 * 4-63 copied by the kernel between the exchange frames): first the PUT calls
 * carry it there, then the GET calls' replies bring it back (roles.h). Both
 * sides copy each chunk between their buffer and the message, and touch
 * (read and write) the first and last byte: the root before sending and after
 * the last chunk is back, the partner once it holds it all. One sample is the
 * whole round trip. The buffers are 2 MiB frames, each side's from a spare
 * boot untyped of its own: the root's at COPY_VADDR (the scratch page
 * directory's slots 1-128), the partner's at BENCH_COPY_BUFFER (a PDPT and
 * page directory of its own). The partner (module bench-copy, bench/copy/)
 * and its tables come from an untyped of their own; these rows run after the
 * others they could disturb.
 */
#define COPY_VADDR (BENCH_VADDR + (2ull << 20))
#define COPY_FRAME_BITS 21
#define COPY_MIN_BUFFER_BITS 24 /* the buffers' size on a machine without 256 MiB to spare per side */
#define COPY_MAX_FRAMES (1u << (BENCH_COPY_MAX_BITS - COPY_FRAME_BITS)) /* per side */
#define COPY_UT_BITS 20 /* the partner and its tables (and the relay rows' entry table and link stack) */
enum { COPY_UT = 600, COPY_PDPT, COPY_PD, COPY_FRAME_FIRST,
       COPY_PARTNER_SLOT = COPY_FRAME_FIRST + 2 * COPY_MAX_FRAMES };
static struct bst_process copy_proc;
static unsigned copy_bits; /* the buffers' size (log2) once mapped: a bigger row cannot run */

/* As spawn_partner, from the bench-copy module. */
static uint64_t spawn_copy_partner(bst_cptr_t ut, uint64_t first_slot, struct bst_process *p)
{
    const struct bst_boot_module *m = 0;
    for (unsigned i = 0; i < bst_bootinfo->module_count && !m; i++)
        if (strstr_bounded(bst_bootinfo->modules[i].name, "bench-copy"))
            m = &bst_bootinfo->modules[i];
    if (!m || !make_endpoints(BENCH_ROLE_COPY)) {
        p->why = m ? "no endpoints" : "no bench-copy module";
        return BST_E_INVALID_ARG;
    }
    const struct bst_spawn_cap caps[] = {{ep_a(BENCH_ROLE_COPY), BENCH_EP_A, BST_RIGHTS_ALL},
                                         {ep_b(BENCH_ROLE_COPY), BENCH_EP_B, BST_RIGHTS_ALL}};
    struct bst_spawn params = {
        .image = (const void *)m->user_addr, .image_size = m->size, .untyped = ut, .asid_pool = BST_CAP_ROOT_ASID_POOL,
        .cnode = BST_CAP_ROOT_CNODE, .first_slot = first_slot, .slot_count = PARTNER_SLOTS,
        .vspace = BST_CAP_ROOT_VSPACE, .scratch_vaddr = BST_SPAWN_ROOT_SCRATCH,
        .authority = BST_CAP_ROOT_TCB, .priority = 128, .start_arg = BENCH_ROLE_COPY, .stack_pages = 2,
        .caps = caps, .cap_count = 2,
    };
    return bst_process_spawn(&params, p);
}

/* The partner process, spawned once: the copy rows' receiver and the relay rows' callee. */
static bool copy_partner(void)
{
    static int state; /* 0: not tried, 1: running, -1: failed */
    if (state)
        return state > 0;
    state = -1;
    if (!setup_scratch())
        return false;
    bst_cptr_t ut = slot(COPY_UT);
    uint64_t e = bst_untyped_retype(bst_largest_boot_untyped(), BST_OBJ_UNTYPED, COPY_UT_BITS, BST_CAP_ROOT_CNODE, 0, 0, ut, 1);
    if (!e) e = bst_untyped_retype(ut, BST_OBJ_PDPT, 0, BST_CAP_ROOT_CNODE, 0, 0, slot(COPY_PDPT), 1);
    if (!e) e = bst_untyped_retype(ut, BST_OBJ_PAGE_DIRECTORY, 0, BST_CAP_ROOT_CNODE, 0, 0, slot(COPY_PD), 1);
    if (e) {
        bst_printf("bench: copy partner set-up failed: %s\n", bst_error_name(e));
        return false;
    }
    e = spawn_copy_partner(ut, slot(COPY_PARTNER_SLOT), &copy_proc);
    if (e != BST_OK) {
        bst_printf("bench: spawning the copy partner failed: %s (%s)\n", bst_error_name(e), copy_proc.why);
        return false;
    }
    bst_yield(); /* it runs (same priority) and waits in Recv */
    state = 1;
    return true;
}

/*
 * Each side's buffer fills a spare boot untyped of 256 MiB (make bench gives
 * the guest 2 GiB of RAM: tools/bench); on a machine without two of them,
 * 16 MiB each, and the 256 MiB row says it cannot run.
 */
static uint64_t copy_frames(void)
{
    for (copy_bits = BENCH_COPY_MAX_BITS; copy_bits >= COPY_MIN_BUFFER_BITS; copy_bits -= 4) {
        bst_cptr_t mine = claim_boot_untyped(copy_bits), theirs = mine ? claim_boot_untyped(copy_bits) : 0;
        if (!theirs) {
            unclaim_boot_untyped(mine);
            continue;
        }
        unsigned frames = 1u << (copy_bits - COPY_FRAME_BITS);
        uint64_t e = bst_untyped_retype(mine, BST_OBJ_FRAME_2M, 0, BST_CAP_ROOT_CNODE, 0, 0, slot(COPY_FRAME_FIRST), frames);
        if (!e) e = bst_untyped_retype(theirs, BST_OBJ_FRAME_2M, 0, BST_CAP_ROOT_CNODE, 0, 0,
                                       slot(COPY_FRAME_FIRST + COPY_MAX_FRAMES), frames);
        return e;
    }
    copy_bits = 0;
    return BST_E_NO_MEMORY;
}

static bool copy_setup(void)
{
    static bool done;
    if (done)
        return true;
    if (!copy_partner())
        return false;
    uint64_t e = copy_frames();
    if (e) {
        bst_printf("bench: copy_ipc set-up failed: %s\n", bst_error_name(e));
        return false;
    }
    unsigned frames = 1u << (copy_bits - COPY_FRAME_BITS);
    for (unsigned i = 0; e == BST_OK && i < frames; i++)
        e = bst_frame_map(slot(COPY_FRAME_FIRST + i), BST_CAP_ROOT_VSPACE, COPY_VADDR + ((uint64_t)i << COPY_FRAME_BITS),
                          BST_RIGHT_READ | BST_RIGHT_WRITE, BST_CACHE_WRITE_BACK);
    if (!e) e = bst_page_table_map(slot(COPY_PDPT), copy_proc.vspace, BENCH_COPY_BUFFER);
    if (!e) e = bst_page_table_map(slot(COPY_PD), copy_proc.vspace, BENCH_COPY_BUFFER);
    for (unsigned i = 0; e == BST_OK && i < frames; i++)
        e = bst_frame_map(slot(COPY_FRAME_FIRST + COPY_MAX_FRAMES + i), copy_proc.vspace,
                          BENCH_COPY_BUFFER + ((uint64_t)i << COPY_FRAME_BITS), BST_RIGHT_READ | BST_RIGHT_WRITE,
                          BST_CACHE_WRITE_BACK);
    if (e)
        bst_printf("bench: copy_ipc: mapping the buffers failed: %s\n", bst_error_name(e));
    done = e == BST_OK;
    return done;
}

/* n / divisor timed round trips (at least one) after warmup untimed ones. */
static unsigned copy_ipc(unsigned n, unsigned bits, unsigned divisor, unsigned warmup)
{
    if (!copy_setup())
        return 0;
    if (bits > copy_bits) {
        bst_printf("bench: copy_ipc: no spare boot untyped of 2^%u bytes per side for this size "
                   "(make bench boots with 2 GiB of RAM)\n", bits);
        return 0;
    }
    n = n / divisor > 0 ? n / divisor : 1;
    const uint64_t size = 1ull << bits;
    volatile uint8_t *buf = (volatile uint8_t *)COPY_VADDR;
    uint8_t *plain = (uint8_t *)COPY_VADDR;
    bst_cptr_t ep = ep_a(BENCH_ROLE_COPY);
    for (uint64_t i = 0; i < size; i++) /* a pattern to check afterwards */
        buf[i] = (uint8_t)(i * 7 + 1);
    uint8_t first = buf[0], last = buf[size - 1];
    uint64_t w[4];
    struct bst_msg m;
    for (unsigned i = 0; i < n + warmup; i++) {
        uint64_t e = BST_OK;
        uint64_t t0 = bst_rdtsc();
        buf[0] = (uint8_t)(buf[0] + 1);
        buf[size - 1] = (uint8_t)(buf[size - 1] + 1);
        for (uint64_t at = 0; at < size; at += BENCH_COPY_CHUNK) {
            memcpy(w, plain + at, sizeof w);
            memcpy(&bst_exchange->msg[4], plain + at + sizeof w, BENCH_COPY_CHUNK - sizeof w);
            e |= bst_call(ep, bst_msginfo(BENCH_COPY_PUT, 0, BST_MSG_MAX_WORDS), w, &m);
        }
        for (uint64_t at = 0; at < size; at += BENCH_COPY_CHUNK) {
            e |= bst_call(ep, bst_msginfo(BENCH_COPY_GET, 0, 0), 0, &m);
            memcpy(plain + at, m.words, sizeof m.words);
            memcpy(plain + at + sizeof m.words, &bst_exchange->msg[4], BENCH_COPY_CHUNK - sizeof m.words);
        }
        buf[0] = (uint8_t)(buf[0] + 1);
        buf[size - 1] = (uint8_t)(buf[size - 1] + 1);
        uint64_t t1 = bst_rdtsc();
        if (e != BST_OK || bst_msginfo_label(m.info) != 0) {
            bst_printf("bench: copy_ipc: call failed: %s\n", bst_error_name(e));
            return 0;
        }
        if (i >= warmup)
            samples[i - warmup] = adjusted(t1 - t0);
    }
    /* Three touches of each end per round trip; the rest came back as it went. */
    uint8_t rounds = (uint8_t)(n + warmup);
    if (buf[0] != (uint8_t)(first + 3 * rounds) || buf[size - 1] != (uint8_t)(last + 3 * rounds) ||
        buf[size / 2] != (uint8_t)((size / 2) * 7 + 1) || buf[size - 2] != (uint8_t)((size - 2) * 7 + 1)) {
        bst_printf("bench: copy_ipc: the buffer came back wrong\n");
        return 0;
    }
    return n;
}

/*
 * Far fewer samples for the big buffers (a 16 MiB round trip is 65,536
 * calls): a tenth of the iterations for 4 KiB, down to a ten-thousandth for
 * 16 MiB (10,000 ... 10 of the default 100,000), at least one; the Linux side
 * (pipe_*) uses the same counts.
 */
static unsigned copy_ipc_4k(unsigned n) { return copy_ipc(n, 12, 10, 100); }
static unsigned copy_ipc_64k(unsigned n) { return copy_ipc(n, 16, 100, 10); }
static unsigned copy_ipc_1m(unsigned n) { return copy_ipc(n, 20, 1000, 2); }
static unsigned copy_ipc_16m(unsigned n) { return copy_ipc(n, 24, 10000, 1); }
/*
 * 256 MiB: one round trip is 1.3 billion instructions (some 13 s of TCG), so
 * three samples of the default 100,000 iterations (at least one) and no
 * warm-up; the median drops one odd round trip. pipe_256m does the same.
 */
#define COPY_256M_DIVISOR 33333u
#define COPY_256M_WARMUP 0u
static unsigned copy_ipc_256m(unsigned n) { return copy_ipc(n, 28, COPY_256M_DIVISOR, COPY_256M_WARMUP); }

/*
 * ---- Relay segments: the zero-copy counterpart of the copy rows. The root
 * binds an entry table and a link stack of depth 1 (size_bits 1: its header
 * and one record) to its own thread and registers two entries in the copy
 * partner's address space (bench/copy/:
 * BST_XENTRY_TRAMPOLINE entries, each on a stack of its own there). For a
 * row, it attaches a segment of that size, then each sample is one round
 * trip with the whole segment (mask BST_RELAY_MASK_ALL): the root touches
 * (reads and writes) the first and last byte of its view, XCalls the touch
 * entry, which touches both in its own address space and XRets, and the root
 * touches them again once the segment is back: the same touches as the copy
 * rows, and no byte moves. xcall_xret is the bare round trip (an entry that
 * only returns, a 4 KiB segment, nothing touched). The segments come from one
 * spare boot untyped of 512 MiB (a 256 MiB segment takes 256 MiB aligned and
 * 16 KiB after it), made biggest first so each finds its alignment.
 */
#define RELAY_SIZES 5u
static const unsigned relay_bits[RELAY_SIZES] = {28, 24, 20, 16, 12}; /* biggest first */
enum { RELAY_ENTRY_NULL, RELAY_ENTRY_TOUCH }; /* entry numbers in the root's table */
enum { RELAY_TABLE = 940, RELAY_LINK_STACK, RELAY_XENTRY_NULL, RELAY_XENTRY_TOUCH, RELAY_SEGMENT_FIRST };

/* Prints a failed relay call with its detail. */
static uint64_t relay_check(const char *what, uint64_t e) { return bst_report_failure("bench: relay", what, e); }

/* Registers entry `index` at address `entry` in the partner, on stack number `index`, and lets the root call it. */
static uint64_t relay_register(uint64_t index, uint64_t entry, const struct bst_msg *where, bst_cptr_t xentry)
{
    uint64_t stack_size = where->words[BENCH_RELAY_WORD_STACK_SIZE];
    struct bst_xentry_desc d = {
        .index = index, .cspace = copy_proc.cspace, .vspace = copy_proc.vspace, .entry_point = entry,
        .stack_base = where->words[BENCH_RELAY_WORD_STACK] + index * stack_size, .stack_size = stack_size,
        .max_nesting = 1,
    };
    uint64_t e = relay_check("XEntryTable_Register", bst_xentry_register(slot(RELAY_TABLE), &d, BST_CAP_ROOT_CNODE,
                                                                         xentry, 64));
    if (!e) e = relay_check("XEntry_GrantService", bst_xentry_grant_service(xentry, BST_CAP_ROOT_TCB));
    return e;
}

/* The segments, biggest first; a size that does not fit any more is left out (its row says so). */
static void relay_segments(void)
{
    bst_cptr_t ut = claim_boot_untyped(relay_bits[0] + 1);
    for (unsigned bits = relay_bits[0]; !ut && bits > relay_bits[RELAY_SIZES - 1]; bits--)
        ut = claim_boot_untyped(bits); /* a smaller machine: the sizes that fit */
    for (unsigned i = 0; ut && i < RELAY_SIZES; i++)
        bst_untyped_retype(ut, BST_OBJ_RELAY_SEGMENT, relay_bits[i], BST_CAP_ROOT_CNODE, 0, 0,
                           slot(RELAY_SEGMENT_FIRST + i), 1);
}

static bool relay_setup(void)
{
    static int state; /* 0: not tried, 1: ready, -1: failed */
    if (state)
        return state > 0;
    state = -1;
    if (!copy_partner())
        return false;
    struct bst_msg where;
    uint64_t e = relay_check("entry table", bst_untyped_retype(slot(COPY_UT), BST_OBJ_XENTRY_TABLE, 0, BST_CAP_ROOT_CNODE,
                                                               0, 0, slot(RELAY_TABLE), 1));
    if (!e) e = relay_check("link stack", bst_untyped_retype(slot(COPY_UT), BST_OBJ_LINK_STACK, 1, BST_CAP_ROOT_CNODE,
                                                             0, 0, slot(RELAY_LINK_STACK), 1));
    if (!e) e = relay_check("TCB_SetRelay", bst_tcb_set_relay(BST_CAP_ROOT_TCB, slot(RELAY_TABLE), slot(RELAY_LINK_STACK)));
    if (!e) e = relay_check("asking the partner for its entries",
                            bst_call(ep_a(BENCH_ROLE_COPY), bst_msginfo(BENCH_RELAY_WHERE, 0, 0), 0, &where));
    if (!e && bst_msginfo_label(where.info) != 0)
        e = relay_check("asking the partner for its entries", BST_E_INVALID_ARG);
    if (!e) e = relay_register(RELAY_ENTRY_NULL, where.words[BENCH_RELAY_WORD_NULL], &where, slot(RELAY_XENTRY_NULL));
    if (!e) e = relay_register(RELAY_ENTRY_TOUCH, where.words[BENCH_RELAY_WORD_TOUCH], &where, slot(RELAY_XENTRY_TOUCH));
    if (e)
        return false;
    relay_segments();
    state = 1;
    return true;
}

/* Attaches the segment of 2^bits bytes to the root's thread; false (said why) if there is none. */
static bool relay_attach(unsigned bits)
{
    for (unsigned i = 0; i < RELAY_SIZES; i++)
        if (relay_bits[i] == bits)
            return relay_check("RelaySegment_Attach", bst_relay_attach(slot(RELAY_SEGMENT_FIRST + i), BST_CAP_ROOT_TCB)) ==
                   BST_OK;
    return false;
}

static void relay_detach(unsigned bits)
{
    for (unsigned i = 0; i < RELAY_SIZES; i++)
        if (relay_bits[i] == bits)
            relay_check("RelaySegment_Detach", bst_relay_detach(slot(RELAY_SEGMENT_FIRST + i)));
}

/* The bare round trip: XCall to an entry that returns at once, a 4 KiB segment handed along. */
static unsigned xcall_xret(unsigned n)
{
    if (!relay_setup() || !relay_attach(12))
        return 0;
    const uint64_t args[4] = {0, 0, 0, 0};
    uint64_t results[4];
    unsigned got = n;
    for (unsigned i = 0; i < n + WARMUP_ITERATIONS; i++) {
        uint64_t t0 = bst_rdtsc();
        uint64_t e = bst_xcall(RELAY_ENTRY_NULL, BST_RELAY_MASK_ALL, args, results);
        uint64_t t1 = bst_rdtsc();
        if (relay_check("XCall", e) || results[0] != 0) {
            got = 0;
            break;
        }
        keep(i, adjusted(t1 - t0));
    }
    relay_detach(12);
    return got;
}

static void touch_ends(volatile uint8_t *view, uint64_t size)
{
    view[0] = (uint8_t)(view[0] + 1);
    view[size - 1] = (uint8_t)(view[size - 1] + 1);
}

/* One XCall of the touch entry with the whole view; false (said why) unless it saw the whole segment. */
static bool relay_round(uint64_t size, uint64_t *t0, uint64_t *t1)
{
    volatile uint8_t *view = (volatile uint8_t *)BST_RELAY_WINDOW_BASE;
    const uint64_t args[4] = {0, 0, 0, 0};
    uint64_t results[4];
    *t0 = bst_rdtsc();
    touch_ends(view, size);
    uint64_t e = bst_xcall(RELAY_ENTRY_TOUCH, BST_RELAY_MASK_ALL, args, results);
    touch_ends(view, size);
    *t1 = bst_rdtsc();
    if (relay_check("XCall", e))
        return false;
    if (results[0] != 0 || results[1] != BST_RELAY_WINDOW_BASE || results[2] != size) {
        bst_printf("bench: relay: the callee saw %llu bytes at %#llx (status %llu), not the whole segment\n",
                   (unsigned long long)results[2], (unsigned long long)results[1], (unsigned long long)results[0]);
        return false;
    }
    return true;
}

/* n / divisor timed round trips (at least one) with the segment of 2^bits bytes, after warmup untimed ones. */
static unsigned relay(unsigned n, unsigned bits, unsigned divisor, unsigned warmup)
{
    if (!relay_setup() || !relay_attach(bits))
        return 0;
    n = n / divisor > 0 ? n / divisor : 1;
    const uint64_t size = 1ull << bits;
    volatile uint8_t *view = (volatile uint8_t *)BST_RELAY_WINDOW_BASE;
    view[size / 2] = 0x5a; /* untouched: must be there after all the round trips */
    uint8_t first = view[0], last = view[size - 1];
    unsigned got = n;
    for (unsigned i = 0; i < n + warmup; i++) {
        uint64_t t0, t1;
        if (!relay_round(size, &t0, &t1)) {
            got = 0;
            break;
        }
        if (i >= warmup)
            samples[i - warmup] = adjusted(t1 - t0);
    }
    /* Three touches of each end per round trip, two here and one in the callee. */
    uint8_t rounds = (uint8_t)(n + warmup);
    if (got && (view[0] != (uint8_t)(first + 3 * rounds) || view[size - 1] != (uint8_t)(last + 3 * rounds) ||
                view[size / 2] != 0x5a)) {
        bst_printf("bench: relay: the segment came back wrong\n");
        got = 0;
    }
    relay_detach(bits);
    return got;
}

/*
 * The same count for every size, a tenth of the iterations (10,000 of the
 * default 100,000, as copy_ipc_4k), after 100 warm-up round trips: a round
 * trip costs the same whatever the size, which is the point.
 */
static unsigned relay_4k(unsigned n) { return relay(n, 12, 10, 100); }
static unsigned relay_64k(unsigned n) { return relay(n, 16, 10, 100); }
static unsigned relay_1m(unsigned n) { return relay(n, 20, 10, 100); }
static unsigned relay_16m(unsigned n) { return relay(n, 24, 10, 100); }
static unsigned relay_256m(unsigned n) { return relay(n, 28, 10, 100); }

/* The suite: later mechanisms add rows here without changing its shape. */
static const struct {
    const char *name;
    unsigned (*run)(unsigned iterations); /* fills samples[], returns how many */
} benchmarks[] = {
    {"null_syscall", null_syscall},
    {"thread_sync", thread_sync},
    {"ipc_oneway", ipc_oneway},
    {"ipc_roundtrip", ipc_roundtrip},
    {"context_switch", context_switch},
    {"map_unmap", map_unmap},
    {"process_create", process_create},
    {"ipc_roundtrip_same_as", ipc_roundtrip_same_as},
    {"retype_tcb", retype_tcb},
    {"irq_latency_worst", irq_latency_worst},
    {"copy_ipc_4k", copy_ipc_4k},
    {"copy_ipc_64k", copy_ipc_64k},
    {"copy_ipc_1m", copy_ipc_1m},
    {"copy_ipc_16m", copy_ipc_16m},
    {"copy_ipc_256m", copy_ipc_256m},
    {"xcall_xret", xcall_xret},
    {"relay_4k", relay_4k},
    {"relay_64k", relay_64k},
    {"relay_1m", relay_1m},
    {"relay_16m", relay_16m},
    {"relay_256m", relay_256m},
    {"signal_to_run", signal_to_run}, /* last: it lowers the root's priority */
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
        unsigned got = benchmarks[i].run(n);
        if (got == 0) {
            bst_printf("bench: %s failed\n", benchmarks[i].name);
            continue;
        }
        struct bench_summary s = bench_summarise(samples, got);
        bench_report(benchmarks[i].name, &s);
    }
    bst_printf("bench: fastpath hits %llu\n", (unsigned long long)bst_debug_call(BST_SYS_DEBUG_FASTPATH_HITS, BST_CAP_MACHINE_CONTROL, 0).value0);
    bst_printf("bench: done\n");
    return 0;
}
