/*
 * Relay segments and XCall/XRet (abi/bastion/relay.h, issue 10): Retype of
 * the three new objects, segment ownership, TCB_SetRelay, entry
 * registration, call grants, every XCall and XRet error in the kernel's
 * order with nothing changed after it, round trips into other address
 * spaces, the chain A -> B -> C, sub-range masks, revocation while in use,
 * callee crashes, a second thread touching the segment during a call, link
 * stack overflow, busy stacks and destroyed callee address spaces.
 *
 * The root task is A, the caller. Callees run in address spaces made by
 * relaytest.c: copies of the root task's image, so relay_entry below is an
 * entry point at the same address there. Every callee runs the one handler,
 * relay_handler, which does what word 0 of the call says (enum op); it reads
 * plans and leaves notes in the shared frame (struct shared), and must not
 * write globals (its image is read-only), call scratch_slot (no bootinfo
 * there) or touch bst_exchange: inside a call the thread has no exchange
 * frame, so a callee learns the codes of its own failed calls and nothing
 * more. Checks that need the detail are made by the root task at depth 0,
 * with helper threads (tthread.h) as the callers in flight where needed.
 * Helper threads run at LOW, below the root task, so they run only while
 * it blocks.
 */
#include <stddef.h>
#include "tests/target/cases.h"
#include "tests/target/captest.h"
#include "tests/target/relaytest.h"
#include "tests/target/tthread.h"
#include "user/lib/ipc.h"
#include "user/lib/notify.h"
#include "user/lib/tcb.h"
#include "user/lib/vspace.h"
#include "lib/string.h"

#define S(n) scratch_slot(n)
#define UT_BITS 22     /* 4 MiB: two callee spaces and a segment */
#define BIG_UT_BITS 23 /* 8 MiB: a 4 MiB segment and a callee space */
#define SEG S(1)
#define SEG2 S(2)
#define TABLE S(3)
#define LINK S(4)
#define TABLE2 S(5)
#define LINK2 S(6)
#define SHARED_FRAME S(7)
#define EP S(8)
#define NOTIF S(9)
#define X(i) S(10 + (i)) /* XEntry caps, i < 8 */
#define WEAK S(18)
#define OBJ S(19)
#define BARE_VS S(20) /* a PML4 with an ASID and nothing mapped */
#define BARE_VS2 S(21)
#define TCB2 S(22)
#define TCB3 S(23)
#define LINK3 S(24)
#define EP_B(i) S(25 + (i)) /* badged copies of EP, badge i (1..3) */
#define NOASID_VS S(29)
#define FRAME S(30)
#define PDPT S(31)
#define PD S(32)
#define PT S(33)

#define WINDOW BST_RELAY_WINDOW_BASE
#define PAGE BST_PAGE_SIZE
#define ALL BST_RELAY_MASK_ALL
#define NONE BST_RELAY_MASK_NONE
#define NO_ENTRY (~0ull)
#define LOW 100
#define ROOT_PRIORITY 128
#define BARE_ENTRY 0x1000ull /* nothing mapped there: a call into a bare space faults at once */
#define NO_FAULT_LABEL 0x99
#define CRASH_ADDR 0xdead000ull
#define PF_VECTOR 14
#define UD_VECTOR 6
#define MAX_DEPTH 4
#define SCRIPT_MAX 4

/* ---- the shared frame: plans from the suite, notes from the callees */

enum op { OP_REPORT = 1, OP_STEP, OP_TOUCH, OP_UD2, OP_INVOKE, OP_WAIT_FAULT };
enum inv_kind { INV_DELETE = 1, INV_UNREGISTER, INV_GRANT, INV_REVOKE, INV_ATTACH, INV_DETACH, INV_SET_RELAY,
                INV_WAIT, INV_LONG, INV_REVOKE_CAP };
enum reg { R_RDI, R_RSI, R_RDX, R_R10, R_R8, R_R9, R_RSP, R_RAX, R_RBX, R_RCX, R_RBP, R_R11, R_R12, R_R13, R_R14,
           R_R15, REG_COUNT };

struct plan { uint64_t entry, mask, op, arg; }; /* the onward call OP_STEP makes at its depth */
struct inv { uint64_t kind, a, b; };             /* one invocation of an OP_INVOKE script */

struct shared {
    uint64_t regs[REG_COUNT]; /* relay_regs_entry: the callee's registers at entry (offset 0: the asm) */
    struct plan plan[MAX_DEPTH];
    uint64_t error[MAX_DEPTH]; /* OP_STEP at depth d: its onward call's code (a callee gets no detail) */
    uint64_t ok[MAX_DEPTH], frame_at[MAX_DEPTH], view_at[MAX_DEPTH], size_at[MAX_DEPTH];
    struct inv script[SCRIPT_MAX];
    uint64_t script_len;
    uint64_t outcome[SCRIPT_MAX];
};
_Static_assert(offsetof(struct shared, regs) == 0, "relay_regs_entry stores at RELAY_SHARED_ADDR");
_Static_assert(sizeof(struct shared) <= PAGE, "one frame");
#define SH ((volatile struct shared *)RELAY_SHARED_ADDR)

/* ---- the callee side (runs in callee spaces: no writes to globals, no bootinfo) */

void relay_entry(void); /* BST_XENTRY_TRAMPOLINE below */

static void op_report(struct bst_xcall_frame *f)
{
    f->result[0] = f->word[1] + 1;
    f->result[1] = f->view;
    f->result[2] = f->view_size;
    f->result[3] = (uint64_t)f;
}

/* The part of the view a mask hands on (mask NONE: nothing). */
static void sub_view(const struct bst_xcall_frame *f, uint64_t mask, uint64_t *base, uint64_t *size)
{
    *base = mask == ALL ? f->view : WINDOW + bst_relay_mask_offset(mask);
    *size = mask == ALL ? f->view_size : mask == NONE ? 0 : 1ull << bst_relay_mask_bits(mask);
}

/* After the onward call: its sub-view holds what the callee left, the rest what we wrote. */
static bool view_after(const struct bst_xcall_frame *f, uint64_t mask, uint64_t mine, uint64_t theirs)
{
    uint64_t base, size, end = f->view + f->view_size;
    sub_view(f, mask, &base, &size);
    if (size == 0)
        return relay_view_holds(f->view, f->view_size, mine);
    return relay_view_holds(base, size, theirs) && (base == f->view || relay_view_holds(f->view, base - f->view, mine)) &&
           (base + size == end || relay_view_holds(base + size, end - (base + size), mine));
}

static uint64_t onward(uint64_t v, uint64_t d, uint64_t *final)
{
    volatile struct plan *p = &SH->plan[d];
    uint64_t op = p->op ? p->op : OP_STEP, res[4] = {0, 0, 0, 0};
    uint64_t args[4] = {op, op == OP_STEP ? v + 1 : p->arg, d + 1, 0};
    uint64_t e = bst_xcall(p->entry, p->mask, args, res);
    SH->error[d] = e;
    *final = e == BST_OK && op == OP_STEP ? res[1] : v + 1;
    return e;
}

/*
 * word 1: the value every page of the view holds; word 2: our depth. Checks
 * it, writes value + 1, makes the onward call plan[depth] says (if any),
 * checks what came back, writes value + 3. result: the onward call's code,
 * the final value, the check bits (1: on entry, 2: after the onward call).
 */
static void op_step(struct bst_xcall_frame *f)
{
    uint64_t v = f->word[1], d = f->word[2] % MAX_DEPTH, final = v + 1, e = BST_OK;
    uint64_t ok = relay_view_holds(f->view, f->view_size, v);
    SH->ok[d] = ok; /* now: an onward call may never come back here */
    SH->frame_at[d] = (uint64_t)f;
    SH->view_at[d] = f->view;
    SH->size_at[d] = f->view_size;
    relay_view_fill(f->view, f->view_size, v + 1);
    if (SH->plan[d].entry != NO_ENTRY) {
        uint64_t theirs;
        e = onward(v, d, &theirs);
        /* A refused or failed call handed nothing on: all of the view is still ours to check. */
        ok |= (uint64_t)(e == BST_OK ? view_after(f, SH->plan[d].mask, v + 1, theirs)
                                     : relay_view_holds(f->view, f->view_size, v + 1)) << 1;
        final = v + 3;
        relay_view_fill(f->view, f->view_size, final);
    }
    SH->ok[d] = ok;
    f->result[0] = e;
    f->result[1] = final;
    f->result[2] = ok;
    f->result[3] = d;
}

/* An invocation of ten words, all but four of which would travel in the exchange frame. */
static uint64_t long_invocation(bst_cptr_t cap, uint64_t label)
{
    const uint64_t w[4] = {0, 0, 0, 0};
    return bst_ipc_syscall(BST_SYS_CALL, cap, bst_msginfo(label, 0, BST_XENTRY_REG_ARGS), w, 0);
}

static uint64_t run_inv(const volatile struct inv *s)
{
    uint64_t bits;
    switch (s->kind) {
    case INV_DELETE: return bst_cnode_delete(ROOT, s->a, ROOT_DEPTH);
    case INV_UNREGISTER: return bst_xentry_unregister(s->a);
    case INV_GRANT: return bst_xentry_grant_service(s->a, s->b);
    case INV_REVOKE: return bst_xentry_revoke_service(s->a, s->b);
    case INV_ATTACH: return bst_relay_attach(s->a, s->b);
    case INV_DETACH: return bst_relay_detach(s->a);
    case INV_SET_RELAY: return bst_tcb_set_relay(BST_CAP_ROOT_TCB, s->a, s->b);
    case INV_WAIT: return bst_wait(s->a, &bits);
    case INV_LONG: return long_invocation(s->a, s->b);
    case INV_REVOKE_CAP: return bst_cnode_revoke(ROOT, s->a, ROOT_DEPTH);
    default: return BST_E_INVALID_ARG;
    }
}

/* Runs the script in the shared frame; result 0: how many ran, result 1: word 1 + 1. */
static void op_invoke(struct bst_xcall_frame *f)
{
    uint64_t n = SH->script_len < SCRIPT_MAX ? SH->script_len : SCRIPT_MAX;
    for (uint64_t i = 0; i < n; i++)
        SH->outcome[i] = run_inv(&SH->script[i]);
    f->result[0] = n;
    f->result[1] = f->word[1] + 1;
}

/* word 1: an endpoint. Receives one message (a helper thread's fault) and stops the sender. */
static void op_wait_fault(struct bst_xcall_frame *f)
{
    struct bst_msg m = {0, 0, {0, 0, 0, 0}};
    uint64_t zero[4] = {0, 0, 0, 0};
    f->result[3] = relay_view_holds(f->view, f->view_size, f->word[2]);
    uint64_t e = bst_recv(f->word[1], &m);
    f->result[0] = e ? e << 32 : bst_msginfo_label(m.info);
    f->result[1] = m.words[BST_FAULT_WORD_ADDRESS];
    f->result[2] = m.badge;
    if (e == BST_OK)
        bst_reply(bst_msginfo(BST_FAULT_REPLY_STOP, 0, 0), zero);
}

__asm__(".text\n.globl relay_ud2\n.type relay_ud2,@function\nrelay_ud2:\n"
        ".globl relay_ud2_insn\nrelay_ud2_insn:\n  ud2\n  ret\n");
void relay_ud2(void);
extern const char relay_ud2_insn[];

void relay_handler(struct bst_xcall_frame *f);
void relay_handler(struct bst_xcall_frame *f)
{
    switch (f->word[0]) {
    case OP_REPORT: op_report(f); break;
    case OP_STEP: op_step(f); break;
    case OP_TOUCH:
        f->result[0] = relay_touch(f->word[1]);
        f->result[1] = 1; /* it did not fault */
        break;
    case OP_UD2: relay_ud2(); break;
    case OP_INVOKE: op_invoke(f); break;
    case OP_WAIT_FAULT: op_wait_fault(f); break;
    default: f->result[0] = ~0ull; break;
    }
}
BST_XENTRY_TRAMPOLINE(relay_entry, relay_handler);

/*
 * An entry point in assembly: stores its registers at entry in the shared
 * frame, puts junk in every callee-saved register and XRets with the
 * complement of each argument word.
 */
#define STORE(reg, i) "  movq %" #reg ", " TEST_STR(RELAY_SHARED_ADDR_HEX) "+8*" #i "\n"
#define RELAY_SHARED_ADDR_HEX 0x382000
_Static_assert(RELAY_SHARED_ADDR == 0x382000, "RELAY_SHARED_ADDR_HEX");
void relay_regs_entry(void);
__asm__(".text\n.globl relay_regs_entry\n.type relay_regs_entry,@function\nrelay_regs_entry:\n"
        STORE(rdi, 0) STORE(rsi, 1) STORE(rdx, 2) STORE(r10, 3) STORE(r8, 4) STORE(r9, 5) STORE(rsp, 6)
        STORE(rax, 7) STORE(rbx, 8) STORE(rcx, 9) STORE(rbp, 10) STORE(r11, 11) STORE(r12, 12) STORE(r13, 13)
        STORE(r14, 14) STORE(r15, 15)
        "  movabs $0xbad0bad0bad0bad1, %rbx\n  movabs $0xbad0bad0bad0bad2, %rbp\n"
        "  movabs $0xbad0bad0bad0bad3, %r12\n  movabs $0xbad0bad0bad0bad4, %r13\n"
        "  movabs $0xbad0bad0bad0bad5, %r14\n  movabs $0xbad0bad0bad0bad6, %r15\n"
        "  not %rdi\n  not %rsi\n  not %rdx\n  not %r10\n"
        "  mov $" BST_XRET_NUMBER_STR ", %eax\n  syscall\n  ud2\n");
_Static_assert(R_RDI == 0 && R_R9 == 5 && R_RSP == 6 && R_R15 == 15, "relay_regs_entry's order");

/*
 * The caller's side: XCall with known values in rbx, rbp and r12-r15.
 * out[0..3]: the result words; out[4..9]: rbx, rbp, r12-r15 after the call;
 * out[10], out[11]: rsp before and after; out[12], out[13]: rdi and rsi after
 * (the callee's results must not come back there). Returns the XCall's rax.
 */
#define RELAY_REGS_OUT 14
uint64_t relay_xcall_regs(uint64_t entry, uint64_t mask, const uint64_t args[4], uint64_t out[RELAY_REGS_OUT]);
__asm__(".text\n.globl relay_xcall_regs\n.type relay_xcall_regs,@function\nrelay_xcall_regs:\n"
        "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
        "  mov %rsp, 80(%rcx)\n  push %rcx\n"
        "  mov 8(%rdx), %r10\n  mov 16(%rdx), %r8\n  mov 24(%rdx), %r9\n  mov (%rdx), %rdx\n"
        "  movabs $0x1111111111111111, %rbx\n  movabs $0x2222222222222222, %rbp\n"
        "  movabs $0x3333333333333333, %r12\n  movabs $0x4444444444444444, %r13\n"
        "  movabs $0x5555555555555555, %r14\n  movabs $0x6666666666666666, %r15\n"
        "  mov $12, %eax\n  syscall\n"
        "  pop %rcx\n  mov %rsp, 88(%rcx)\n  mov %rdi, 96(%rcx)\n  mov %rsi, 104(%rcx)\n"
        "  mov %rdx, 0(%rcx)\n  mov %r10, 8(%rcx)\n  mov %r8, 16(%rcx)\n  mov %r9, 24(%rcx)\n"
        "  mov %rbx, 32(%rcx)\n  mov %rbp, 40(%rcx)\n  mov %r12, 48(%rcx)\n  mov %r13, 56(%rcx)\n"
        "  mov %r14, 64(%rcx)\n  mov %r15, 72(%rcx)\n"
        "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n  ret\n");
_Static_assert(BST_SYS_XCALL == 12, "relay_xcall_regs's call number");

/* ---- helper threads (in the root task's address space) */

static volatile uint64_t owner_state;
static volatile uint64_t caller_done[TTHREAD_MAX], caller_error[TTHREAD_MAX], caller_ran[TTHREAD_MAX];

/* The segment's owner: checks it is zeroed, fills it, waits for NOTIF, then touches it (after the detach). */
static void owner_thread(uint64_t arg)
{
    uint64_t bits, size = arg & ~0xfull;
    bool zero = relay_view_holds(WINDOW, size, 0);
    relay_view_fill(WINDOW, size, 0x0123);
    owner_state = zero && relay_view_holds(WINDOW, size, 0x0123) ? 2 : 3;
    bst_wait(NOTIF, &bits);
    owner_state = 4;
    (void)relay_touch(WINDOW + 8);
    owner_state = 5;
    tthread_park((unsigned)(arg & 0xf));
}

/* Touches the window at offset arg & ~0xf: that must fault; if it does not, says so on EP. */
static void intruder_thread(uint64_t arg)
{
    uint64_t w[4] = {0, 0, 0, 0};
    (void)relay_touch(WINDOW + (arg & ~0xfull));
    bst_send(EP, bst_msginfo(NO_FAULT_LABEL, 0, 0), w);
    tthread_park((unsigned)(arg & 0xf));
}

/* ---- the suite's side */

static struct relay_space spaces[RELAY_MAX_SPACES];
static unsigned spaces_made;

static const struct bst_error_detail *err(void) { return &bst_exchange->error; }

static uint64_t make(uint64_t type, uint64_t size_bits, bst_cptr_t slot)
{
    return bst_untyped_retype(S(0), type, size_bits, ROOT, 0, 0, slot, 1);
}

static uint64_t copy_with(bst_cptr_t dst, bst_cptr_t src, uint64_t rights)
{
    return bst_cnode_copy(ROOT, dst, ROOT_DEPTH, ROOT, src, ROOT_DEPTH, rights);
}

static bool setup(unsigned bits)
{
    spaces_made = 0;
    owner_state = 0;
    for (unsigned i = 0; i < TTHREAD_MAX; i++)
        caller_done[i] = caller_error[i] = caller_ran[i] = 0;
    return scratch_untyped(bits) != 0;
}

static void cleanup(void)
{
    tthread_stop_all();
    bst_frame_unmap(SHARED_FRAME);
    scratch_reset();
}

#define CASE(name) CASE_WITH(name, setup(UT_BITS), cleanup)
#define BIG_CASE(name) CASE_WITH(name, setup(BIG_UT_BITS), cleanup)

/* No onward calls planned at any depth, no script. */
static void clear_plans(void)
{
    for (unsigned d = 0; d < MAX_DEPTH; d++) {
        SH->plan[d] = (struct plan){NO_ENTRY, NONE, 0, 0};
        SH->ok[d] = SH->frame_at[d] = SH->view_at[d] = SH->size_at[d] = 0;
        SH->error[d] = ~0ull;
    }
    SH->script_len = 0;
}

static void plan(unsigned d, uint64_t entry, uint64_t mask, uint64_t op, uint64_t arg)
{
    SH->plan[d] = (struct plan){entry, mask, op, arg};
}

static void script(unsigned i, uint64_t kind, uint64_t a, uint64_t b)
{
    SH->script[i] = (struct inv){kind, a, b};
    SH->outcome[i] = ~0ull;
    SH->script_len = i + 1; /* scripts are written in order */
}

/*
 * The usual start: a segment of 2^seg_bits attached to the root task (first,
 * for its alignment; 0: none), the shared frame, a table and a link stack of
 * 2^link_bits records (2^link_bits - 1 calls: record 0 is its header) bound
 * to the root task, and `count` callee spaces with relay_entry registered as
 * entry i of space i (cap X(i), one stack per slot). Nothing is granted.
 */
static uint64_t env(unsigned seg_bits, unsigned link_bits, unsigned count)
{
    uint64_t e;
    if (seg_bits && ((e = make(BST_OBJ_RELAY_SEGMENT, seg_bits, SEG)) || (e = bst_relay_attach(SEG, BST_CAP_ROOT_TCB))))
        return e;
    if ((e = make(BST_OBJ_FRAME_4K, 0, SHARED_FRAME)) || (e = relay_shared_map(SHARED_FRAME)) ||
        (e = relay_bind(BST_CAP_ROOT_TCB, S(0), TABLE, LINK, link_bits)))
        return e;
    clear_plans();
    for (unsigned i = 0; i < count; i++) {
        spaces_made = i + 1;
        if ((e = relay_space_make(&spaces[i], i, S(0), SHARED_FRAME)) ||
            (e = relay_register(TABLE, i, &spaces[i], relay_entry, RELAY_STACK_SLOTS, X(i))))
            return e;
    }
    return BST_OK;
}

static uint64_t grant(bst_cptr_t xentry) { return bst_xentry_grant_service(xentry, BST_CAP_ROOT_TCB); }

/* A PML4 with an ASID in slot, nothing mapped; entry `index` of TABLE registered there (cap dest). */
static uint64_t bare_entry(bst_cptr_t vs, uint64_t index, bst_cptr_t dest)
{
    uint64_t e;
    if ((e = make(BST_OBJ_PML4, 0, vs)) || (e = bst_asid_pool_assign(BST_CAP_ROOT_ASID_POOL, vs, 0)))
        return e;
    struct bst_xentry_desc d = {index, ROOT, vs, BARE_ENTRY, 0x2000, 0x1000, 1};
    return bst_xentry_register(TABLE, &d, ROOT, dest, ROOT_DEPTH);
}

static uint64_t xcall(uint64_t entry, uint64_t mask, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t res[4])
{
    uint64_t args[4] = {w0, w1, w2, 0};
    return bst_xcall(entry, mask, args, res);
}

/* A bare space's callee faults fetching its first instruction: that is how a call shows it got in. */
static bool got_in_bare(uint64_t entry)
{
    uint64_t res[4];
    return xcall(entry, NONE, OP_REPORT, 0, 0, res) == BST_E_CALLEE_FAULT && err()->argument == PF_VECTOR &&
           err()->min == BARE_ENTRY && err()->max == BARE_ENTRY;
}

/* One OP_STEP call of entry with the whole segment of size bytes holding *v; afterwards it holds the new *v. */
static bool step_works(uint64_t entry, uint64_t size, uint64_t *v)
{
    uint64_t res[4];
    if (!relay_view_holds(WINDOW, size, *v) || xcall(entry, ALL, OP_STEP, *v, 0, res) != BST_OK ||
        res[0] != BST_OK || res[2] != 1 || res[1] != *v + 1)
        return false;
    *v += 1;
    return relay_view_holds(WINDOW, size, *v);
}

/* The helper thread's fault came to EP with this badge and address; it stays stopped. */
static bool expect_fault(uint64_t badge, uint64_t address)
{
    struct bst_msg m;
    uint64_t zero[4] = {0, 0, 0, 0};
    if (bst_recv(EP, &m) != BST_OK)
        return false;
    bool ok = bst_msginfo_label(m.info) == BST_FAULT_PAGE && m.badge == badge &&
              m.words[BST_FAULT_WORD_ADDRESS] == address;
    bst_reply(bst_msginfo(BST_FAULT_REPLY_STOP, 0, 0), zero);
    return ok;
}

static uint64_t make_badged_eps(void)
{
    uint64_t e = make(BST_OBJ_ENDPOINT, 0, EP);
    for (uint64_t i = 1; e == BST_OK && i <= 3; i++)
        e = bst_cnode_mint(ROOT, EP_B(i), ROOT_DEPTH, ROOT, EP, ROOT_DEPTH, BST_RIGHTS_ALL, i, 0);
    return e;
}

/* ---- objects */

CASE(relay_retype_errors)
{
    const uint64_t seg = BST_OBJ_RELAY_SEGMENT;
    CHECK_FAILS(make(seg, BST_RELAY_MIN_BITS - 1, SEG), BST_E_RANGE, 1);
    CHECK(err()->min == BST_RELAY_MIN_BITS && err()->max == BST_RELAY_MAX_BITS);
    CHECK_FAILS(make(seg, BST_RELAY_MAX_BITS + 1, SEG), BST_E_RANGE, 1);
    CHECK(err()->min == BST_RELAY_MIN_BITS && err()->max == BST_RELAY_MAX_BITS);
    CHECK_FAILS(bst_untyped_retype(S(0), seg, 12, ROOT, 0, 0, SEG, 2), BST_E_RANGE, 6);
    CHECK(err()->min == 1 && err()->max == 1);
    /* A link stack's record 0 is its header: 2^1 records (one call) at least. */
    CHECK_FAILS(make(BST_OBJ_LINK_STACK, 0, LINK), BST_E_RANGE, 1);
    CHECK(err()->min == 1 && err()->max == BST_LINK_STACK_MAX_DEPTH_BITS);
    CHECK_FAILS(make(BST_OBJ_LINK_STACK, BST_LINK_STACK_MAX_DEPTH_BITS + 1, LINK), BST_E_RANGE, 1);
    CHECK(err()->min == 1 && err()->max == BST_LINK_STACK_MAX_DEPTH_BITS);
    /* Only XEntryTable_Register makes XEntry caps; device memory never becomes a segment. */
    CHECK_FAILS(make(BST_OBJ_XENTRY, 0, OBJ), BST_E_INVALID_ARG, 0);
    bst_cptr_t dev = device_untyped();
    CHECK(dev != 0);
    CHECK_FAILS(bst_untyped_retype(dev, seg, 12, ROOT, 0, 0, SEG, 1), BST_E_INVALID_ARG, 0);
    /* A 2^n segment needs its control bytes after it: 2^22 does not fit the 2^22 untyped, 2^21 does. */
    CHECK_FAILS(make(seg, UT_BITS, SEG), BST_E_NO_MEMORY, 6);
    for (bst_cptr_t s = SEG; s <= OBJ; s++)
        CHECK(cap_info(s).type == BST_OBJ_NULL);
    CHECK(make(seg, UT_BITS - 1, SEG) == BST_OK);
    CHECK(cap_info(SEG).type == BST_OBJ_RELAY_SEGMENT);
    /* The next 2^21-aligned place is the second half, and its control bytes would run past the end. */
    CHECK_FAILS(make(seg, UT_BITS - 1, SEG2), BST_E_NO_MEMORY, 6);
    CHECK(make(seg, BST_RELAY_MIN_BITS, SEG2) == BST_OK);
    /* A table's size bits are ignored; a link stack's are log2 of its records, 1..8. */
    CHECK(make(BST_OBJ_XENTRY_TABLE, 0, TABLE) == BST_OK && make(BST_OBJ_XENTRY_TABLE, 9, TABLE2) == BST_OK);
    CHECK(cap_info(TABLE).type == BST_OBJ_XENTRY_TABLE && cap_info(TABLE2).type == BST_OBJ_XENTRY_TABLE);
    CHECK(make(BST_OBJ_LINK_STACK, 1, LINK) == BST_OK);
    CHECK(make(BST_OBJ_LINK_STACK, BST_LINK_STACK_MAX_DEPTH_BITS, LINK2) == BST_OK);
    CHECK(cap_info(LINK).type == BST_OBJ_LINK_STACK && cap_info(LINK2).type == BST_OBJ_LINK_STACK);
    return 0;
}

/* The relay window's PML4 slot is the kernel's: nothing maps there; the page below it maps. */
CASE(relay_window_is_reserved)
{
    const uint64_t end = BST_USER_MAP_END, R = BST_RIGHT_READ, WB = BST_CACHE_WRITE_BACK;
    CHECK(make(BST_OBJ_FRAME_4K, 0, FRAME) == BST_OK && make(BST_OBJ_PDPT, 0, PDPT) == BST_OK);
    CHECK(make(BST_OBJ_PAGE_DIRECTORY, 0, PD) == BST_OK && make(BST_OBJ_PAGE_TABLE, 0, PT) == BST_OK);
    CHECK(make(BST_OBJ_PML4, 0, BARE_VS) == BST_OK);
    CHECK(bst_asid_pool_assign(BST_CAP_ROOT_ASID_POOL, BARE_VS, 0) == BST_OK);
    CHECK_FAILS(bst_page_table_map(PDPT, BARE_VS, WINDOW), BST_E_RANGE, 1);
    CHECK_FAILS(bst_page_table_map(PDPT, BST_CAP_ROOT_VSPACE, WINDOW), BST_E_RANGE, 1);
    CHECK_FAILS(bst_frame_map(FRAME, BST_CAP_ROOT_VSPACE, end, R, WB), BST_E_RANGE, 1);
    CHECK(err()->max == end - PAGE);
    CHECK_FAILS(bst_frame_map(FRAME, BARE_VS, WINDOW + 0x123000, R, WB), BST_E_RANGE, 1);
    CHECK(cap_info(FRAME).badge == 0 && cap_info(PDPT).badge == 0); /* neither mapped */
    /* Right below the window everything maps. */
    CHECK(bst_page_table_map(PDPT, BARE_VS, end - (1ull << 39)) == BST_OK);
    CHECK(bst_page_table_map(PD, BARE_VS, end - (1ull << 30)) == BST_OK);
    CHECK(bst_page_table_map(PT, BARE_VS, end - (1ull << 21)) == BST_OK);
    CHECK(bst_frame_map(FRAME, BARE_VS, end - PAGE, R, WB) == BST_OK);
    return 0;
}

/* ---- ownership */

CASE(relay_attach_detach_ownership)
{
    const uint64_t size = 1ull << 14;
    CHECK(make(BST_OBJ_RELAY_SEGMENT, 14, SEG) == BST_OK && make(BST_OBJ_RELAY_SEGMENT, 12, SEG2) == BST_OK);
    CHECK(make_badged_eps() == BST_OK && make(BST_OBJ_NOTIFICATION, 0, NOTIF) == BST_OK);
    CHECK_FAILS(bst_relay_detach(SEG), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE); /* no owner yet */
    CHECK(tthread_start_scratch(0, owner_thread, size | 0, LOW, EP_B(1)) == BST_OK);
    CHECK_FAILS(bst_relay_attach(SEG, EP), BST_E_WRONG_TYPE, 0);
    CHECK(bst_relay_attach(SEG, tthreads[0].tcb) == BST_OK);
    CHECK_FAILS(bst_relay_attach(SEG, BST_CAP_ROOT_TCB), BST_E_DELETE_FIRST, BST_ARG_NONE); /* owned */
    CHECK_FAILS(bst_relay_attach(SEG2, tthreads[0].tcb), BST_E_DELETE_FIRST, 0);          /* owns one */
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(owner_state == 2); /* zeroed, then written and read back by its owner */
    /* Another thread of the same address space faults on the window while thread 0 owns it. */
    CHECK(tthread_start_scratch(1, intruder_thread, 0x20 | 1, LOW, EP_B(2)) == BST_OK);
    CHECK(expect_fault(2, WINDOW + 0x20));
    /* Detached: the owner's next touch faults. */
    CHECK(bst_relay_detach(SEG) == BST_OK);
    CHECK_FAILS(bst_relay_detach(SEG), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK(bst_signal(NOTIF) == BST_OK);
    CHECK(expect_fault(1, WINDOW + 8));
    CHECK(owner_state == 4);
    /* The contents stayed: attached to the root task they show again; the others still fault. */
    CHECK(bst_relay_attach(SEG, BST_CAP_ROOT_TCB) == BST_OK);
    CHECK(relay_view_holds(WINDOW, size, 0x0123));
    CHECK(tthread_start_scratch(2, intruder_thread, 0x30 | 2, LOW, EP_B(3)) == BST_OK);
    CHECK(expect_fault(3, WINDOW + 0x30));
    CHECK(relay_view_holds(WINDOW, size, 0x0123));
    CHECK(bst_relay_detach(SEG) == BST_OK);
    /* Revoking the owner's segment cap takes the binding: the thread may attach another. */
    CHECK(bst_relay_attach(SEG2, BST_CAP_ROOT_TCB) == BST_OK);
    CHECK(bst_cnode_revoke(ROOT, SEG2, ROOT_DEPTH) == BST_OK);
    CHECK(bst_relay_attach(SEG, BST_CAP_ROOT_TCB) == BST_OK);
    CHECK(relay_view_holds(WINDOW, size, 0x0123));
    return 0;
}

/* ---- binding, registering, granting */

CASE(relay_set_relay_errors)
{
    uint64_t res[4];
    CHECK(make(BST_OBJ_XENTRY_TABLE, 0, TABLE) == BST_OK && make(BST_OBJ_XENTRY_TABLE, 0, TABLE2) == BST_OK);
    CHECK(make(BST_OBJ_LINK_STACK, 2, LINK) == BST_OK && make(BST_OBJ_LINK_STACK, 2, LINK2) == BST_OK);
    CHECK(make(BST_OBJ_ENDPOINT, 0, EP) == BST_OK && make(BST_OBJ_TCB, 0, TCB2) == BST_OK);
    CHECK_FAILS(bst_tcb_set_relay(BST_CAP_ROOT_TCB, EP, LINK), BST_E_WRONG_TYPE, 0);
    CHECK_FAILS(bst_tcb_set_relay(BST_CAP_ROOT_TCB, LINK, LINK), BST_E_WRONG_TYPE, 0);
    CHECK_FAILS(bst_tcb_set_relay(BST_CAP_ROOT_TCB, TABLE, TABLE2), BST_E_WRONG_TYPE, 1);
    CHECK_FAILS(bst_tcb_set_relay(BST_CAP_ROOT_TCB, TABLE, EP), BST_E_WRONG_TYPE, 1);
    CHECK_FAILS(xcall(0, NONE, OP_REPORT, 0, 0, res), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE); /* still unbound */
    /* A link stack serves one thread. */
    CHECK(bst_tcb_set_relay(TCB2, TABLE, LINK) == BST_OK);
    CHECK_FAILS(bst_tcb_set_relay(BST_CAP_ROOT_TCB, TABLE, LINK), BST_E_ILLEGAL_OPERATION, 1);
    CHECK(bst_tcb_set_relay(BST_CAP_ROOT_TCB, TABLE, LINK2) == BST_OK);
    /* A new table clears the call bits. */
    CHECK(bare_entry(BARE_VS, 0, X(0)) == BST_OK);
    CHECK(grant(X(0)) == BST_OK);
    CHECK(got_in_bare(0));
    CHECK(bst_tcb_set_relay(BST_CAP_ROOT_TCB, TABLE2, LINK2) == BST_OK);
    CHECK_FAILS(xcall(0, NONE, OP_REPORT, 0, 0, res), BST_E_RIGHTS, 0);
    CHECK(bst_tcb_set_relay(BST_CAP_ROOT_TCB, TABLE, LINK2) == BST_OK);
    CHECK_FAILS(xcall(0, NONE, OP_REPORT, 0, 0, res), BST_E_RIGHTS, 0);
    CHECK(grant(X(0)) == BST_OK);
    CHECK(got_in_bare(0));
    return 0;
}

static struct bst_xentry_desc good_desc(uint64_t index)
{
    return (struct bst_xentry_desc){index, ROOT, BARE_VS, BARE_ENTRY, 0x2000, 0x1000, 1};
}

static uint64_t reg(struct bst_xentry_desc d, bst_cptr_t dest)
{
    return bst_xentry_register(TABLE, &d, ROOT, dest, ROOT_DEPTH);
}

/* Every refusal of XEntryTable_Register, one bad argument at a time. */
static const char *register_bad_arguments(void)
{
    const uint64_t end = BST_USER_MAP_END;
    struct bst_xentry_desc d = good_desc(BST_XENTRY_COUNT);
    CHECK_FAILS(reg(d, X(0)), BST_E_RANGE, 0);
    CHECK(err()->min == 0 && err()->max == BST_XENTRY_COUNT - 1);
    d = good_desc(0), d.cspace = EP;
    CHECK_FAILS(reg(d, X(0)), BST_E_WRONG_TYPE, 1);
    d = good_desc(0), d.vspace = EP;
    CHECK_FAILS(reg(d, X(0)), BST_E_WRONG_TYPE, 2);
    d = good_desc(0), d.vspace = NOASID_VS;
    CHECK_FAILS(reg(d, X(0)), BST_E_ILLEGAL_OPERATION, 2);
    d = good_desc(0), d.entry_point = 0xfff;
    CHECK_FAILS(reg(d, X(0)), BST_E_RANGE, 3);
    d = good_desc(0), d.entry_point = end;
    CHECK_FAILS(reg(d, X(0)), BST_E_RANGE, 3);
    d = good_desc(0), d.stack_base = 0x2008;
    CHECK_FAILS(reg(d, X(0)), BST_E_INVALID_ARG, 4);
    d = good_desc(0), d.stack_size = 0x1008;
    CHECK_FAILS(reg(d, X(0)), BST_E_INVALID_ARG, 5);
    d = good_desc(0), d.stack_size = 0;
    CHECK_FAILS(reg(d, X(0)), BST_E_INVALID_ARG, 5);
    d = good_desc(0), d.max_nesting = 2, d.stack_base = end - 2 * 0x1000 + 16;
    CHECK_FAILS(reg(d, X(0)), BST_E_RANGE, 5);
    d = good_desc(0), d.max_nesting = 0;
    CHECK_FAILS(reg(d, X(0)), BST_E_RANGE, 6);
    CHECK(err()->min == 1 && err()->max == BST_XENTRY_MAX_NESTING);
    d = good_desc(0), d.max_nesting = BST_XENTRY_MAX_NESTING + 1;
    CHECK_FAILS(reg(d, X(0)), BST_E_RANGE, 6);
    CHECK(copy_with(X(0), EP, BST_RIGHTS_ALL) == BST_OK);
    CHECK_FAILS(reg(good_desc(0), X(0)), BST_E_DELETE_FIRST, BST_XENTRY_REG_DEST_INDEX);
    CHECK(cap_info(X(0)).type == BST_OBJ_ENDPOINT);
    return bst_cnode_delete(ROOT, X(0), ROOT_DEPTH) == BST_OK ? 0 : "could not empty X(0)";
}

/* The edges that are fine: each at its own index. */
static const char *register_edges(void)
{
    const uint64_t end = BST_USER_MAP_END;
    struct bst_xentry_desc d = good_desc(1);
    d.max_nesting = 2, d.stack_base = end - 2 * 0x1000; /* the stacks end right at the window */
    CHECK(reg(d, X(1)) == BST_OK);
    d = good_desc(2), d.entry_point = end - 1;
    CHECK(reg(d, X(2)) == BST_OK);
    d = good_desc(BST_XENTRY_COUNT - 1), d.max_nesting = BST_XENTRY_MAX_NESTING;
    CHECK(reg(d, X(3)) == BST_OK);
    const uint64_t rwg = BST_RIGHT_READ | BST_RIGHT_WRITE | BST_RIGHT_GRANT;
    CHECK(cap_info(X(3)).type == BST_OBJ_XENTRY && (cap_info(X(3)).rights & rwg) == rwg);
    return 0;
}

CASE(relay_register_errors)
{
    CHECK(make(BST_OBJ_XENTRY_TABLE, 0, TABLE) == BST_OK && make(BST_OBJ_LINK_STACK, 1, LINK) == BST_OK);
    CHECK(make(BST_OBJ_ENDPOINT, 0, EP) == BST_OK && make(BST_OBJ_PML4, 0, NOASID_VS) == BST_OK);
    CHECK(make(BST_OBJ_PML4, 0, BARE_VS) == BST_OK);
    CHECK(bst_asid_pool_assign(BST_CAP_ROOT_ASID_POOL, BARE_VS, 0) == BST_OK);
    const char *why = register_bad_arguments();
    if (why)
        return why;
    /* Nothing was registered by the refusals: index 0 is free. */
    CHECK(reg(good_desc(0), X(0)) == BST_OK);
    CHECK(cap_info(X(0)).type == BST_OBJ_XENTRY);
    if ((why = register_edges()))
        return why;
    CHECK_FAILS(reg(good_desc(0), X(4)), BST_E_DELETE_FIRST, 0); /* registered */
    CHECK(cap_info(X(4)).type == BST_OBJ_NULL);
    /*
     * Unregistered, but a thread still holds the call bit the earlier
     * registration granted: the number waits until no bit is left. The
     * unregistered entry's cap grants nothing but can still revoke (clean-up);
     * a thread also drops its bits when it is bound to another table.
     */
    CHECK(bst_tcb_set_relay(BST_CAP_ROOT_TCB, TABLE, LINK) == BST_OK);
    CHECK(grant(X(0)) == BST_OK);
    CHECK(bst_xentry_unregister(X(0)) == BST_OK);
    CHECK_FAILS(reg(good_desc(0), X(4)), BST_E_DELETE_FIRST, 0);
    CHECK(cap_info(X(4)).type == BST_OBJ_NULL);
    CHECK_FAILS(grant(X(0)), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK(bst_xentry_revoke_service(X(0), BST_CAP_ROOT_TCB) == BST_OK);
    CHECK(reg(good_desc(0), X(4)) == BST_OK);
    /* X(0) names the earlier registration of number 0: it controls nothing of the new one. */
    CHECK_FAILS(grant(X(0)), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK_FAILS(bst_xentry_unregister(X(0)), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK_FAILS(bst_xentry_revoke_service(X(0), BST_CAP_ROOT_TCB), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK(grant(X(4)) == BST_OK && bst_xentry_revoke_service(X(4), BST_CAP_ROOT_TCB) == BST_OK);
    /* Rebinding the thread to another table drops its bits too. */
    CHECK(grant(X(4)) == BST_OK && bst_xentry_unregister(X(4)) == BST_OK);
    CHECK_FAILS(reg(good_desc(0), X(5)), BST_E_DELETE_FIRST, 0);
    CHECK(make(BST_OBJ_XENTRY_TABLE, 0, TABLE2) == BST_OK);
    CHECK(bst_tcb_set_relay(BST_CAP_ROOT_TCB, TABLE2, LINK) == BST_OK);
    CHECK(reg(good_desc(0), X(5)) == BST_OK);
    CHECK(bst_tcb_set_relay(BST_CAP_ROOT_TCB, TABLE, LINK) == BST_OK && grant(X(5)) == BST_OK);
    CHECK(got_in_bare(0));
    return 0;
}

CASE(relay_grant_revoke_errors)
{
    uint64_t res[4];
    CHECK(relay_bind(BST_CAP_ROOT_TCB, S(0), TABLE, LINK, 1) == BST_OK);
    CHECK(make(BST_OBJ_XENTRY_TABLE, 0, TABLE2) == BST_OK && make(BST_OBJ_LINK_STACK, 1, LINK2) == BST_OK);
    CHECK(make(BST_OBJ_TCB, 0, TCB2) == BST_OK && make(BST_OBJ_TCB, 0, TCB3) == BST_OK);
    CHECK(bst_tcb_set_relay(TCB3, TABLE2, LINK2) == BST_OK);
    CHECK(make(BST_OBJ_ENDPOINT, 0, EP) == BST_OK);
    CHECK(bare_entry(BARE_VS, 0, X(0)) == BST_OK);
    struct bst_xentry_desc d = good_desc(1);
    CHECK(reg(d, X(1)) == BST_OK);
    CHECK(bst_xentry_register(TABLE2, &d, ROOT, X(5), ROOT_DEPTH) == BST_OK);
    /* GRANT on the entry's cap, W on the target. */
    CHECK(copy_with(WEAK, X(0), BST_RIGHTS_ALL & ~BST_RIGHT_GRANT) == BST_OK);
    CHECK_FAILS(bst_xentry_grant_service(WEAK, BST_CAP_ROOT_TCB), BST_E_RIGHTS, BST_ARG_NONE);
    CHECK(err()->min == BST_RIGHT_GRANT && err()->max == BST_RIGHT_GRANT);
    CHECK_FAILS(bst_xentry_revoke_service(WEAK, BST_CAP_ROOT_TCB), BST_E_RIGHTS, BST_ARG_NONE);
    CHECK(copy_with(OBJ, BST_CAP_ROOT_TCB, BST_RIGHTS_ALL & ~BST_RIGHT_WRITE) == BST_OK);
    CHECK_FAILS(bst_xentry_grant_service(X(0), OBJ), BST_E_RIGHTS, 0);
    /* Targets: a TCB bound to this table or an XEntry of it, nothing else. */
    CHECK_FAILS(bst_xentry_grant_service(X(0), EP), BST_E_WRONG_TYPE, 0);
    CHECK_FAILS(bst_xentry_revoke_service(X(0), EP), BST_E_WRONG_TYPE, 0);
    CHECK_FAILS(bst_xentry_grant_service(X(0), TCB2), BST_E_ILLEGAL_OPERATION, 0);  /* unbound */
    CHECK_FAILS(bst_xentry_grant_service(X(0), TCB3), BST_E_ILLEGAL_OPERATION, 0);  /* another table */
    CHECK_FAILS(bst_xentry_grant_service(X(0), X(5)), BST_E_ILLEGAL_OPERATION, 0);  /* another table's entry */
    CHECK_FAILS(xcall(0, NONE, OP_REPORT, 0, 0, res), BST_E_RIGHTS, 0); /* none of that granted anything */
    /* Granting and revoking are idempotent. */
    CHECK(grant(X(0)) == BST_OK && grant(X(0)) == BST_OK);
    CHECK(got_in_bare(0));
    CHECK(bst_xentry_grant_service(X(0), X(1)) == BST_OK);
    CHECK(bst_xentry_revoke_service(X(0), BST_CAP_ROOT_TCB) == BST_OK);
    CHECK(bst_xentry_revoke_service(X(0), BST_CAP_ROOT_TCB) == BST_OK);
    CHECK_FAILS(xcall(0, NONE, OP_REPORT, 0, 0, res), BST_E_RIGHTS, 0);
    /* An unregistered entry grants nothing, and unregisters once. */
    CHECK(bst_xentry_unregister(X(1)) == BST_OK);
    CHECK_FAILS(bst_xentry_grant_service(X(1), BST_CAP_ROOT_TCB), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK_FAILS(bst_xentry_unregister(X(1)), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK_FAILS(xcall(1, NONE, OP_REPORT, 0, 0, res), BST_E_RIGHTS, 0);
    return 0;
}

/* ---- XCall and XRet errors */

/* An address space is destroyed with all its caps: the table's copy of a registered one too. */
static bool destroy_space(bst_cptr_t pml4)
{
    return bst_cnode_revoke(ROOT, pml4, ROOT_DEPTH) == BST_OK && bst_cnode_delete(ROOT, pml4, ROOT_DEPTH) == BST_OK;
}

/* The first four checks: binding, entry number, call bit, registration. */
static const char *xcall_errors_before_the_callee(uint64_t bad_mask)
{
    uint64_t res[4];
    CHECK_FAILS(xcall(BST_XENTRY_COUNT, bad_mask, OP_REPORT, 0, 0, res), BST_E_RANGE, 0);
    CHECK(err()->min == 0 && err()->max == BST_XENTRY_COUNT - 1);
    CHECK_FAILS(xcall(~0ull, ALL, OP_REPORT, 0, 0, res), BST_E_RANGE, 0);
    CHECK_FAILS(xcall(1, ALL, OP_REPORT, 0, 0, res), BST_E_RIGHTS, 0);      /* registered, not granted */
    CHECK_FAILS(xcall(9, bad_mask, OP_REPORT, 0, 0, res), BST_E_RIGHTS, 0); /* neither */
    CHECK(bare_entry(BARE_VS, 2, X(2)) == BST_OK && grant(X(2)) == BST_OK);
    CHECK(bst_xentry_unregister(X(2)) == BST_OK);
    CHECK_FAILS(xcall(2, bad_mask, OP_REPORT, 0, 0, res), BST_E_INVALID_CAP, 0);
    CHECK(bare_entry(BARE_VS2, 3, X(3)) == BST_OK && grant(X(3)) == BST_OK);
    CHECK(destroy_space(BARE_VS2));
    CHECK_FAILS(xcall(3, bad_mask, OP_REPORT, 0, 0, res), BST_E_PARTNER_GONE, 0);
    return 0;
}

/* Masks: a view needs a segment, and a mask must name an aligned part of it of at least a granule. */
static const char *xcall_mask_errors(uint64_t size, uint64_t *v)
{
    uint64_t res[4];
    static const uint64_t bad[] = {
        12 - 1,                        /* below the 4 KiB granule */
        14 + 1,                        /* more than the 16 KiB segment */
        62,                            /* far more */
        0x1000 | 13,                   /* offset not aligned to the size */
        0x4000 | 12,                   /* past the end */
        0x1000,                        /* size bits 0 */
        0xfffffffffffff000ull | 12,    /* an offset whose end wraps past 2^64 */
        0xffffffffffffc000ull | 14,
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_FAILS(xcall(0, bad[i], OP_STEP, *v, 0, res), BST_E_RANGE, 1);
        CHECK(err()->min == 12 && err()->max == 14);
        CHECK(step_works(0, size, v));
    }
    CHECK(bst_relay_detach(SEG) == BST_OK);
    CHECK_FAILS(xcall(0, ALL, OP_REPORT, 0, 0, res), BST_E_ILLEGAL_OPERATION, 1);
    CHECK_FAILS(xcall(0, 0x1000 | 12, OP_REPORT, 0, 0, res), BST_E_ILLEGAL_OPERATION, 1);
    CHECK(xcall(0, NONE, OP_REPORT, 5, 0, res) == BST_OK);
    CHECK(res[0] == 6 && res[1] == 0 && res[2] == 0);
    CHECK(bst_relay_attach(SEG, BST_CAP_ROOT_TCB) == BST_OK);
    CHECK(step_works(0, size, v));
    return 0;
}

/*
 * Inside a call only the code shows (a callee has no exchange frame for the
 * detail), so each NO_MEMORY is made where only one of its two causes
 * holds. Link stack of 3 calls, entry 0 with 4 stacks: the fourth call in
 * a row finds the link stack full. Entry 4 with one stack and room on the
 * link stack: its second call finds every stack busy.
 */
static const char *xcall_errors_at_depth(uint64_t size, uint64_t *v)
{
    uint64_t res[4];
    CHECK(bst_xentry_grant_service(X(0), X(0)) == BST_OK);
    plan(0, 0, ALL, 0, 0);
    plan(1, 0, ALL, 0, 0);
    plan(2, 0, ALL, 0, 0);
    CHECK(xcall(0, ALL, OP_STEP, *v, 0, res) == BST_OK);
    CHECK(res[0] == BST_OK && res[2] == 3 && SH->error[1] == BST_OK);
    CHECK(SH->error[2] == BST_E_NO_MEMORY);
    CHECK(SH->ok[2] == 3); /* the refused call changed nothing in the view */
    *v = res[1];
    clear_plans();
    CHECK(step_works(0, size, v));
    CHECK(relay_register(TABLE, 4, &spaces[0], relay_entry, 1, X(4)) == BST_OK);
    CHECK(grant(X(4)) == BST_OK && bst_xentry_grant_service(X(4), X(4)) == BST_OK);
    plan(0, 4, ALL, 0, 0);
    CHECK(xcall(4, ALL, OP_STEP, *v, 0, res) == BST_OK);
    CHECK(res[0] == BST_E_NO_MEMORY && res[2] == 3);
    *v = res[1];
    clear_plans();
    CHECK(step_works(0, size, v));
    return 0;
}

/* Each error in the kernel's order; after each, the segment is still ours and a call works. */
CASE(relay_xcall_errors_in_order)
{
    const uint64_t size = 1ull << 14, bad_mask = 11;
    uint64_t res[4], v = 0x51;
    CHECK_FAILS(xcall(0, ALL, OP_REPORT, 0, 0, res), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK_FAILS(xcall(BST_XENTRY_COUNT, bad_mask, OP_REPORT, 0, 0, res), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK(env(14, 2, 1) == BST_OK && grant(X(0)) == BST_OK);
    CHECK(relay_register(TABLE, 1, &spaces[0], relay_entry, 1, X(1)) == BST_OK);
    relay_view_fill(WINDOW, size, v);
    CHECK(step_works(0, size, &v));
    const char *why = xcall_errors_before_the_callee(bad_mask);
    if (why)
        return why;
    CHECK(step_works(0, size, &v));
    if ((why = xcall_mask_errors(size, &v)) || (why = xcall_errors_at_depth(size, &v)))
        return why;
    CHECK(relay_view_holds(WINDOW, size, v));
    return 0;
}

CASE(relay_xret_with_empty_link_stack)
{
    const uint64_t words[4] = {1, 2, 3, 4};
    CHECK_FAILS(bst_xret(words), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE); /* no link stack at all */
    CHECK(relay_bind(BST_CAP_ROOT_TCB, S(0), TABLE, LINK, 1) == BST_OK);
    CHECK_FAILS(bst_xret(words), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    /* A call that unwound left the stack empty again. */
    CHECK(bare_entry(BARE_VS, 0, X(0)) == BST_OK && grant(X(0)) == BST_OK);
    CHECK(got_in_bare(0));
    CHECK_FAILS(bst_xret(words), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK(got_in_bare(0)); /* and the one record there is was reused, not leaked */
    return 0;
}

/* ---- calls that work */

static const char *check_callee_entry_registers(uint64_t view, uint64_t view_size)
{
    volatile uint64_t *r = SH->regs;
    CHECK(r[R_RDI] == 0x1001 && r[R_RSI] == 0x2002 && r[R_RDX] == 0x3003 && r[R_R10] == 0x4004);
    CHECK(r[R_R8] == view && r[R_R9] == view_size);
    CHECK(r[R_RSP] == relay_stack_base(1) + RELAY_STACK_SIZE); /* entry 1's only stack */
    CHECK(r[R_RBX] == 0 && r[R_RBP] == 0);
    CHECK(r[R_R12] == 0 && r[R_R13] == 0 && r[R_R14] == 0 && r[R_R15] == 0);
    CHECK(r[R_RAX] == 0);
    return 0;
}

static const char *check_caller_registers(const uint64_t out[RELAY_REGS_OUT])
{
    CHECK(out[0] == ~0x1001ull && out[1] == ~0x2002ull && out[2] == ~0x3003ull && out[3] == ~0x4004ull);
    CHECK(out[4] == 0x1111111111111111ull && out[5] == 0x2222222222222222ull);
    CHECK(out[6] == 0x3333333333333333ull && out[7] == 0x4444444444444444ull);
    CHECK(out[8] == 0x5555555555555555ull && out[9] == 0x6666666666666666ull);
    CHECK(out[10] == out[11]);
    CHECK(out[12] == 0 && out[13] == 0); /* relay.h: rdi and rsi are cleared, not the callee's */
    return 0;
}

CASE(relay_round_trip_into_another_space)
{
    const uint64_t args[4] = {0x1001, 0x2002, 0x3003, 0x4004};
    uint64_t out[RELAY_REGS_OUT], res[4];
    CHECK(env(12, 1, 1) == BST_OK && grant(X(0)) == BST_OK);
    CHECK(relay_register(TABLE, 1, &spaces[0], relay_regs_entry, 1, X(1)) == BST_OK && grant(X(1)) == BST_OK);
    CHECK(relay_view_holds(WINDOW, PAGE, 0));
    relay_view_fill(WINDOW, PAGE, 0x77);
    /* Through the C trampoline: the words go there and back, the view is the whole segment. */
    CHECK(xcall(0, ALL, OP_REPORT, 41, 0, res) == BST_OK);
    CHECK(res[0] == 42 && res[1] == WINDOW && res[2] == PAGE);
    CHECK(res[3] >= relay_stack_base(0) && res[3] < relay_stack_base(0) + RELAY_STACK_SIZE);
    /* In assembly: the callee's registers at entry, and ours after the call. */
    for (unsigned round = 0; round < 2; round++) {
        for (unsigned i = 0; i < REG_COUNT; i++)
            SH->regs[i] = 0xfeedull;
        CHECK(relay_xcall_regs(1, ALL, args, out) == BST_OK);
        const char *why = check_caller_registers(out);
        if (why || (why = check_callee_entry_registers(WINDOW, PAGE)))
            return why;
    }
    CHECK(relay_xcall_regs(1, NONE, args, out) == BST_OK);
    const char *why = check_callee_entry_registers(0, 0);
    if (why)
        return why;
    CHECK(relay_view_holds(WINDOW, PAGE, 0x77));
    /* relay.h: "every other register 0", rcx and r11 too (a sysret entry leaves rip and rflags there). */
    CHECK(SH->regs[R_RCX] == 0 && SH->regs[R_R11] == 0);
    return 0;
}

/* A -> B -> C and back: each checks what the one before wrote, and writes its own. */
CASE(relay_chain_a_b_c)
{
    const uint64_t size = 1ull << 16;
    uint64_t res[4];
    CHECK(env(16, 2, 2) == BST_OK && grant(X(0)) == BST_OK);
    relay_view_fill(WINDOW, size, 0x100);
    plan(0, 1, ALL, 0, 0);
    /* A holds B's bit only: it cannot call C, and B may not either until C is granted to B's entry. */
    CHECK_FAILS(xcall(1, ALL, OP_STEP, 0x100, 0, res), BST_E_RIGHTS, 0);
    CHECK(xcall(0, ALL, OP_STEP, 0x100, 0, res) == BST_OK);
    CHECK(res[0] == BST_E_RIGHTS && SH->error[0] == BST_E_RIGHTS && res[2] == 3 && res[1] == 0x103);
    CHECK(relay_view_holds(WINDOW, size, 0x103));
    CHECK(bst_xentry_grant_service(X(1), X(0)) == BST_OK);
    CHECK_FAILS(xcall(1, ALL, OP_STEP, 0x103, 0, res), BST_E_RIGHTS, 0); /* still not A's */
    /* B sees 0x103, writes 0x104; C sees 0x104, writes 0x105; B sees 0x105, writes 0x106. */
    CHECK(xcall(0, ALL, OP_STEP, 0x103, 0, res) == BST_OK);
    CHECK(res[0] == BST_OK && res[2] == 3 && res[1] == 0x106);
    CHECK(SH->ok[1] == 1 && SH->view_at[1] == WINDOW && SH->size_at[1] == size);
    CHECK(relay_view_holds(WINDOW, size, 0x106));
    /* Revoked from B's entry: refused again, and the data stays as A left it plus B's step. */
    CHECK(bst_xentry_revoke_service(X(1), X(0)) == BST_OK);
    CHECK(xcall(0, ALL, OP_STEP, 0x106, 0, res) == BST_OK);
    CHECK(res[0] == BST_E_RIGHTS && res[2] == 3 && res[1] == 0x109);
    CHECK(relay_view_holds(WINDOW, size, 0x109));
    return 0;
}

/* The segment outside [offset, offset + size) holds outside, inside it holds inside. */
static bool segment_holds(uint64_t seg_size, uint64_t offset, uint64_t size, uint64_t outside, uint64_t inside)
{
    return relay_view_holds(WINDOW + offset, size, inside) &&
           (offset == 0 || relay_view_holds(WINDOW, offset, outside)) &&
           (offset + size == seg_size || relay_view_holds(WINDOW + offset + size, seg_size - offset - size, outside));
}

/* Touching next to the view faults in the callee; the fault names the address and the instruction. */
static const char *touch_outside(uint64_t mask, uint64_t address)
{
    uint64_t res[4];
    CHECK_FAILS(xcall(0, mask, OP_TOUCH, address, 0, res), BST_E_CALLEE_FAULT, PF_VECTOR);
    CHECK(err()->min == address && err()->max == (uint64_t)relay_touch_insn);
    return 0;
}

static const char *narrowing_onward(uint64_t seg_size, uint64_t mask)
{
    uint64_t res[4];
    /* B has [0x4000, 0x6000) and passes C [0x5000, 0x6000). */
    plan(0, 1, bst_relay_mask(0x5000, 12), 0, 0);
    CHECK(xcall(0, mask, OP_STEP, 0x201, 0, res) == BST_OK);
    CHECK(res[0] == BST_OK && res[2] == 3 && res[1] == 0x204);
    CHECK(SH->view_at[1] == WINDOW + 0x5000 && SH->size_at[1] == 0x1000 && SH->ok[1] == 1);
    CHECK(segment_holds(seg_size, 0x4000, 0x2000, 0x200, 0x204));
    /* Passing on what it does not have is refused in B, which keeps its view. */
    plan(0, 1, bst_relay_mask(0, 12), 0, 0);
    CHECK(xcall(0, mask, OP_STEP, 0x204, 0, res) == BST_OK);
    CHECK(res[0] == BST_E_RANGE && res[2] == 3 && res[1] == 0x207);
    plan(0, 1, bst_relay_mask(0x4000, 14), 0, 0);
    CHECK(xcall(0, mask, OP_STEP, 0x207, 0, res) == BST_OK);
    CHECK(res[0] == BST_E_RANGE && res[2] == 3 && res[1] == 0x20a);
    /* MASK_ALL in B is B's whole view. */
    plan(0, 1, ALL, OP_REPORT, 0);
    CHECK(xcall(0, mask, OP_STEP, 0x20a, 0, res) == BST_OK && res[0] == BST_OK);
    CHECK(segment_holds(seg_size, 0x4000, 0x2000, 0x200, 0x20d));
    plan(0, 1, ALL, 0, 0);
    CHECK(xcall(0, mask, OP_STEP, 0x20d, 0, res) == BST_OK && res[0] == BST_OK);
    CHECK(SH->view_at[1] == WINDOW + 0x4000 && SH->size_at[1] == 0x2000);
    return 0;
}

CASE(relay_sub_range_masks)
{
    const uint64_t size = 1ull << 16, mask = bst_relay_mask(0x4000, 13);
    uint64_t res[4];
    CHECK(env(16, 2, 2) == BST_OK && grant(X(0)) == BST_OK && bst_xentry_grant_service(X(1), X(0)) == BST_OK);
    relay_view_fill(WINDOW, size, 0x200);
    CHECK(xcall(0, mask, OP_REPORT, 0, 0, res) == BST_OK);
    CHECK(res[1] == WINDOW + 0x4000 && res[2] == 0x2000);
    CHECK(xcall(0, mask, OP_STEP, 0x200, 0, res) == BST_OK && res[2] == 1 && res[1] == 0x201);
    CHECK(segment_holds(size, 0x4000, 0x2000, 0x200, 0x201)); /* the whole segment is ours again */
    const char *why;
    if ((why = touch_outside(mask, WINDOW + 0x6000)) || (why = touch_outside(mask, WINDOW + 0x3ff8)) ||
        (why = touch_outside(mask, WINDOW)))
        return why;
    CHECK(xcall(0, mask, OP_TOUCH, WINDOW + 0x5ff8, 0, res) == BST_OK && res[0] == 0x201 && res[1] == 1);
    CHECK(segment_holds(size, 0x4000, 0x2000, 0x200, 0x201));
    if ((why = narrowing_onward(size, mask)))
        return why;
    relay_view_fill(WINDOW, size, 0x300);
    CHECK(relay_view_holds(WINDOW, size, 0x300));
    return 0;
}

/* A segment above 2 MiB is handed on in 2 MiB pages: masks below that are refused. */
BIG_CASE(relay_large_segment_granules)
{
    const uint64_t size = 1ull << 22, half = 1ull << 21;
    uint64_t res[4];
    CHECK(env(22, 1, 1) == BST_OK && grant(X(0)) == BST_OK);
    CHECK(relay_view_holds(WINDOW, size, 0)); /* zeroed */
    relay_view_fill(WINDOW, size, 0x400);
    CHECK_FAILS(xcall(0, bst_relay_mask(0, 12), OP_REPORT, 0, 0, res), BST_E_RANGE, 1);
    CHECK(err()->min == 21 && err()->max == 22);
    CHECK_FAILS(xcall(0, bst_relay_mask(half, 20), OP_REPORT, 0, 0, res), BST_E_RANGE, 1);
    CHECK(xcall(0, bst_relay_mask(half, 21), OP_STEP, 0x400, 0, res) == BST_OK);
    CHECK(res[2] == 1 && SH->view_at[0] == WINDOW + half && SH->size_at[0] == half);
    CHECK(segment_holds(size, half, half, 0x400, 0x401));
    const char *why = touch_outside(bst_relay_mask(half, 21), WINDOW + half - 8);
    if (why)
        return why;
    CHECK(xcall(0, ALL, OP_STEP, 0x401, 0, res) == BST_OK && res[2] == 0); /* the first half still 0x400 */
    CHECK(relay_view_holds(WINDOW, size, 0x402));
    return 0;
}

/* ---- taking things away */

CASE(relay_revoke_between_calls)
{
    const uint64_t size = PAGE;
    uint64_t res[4], v = 0x600;
    CHECK(env(12, 1, 1) == BST_OK && grant(X(0)) == BST_OK);
    relay_view_fill(WINDOW, size, v);
    CHECK(step_works(0, size, &v));
    CHECK(bst_xentry_revoke_service(X(0), BST_CAP_ROOT_TCB) == BST_OK);
    CHECK_FAILS(xcall(0, ALL, OP_STEP, v, 0, res), BST_E_RIGHTS, 0);
    CHECK(grant(X(0)) == BST_OK && step_works(0, size, &v));
    /* The segment cap revoked: the binding goes with it; calls without a segment still work. */
    CHECK(bst_cnode_revoke(ROOT, SEG, ROOT_DEPTH) == BST_OK);
    CHECK_FAILS(xcall(0, ALL, OP_STEP, v, 0, res), BST_E_ILLEGAL_OPERATION, 1);
    CHECK(xcall(0, NONE, OP_REPORT, 1, 0, res) == BST_OK && res[0] == 2 && res[1] == 0);
    CHECK(bst_relay_attach(SEG, BST_CAP_ROOT_TCB) == BST_OK); /* free again, its data kept */
    CHECK(step_works(0, size, &v));
    /* Unregistered: INVALID_CAP, once. */
    CHECK(bst_xentry_unregister(X(0)) == BST_OK);
    CHECK_FAILS(xcall(0, ALL, OP_REPORT, 1, 0, res), BST_E_INVALID_CAP, 0);
    CHECK_FAILS(bst_xentry_unregister(X(0)), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    /* Deleting an entry's last cap unregisters it too. */
    CHECK(relay_register(TABLE, 1, &spaces[0], relay_entry, 1, X(1)) == BST_OK && grant(X(1)) == BST_OK);
    CHECK(relay_register(TABLE, 2, &spaces[0], relay_entry, 1, X(2)) == BST_OK && grant(X(2)) == BST_OK);
    CHECK(xcall(1, ALL, OP_REPORT, 1, 0, res) == BST_OK && res[0] == 2);
    CHECK(bst_cnode_delete(ROOT, X(1), ROOT_DEPTH) == BST_OK);
    CHECK_FAILS(xcall(1, ALL, OP_REPORT, 1, 0, res), BST_E_INVALID_CAP, 0);
    /*
     * Deleting one cap to the segment does not detach it: the binding is a
     * copy of its own (docs/relay.md). Detach through another cap ends it.
     */
    CHECK(copy_with(SEG2, SEG, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_cnode_delete(ROOT, SEG, ROOT_DEPTH) == BST_OK);
    CHECK(xcall(2, ALL, OP_REPORT, 1, 0, res) == BST_OK && res[1] == WINDOW && res[2] == size);
    CHECK(relay_view_holds(WINDOW, size, v));
    CHECK(bst_relay_detach(SEG2) == BST_OK);
    CHECK_FAILS(xcall(2, ALL, OP_REPORT, 1, 0, res), BST_E_ILLEGAL_OPERATION, 1);
    return 0;
}

/* The callee takes its own grant, entry and segment away: the call finishes, the next one fails. */
CASE(relay_revoke_during_a_call)
{
    uint64_t res[4];
    CHECK(env(12, 1, 1) == BST_OK && grant(X(0)) == BST_OK);
    relay_view_fill(WINDOW, PAGE, 0x700);
    script(0, INV_REVOKE, X(0), BST_CAP_ROOT_TCB);
    CHECK(xcall(0, ALL, OP_INVOKE, 7, 0, res) == BST_OK && res[0] == 1 && res[1] == 8);
    CHECK(SH->outcome[0] == BST_OK);
    CHECK_FAILS(xcall(0, ALL, OP_INVOKE, 7, 0, res), BST_E_RIGHTS, 0);
    CHECK(grant(X(0)) == BST_OK);
    script(0, INV_UNREGISTER, X(0), 0);
    CHECK(xcall(0, ALL, OP_INVOKE, 9, 0, res) == BST_OK && res[0] == 1 && res[1] == 10);
    CHECK(SH->outcome[0] == BST_OK);
    CHECK_FAILS(xcall(0, ALL, OP_INVOKE, 9, 0, res), BST_E_INVALID_CAP, 0);
    CHECK(relay_view_holds(WINDOW, PAGE, 0x700));
    /* The segment cap revoked and deleted in flight: the call returns, the thread has no segment. */
    CHECK(relay_register(TABLE, 1, &spaces[0], relay_entry, 1, X(1)) == BST_OK && grant(X(1)) == BST_OK);
    script(0, INV_REVOKE_CAP, SEG, 0);
    script(1, INV_DELETE, SEG, 0);
    CHECK(xcall(1, ALL, OP_INVOKE, 11, 0, res) == BST_OK && res[0] == 2 && res[1] == 12);
    CHECK(SH->outcome[0] == BST_OK && SH->outcome[1] == BST_OK && cap_info(SEG).type == BST_OBJ_NULL);
    CHECK_FAILS(xcall(1, ALL, OP_REPORT, 0, 0, res), BST_E_ILLEGAL_OPERATION, 1);
    CHECK(xcall(1, NONE, OP_REPORT, 0, 0, res) == BST_OK && res[1] == 0);
    return 0;
}

/* Inside a call the thread has no exchange frame: long messages fail, and no detail reaches its caller's. */
CASE(relay_callee_has_no_exchange_frame)
{
    uint64_t res[4];
    CHECK(env(12, 1, 1) == BST_OK && grant(X(0)) == BST_OK);
    CHECK(make(BST_OBJ_RELAY_SEGMENT, 12, SEG2) == BST_OK);
    script(0, INV_LONG, TABLE, BST_XENTRY_TABLE_REGISTER); /* ten words */
    script(1, INV_DETACH, SEG2, 0);                       /* no owner: refused */
    volatile struct bst_error_detail *d = &bst_exchange->error;
    d->code = 0x5a, d->argument = 0x5b, d->min = 0x5c, d->max = 0x5d;
    CHECK(xcall(0, ALL, OP_INVOKE, 0, 0, res) == BST_OK && res[0] == 2);
    CHECK(SH->outcome[0] == BST_E_NO_EXCHANGE && SH->outcome[1] == BST_E_ILLEGAL_OPERATION);
    CHECK(d->code == 0x5a && d->argument == 0x5b && d->min == 0x5c && d->max == 0x5d);
    /* At depth 0 the same refusal writes its detail. */
    CHECK_FAILS(bst_relay_detach(SEG2), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    return 0;
}

/* Thread i (arg: i | mask << 4) XCalls entry 0 with the script in the shared frame, then parks. */
static void caller_thread(uint64_t arg)
{
    unsigned i = (unsigned)(arg & 0xf);
    uint64_t res[4] = {0, 0, 0, 0};
    caller_error[i] = xcall(0, arg >> 4, OP_INVOKE, 0, 0, res);
    caller_ran[i] = res[0];
    caller_done[i] = 1;
    tthread_park(i);
}

/* Thread i, bound to TABLE with link and granted entry xentry, XCalls it and waits there on NOTIF. */
static uint64_t start_caller(unsigned i, uint64_t mask, bst_cptr_t link, bst_cptr_t xentry)
{
    uint64_t e;
    if ((e = tthread_start_scratch(i, caller_thread, i | mask << 4, LOW, 0)) ||
        (e = bst_tcb_set_relay(tthread_tcb_slot(i), TABLE, link)) ||
        (e = bst_xentry_grant_service(xentry, tthread_tcb_slot(i))))
        return e;
    return BST_OK;
}

/* Thread 0 waits inside entry 0: its binding, its entry's number and attaching to it are refused. */
static const char *first_caller_in_flight(void)
{
    const bst_cptr_t t0 = tthread_tcb_slot(0);
    uint64_t res[4];
    CHECK(start_caller(0, NONE, LINK2, X(0)) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(caller_done[0] == 0);
    CHECK_FAILS(bst_relay_attach(SEG2, t0), BST_E_ILLEGAL_OPERATION, 0);
    CHECK_FAILS(bst_tcb_set_relay(t0, TABLE, LINK2), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK_FAILS(bst_tcb_set_relay(t0, TABLE2, LINK3), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    /* Its entry unregistered under it (no call bit left): the number stays taken until the call returns. */
    CHECK(bst_xentry_revoke_service(X(0), t0) == BST_OK && bst_xentry_unregister(X(0)) == BST_OK);
    CHECK_FAILS(relay_register(TABLE, 0, &spaces[0], relay_entry, 1, X(2)), BST_E_DELETE_FIRST, 0);
    CHECK(cap_info(X(2)).type == BST_OBJ_NULL);
    /* Meanwhile the root task calls another entry of the same space. */
    CHECK(relay_register(TABLE, 1, &spaces[0], relay_entry, 1, X(1)) == BST_OK && grant(X(1)) == BST_OK);
    CHECK(xcall(1, NONE, OP_REPORT, 1, 0, res) == BST_OK && res[0] == 2);
    CHECK(bst_signal(NOTIF) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(caller_done[0] == 1 && caller_error[0] == BST_OK && caller_ran[0] == 1 && SH->outcome[0] == BST_OK);
    CHECK(relay_register(TABLE, 0, &spaces[0], relay_entry, 1, X(2)) == BST_OK); /* free now */
    return 0;
}

/* Thread 1 takes its segment along into the entry: nobody detaches or takes it meanwhile. */
static const char *second_caller_in_flight(void)
{
    const bst_cptr_t t1 = tthread_tcb_slot(1);
    CHECK(start_caller(1, ALL, LINK3, X(2)) == BST_OK);
    CHECK(bst_relay_attach(SEG, t1) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(caller_done[1] == 0);
    CHECK_FAILS(bst_relay_detach(SEG), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK_FAILS(bst_relay_attach(SEG, BST_CAP_ROOT_TCB), BST_E_DELETE_FIRST, BST_ARG_NONE);
    CHECK_FAILS(bst_relay_attach(SEG2, t1), BST_E_DELETE_FIRST, 0);
    CHECK(bst_signal(NOTIF) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(caller_done[1] == 1 && caller_error[1] == BST_OK);
    CHECK(bst_relay_detach(SEG) == BST_OK && bst_relay_attach(SEG, BST_CAP_ROOT_TCB) == BST_OK);
    return 0;
}

/* A thread in a call (here: helper threads waiting in a callee) cannot be attached to, rebound or detached. */
CASE(relay_thread_in_a_call_refusals)
{
    CHECK(env(0, 1, 1) == BST_OK);
    CHECK(make(BST_OBJ_RELAY_SEGMENT, 12, SEG) == BST_OK && make(BST_OBJ_RELAY_SEGMENT, 12, SEG2) == BST_OK);
    CHECK(make(BST_OBJ_LINK_STACK, 1, LINK2) == BST_OK && make(BST_OBJ_LINK_STACK, 1, LINK3) == BST_OK);
    CHECK(make(BST_OBJ_XENTRY_TABLE, 0, TABLE2) == BST_OK && make(BST_OBJ_NOTIFICATION, 0, NOTIF) == BST_OK);
    script(0, INV_WAIT, NOTIF, 0);
    const char *why = first_caller_in_flight();
    return why ? why : second_caller_in_flight();
}

/* ---- faults and destruction */

CASE(relay_callee_crash_unwinds)
{
    const uint64_t size = 1ull << 14;
    uint64_t res[4], v = 0x900;
    CHECK(env(14, 2, 1) == BST_OK && grant(X(0)) == BST_OK);
    CHECK(relay_register(TABLE, 1, &spaces[0], relay_entry, 1, X(1)) == BST_OK && grant(X(1)) == BST_OK);
    relay_view_fill(WINDOW, size, v);
    CHECK_FAILS(xcall(1, ALL, OP_TOUCH, CRASH_ADDR, 0, res), BST_E_CALLEE_FAULT, PF_VECTOR);
    CHECK(err()->min == CRASH_ADDR && err()->max == (uint64_t)relay_touch_insn);
    /* The segment is back and the entry (one stack) works again, more than once. */
    CHECK(relay_view_holds(WINDOW, size, v));
    CHECK(step_works(1, size, &v) && step_works(1, size, &v));
    CHECK_FAILS(xcall(1, ALL, OP_UD2, 0, 0, res), BST_E_CALLEE_FAULT, UD_VECTOR);
    CHECK(err()->max == (uint64_t)relay_ud2_insn);
    CHECK(step_works(1, size, &v));
    /* A crash one level down unwinds to B, not to A: B carries on with its view. */
    CHECK(bst_xentry_grant_service(X(1), X(0)) == BST_OK);
    plan(0, 1, ALL, OP_TOUCH, CRASH_ADDR);
    CHECK(xcall(0, ALL, OP_STEP, v, 0, res) == BST_OK);
    CHECK(res[0] == BST_E_CALLEE_FAULT && SH->error[0] == BST_E_CALLEE_FAULT && res[2] == 3 && res[1] == v + 3);
    v += 3;
    clear_plans();
    CHECK(step_works(1, size, &v));
    return 0;
}

/* During the call the segment is not in our address space: another thread of ours faults on it. */
CASE(relay_second_thread_faults_during_the_call)
{
    uint64_t res[4];
    CHECK(env(12, 1, 1) == BST_OK && grant(X(0)) == BST_OK);
    CHECK(make_badged_eps() == BST_OK);
    relay_view_fill(WINDOW, PAGE, 0xa00);
    CHECK(tthread_start_scratch(0, intruder_thread, 0x40 | 0, LOW, EP_B(1)) == BST_OK);
    /* The callee blocks on EP: the helper runs, touches the window, and its fault comes to the callee. */
    CHECK(xcall(0, ALL, OP_WAIT_FAULT, EP, 0xa00, res) == BST_OK);
    CHECK(res[3] == 1); /* the callee saw the segment */
    CHECK(res[0] == BST_FAULT_PAGE && res[1] == WINDOW + 0x40 && res[2] == 1);
    CHECK(relay_view_holds(WINDOW, PAGE, 0xa00));
    relay_view_fill(WINDOW, PAGE, 0xa01);
    CHECK(relay_view_holds(WINDOW, PAGE, 0xa01));
    return 0;
}

/*
 * A link stack of one call: the callee's onward call finds it full (entry 0
 * has stacks to spare, so that is the only cause); the outer call returns
 * intact.
 */
CASE(relay_link_stack_overflow)
{
    const uint64_t args[4] = {0x1001, 0x2002, 0x3003, 0x4004};
    const uint64_t words[4] = {0, 0, 0, 0};
    uint64_t res[4], out[RELAY_REGS_OUT], v = 0xb00;
    CHECK(env(12, 1, 1) == BST_OK && grant(X(0)) == BST_OK && bst_xentry_grant_service(X(0), X(0)) == BST_OK);
    CHECK(relay_register(TABLE, 1, &spaces[0], relay_regs_entry, 1, X(1)) == BST_OK);
    CHECK(grant(X(1)) == BST_OK && bst_xentry_grant_service(X(1), X(0)) == BST_OK);
    relay_view_fill(WINDOW, PAGE, v);
    plan(0, 0, ALL, 0, 0);
    CHECK(xcall(0, ALL, OP_STEP, v, 0, res) == BST_OK);
    CHECK(res[0] == BST_E_NO_MEMORY && SH->error[0] == BST_E_NO_MEMORY);
    CHECK(res[2] == 3 && res[1] == v + 3 && res[3] == 0);
    CHECK(relay_view_holds(WINDOW, PAGE, v + 3));
    v += 3;
    plan(0, 1, ALL, OP_REPORT, 0); /* onward to the register-checking entry: refused just the same */
    CHECK(xcall(0, ALL, OP_STEP, v, 0, res) == BST_OK && res[0] == BST_E_NO_MEMORY);
    v += 3;
    /* The one record was popped each time: the stack is empty, and calls still come back whole. */
    CHECK_FAILS(bst_xret(words), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK(relay_xcall_regs(1, ALL, args, out) == BST_OK);
    const char *why = check_caller_registers(out);
    if (why)
        return why;
    clear_plans();
    CHECK(step_works(0, PAGE, &v));
    return 0;
}

/* Which of entry 1's stacks holds address (RELAY_STACK_SLOTS and above: none). */
static uint64_t stack_slot(uint64_t address)
{
    uint64_t base = relay_stack_base(1);
    return address < base ? RELAY_STACK_SLOTS : (address - base) / RELAY_STACK_SIZE;
}

/*
 * Entry 1 with two stacks, a link stack of three calls: nested calls of the
 * entry run on its other stack; a third finds both busy (the link stack has
 * room, so that is the only cause).
 */
CASE(relay_entry_stacks_busy)
{
    uint64_t res[4], v = 0xc00;
    CHECK(env(12, 2, 1) == BST_OK);
    CHECK(relay_register(TABLE, 1, &spaces[0], relay_entry, 2, X(1)) == BST_OK);
    CHECK(grant(X(1)) == BST_OK && bst_xentry_grant_service(X(1), X(1)) == BST_OK);
    relay_view_fill(WINDOW, PAGE, v);
    plan(0, 1, ALL, 0, 0);
    CHECK(xcall(1, ALL, OP_STEP, v, 0, res) == BST_OK && res[0] == BST_OK && res[2] == 3);
    CHECK(stack_slot(SH->frame_at[0]) < 2 && stack_slot(SH->frame_at[1]) < 2);
    CHECK(stack_slot(SH->frame_at[0]) != stack_slot(SH->frame_at[1]));
    v = res[1];
    plan(1, 1, ALL, 0, 0);
    CHECK(xcall(1, ALL, OP_STEP, v, 0, res) == BST_OK && res[0] == BST_OK && res[2] == 3);
    CHECK(SH->error[1] == BST_E_NO_MEMORY && SH->ok[1] == 3);
    CHECK(relay_view_holds(WINDOW, PAGE, res[1]));
    v = res[1];
    clear_plans();
    CHECK(step_works(1, PAGE, &v) && step_works(1, PAGE, &v));
    return 0;
}

/* B destroys its own address space in the call: the thread cannot go back there, A gets PARTNER_GONE. */
CASE(relay_callee_space_destroyed_during_the_call)
{
    uint64_t res[4];
    CHECK(env(12, 1, 1) == BST_OK && grant(X(0)) == BST_OK);
    relay_view_fill(WINDOW, PAGE, 0xd00);
    script(0, INV_REVOKE_CAP, spaces[0].pml4, 0);
    script(1, INV_DELETE, spaces[0].pml4, 0);
    CHECK(xcall(0, ALL, OP_INVOKE, 0, 0, res) == BST_E_PARTNER_GONE);
    CHECK(bst_exchange->error.code == BST_E_PARTNER_GONE);
    CHECK(relay_view_holds(WINDOW, PAGE, 0xd00)); /* the segment came back */
    CHECK_FAILS(xcall(0, ALL, OP_INVOKE, 0, 0, res), BST_E_PARTNER_GONE, 0);
    relay_view_fill(WINDOW, PAGE, 0xd01);
    CHECK(relay_view_holds(WINDOW, PAGE, 0xd01));
    return 0;
}

/* C destroys B's address space and returns: reaching B's record unwinds A's call with PARTNER_GONE. */
CASE(relay_space_destroyed_under_a_record)
{
    uint64_t res[4];
    CHECK(env(12, 2, 2) == BST_OK && grant(X(0)) == BST_OK && bst_xentry_grant_service(X(1), X(0)) == BST_OK);
    relay_view_fill(WINDOW, PAGE, 0xe00);
    script(0, INV_REVOKE_CAP, spaces[0].pml4, 0);
    script(1, INV_DELETE, spaces[0].pml4, 0);
    plan(0, 1, ALL, OP_INVOKE, 0);
    CHECK(xcall(0, ALL, OP_STEP, 0xe00, 0, res) == BST_E_PARTNER_GONE);
    CHECK(bst_exchange->error.code == BST_E_PARTNER_GONE);
    CHECK(SH->outcome[0] == BST_OK && SH->outcome[1] == BST_OK); /* C destroyed it and returned */
    CHECK(SH->ok[0] == 1 && cap_info(spaces[0].pml4).type == BST_OBJ_NULL); /* B had seen A's data */
    CHECK(relay_view_holds(WINDOW, PAGE, 0xe01)); /* and B's write came back with the segment */
    CHECK_FAILS(xcall(0, ALL, OP_STEP, 0xe01, 0, res), BST_E_PARTNER_GONE, 0);
    /* C's space is whole: granted to A, C works. */
    clear_plans();
    CHECK(grant(X(1)) == BST_OK);
    CHECK(xcall(1, ALL, OP_STEP, 0xe01, 0, res) == BST_OK && res[2] == 1);
    CHECK(relay_view_holds(WINDOW, PAGE, 0xe02));
    return 0;
}

#define RELAY_CASE(name, text) {"relay: " text, name}
const struct test_case relay_cases[] = {
    RELAY_CASE(relay_retype_errors, "Retype errors of segments, entry tables and link stacks"),
    RELAY_CASE(relay_window_is_reserved, "Frame_Map and PageTable_Map refuse the relay window"),
    RELAY_CASE(relay_attach_detach_ownership, "attach and detach: only the owner sees the segment"),
    RELAY_CASE(relay_set_relay_errors, "SetRelay errors; a new table clears the call bits"),
    RELAY_CASE(relay_register_errors, "Register errors, each naming its argument"),
    RELAY_CASE(relay_grant_revoke_errors, "GrantService and RevokeService errors; GRANT needed"),
    RELAY_CASE(relay_xcall_errors_in_order, "XCall errors in order, nothing changed after each"),
    RELAY_CASE(relay_xret_with_empty_link_stack, "XRet with an empty link stack"),
    RELAY_CASE(relay_round_trip_into_another_space, "round trip into another space keeps rbx, rbp, r12-r15"),
    RELAY_CASE(relay_chain_a_b_c, "chain A -> B -> C and back, data changed at each step"),
    RELAY_CASE(relay_sub_range_masks, "sub-range masks: the callee sees only its sub-range"),
    RELAY_CASE(relay_large_segment_granules, "a 4 MiB segment is handed on in 2 MiB granules"),
    RELAY_CASE(relay_revoke_between_calls, "revoke, unregister, delete caps between calls"),
    RELAY_CASE(relay_revoke_during_a_call, "revoke, unregister and delete the segment during a call"),
    RELAY_CASE(relay_callee_has_no_exchange_frame, "a callee has no exchange frame: long calls fail, no detail written"),
    RELAY_CASE(relay_thread_in_a_call_refusals, "a thread in a call cannot attach, detach or rebind"),
    RELAY_CASE(relay_callee_crash_unwinds, "a callee crash unwinds to its caller; the entry works again"),
    RELAY_CASE(relay_second_thread_faults_during_the_call, "another thread of the caller faults during the call"),
    RELAY_CASE(relay_link_stack_overflow, "a full link stack fails the XCall and overwrites nothing"),
    RELAY_CASE(relay_entry_stacks_busy, "nested calls take the next stack; all busy fails"),
    RELAY_CASE(relay_callee_space_destroyed_during_the_call, "callee space destroyed during the call"),
    RELAY_CASE(relay_space_destroyed_under_a_record, "a space destroyed under a record further down"),
};
const unsigned relay_case_count = sizeof(relay_cases) / sizeof(relay_cases[0]);

