/*
 * Randomized operation sequences over a small CSpace (a root CNode of 64 slots
 * and the CNodes made in it): Untyped_Retype, CNode Copy, Mint, Move, Mutate,
 * Delete and Revoke with random valid and invalid arguments, all through the
 * real invoke_syscall. After every step:
 *   - invariants_check_tree(&cdt_boot_root) finds nothing;
 *   - the result is the one an independent oracle expects (lookups, argument
 *     checks and untyped memory are modelled here, in the order the ABI
 *     documents them), and a failure changed no slot and fired no hook;
 *   - every slot of every live CNode and TCB is in the tree and vice versa;
 *   - cdt_is_final agrees with a scan of every capability;
 *   - each object that disappeared got exactly one final hook (if its type has
 *     one) and no living object got any;
 *   - each untyped's live objects are what the model counts, its watermark is
 *     the model's, and new objects are zeroed, aligned and where expected.
 * The seed is printed; CAP_RANDOM_SEED and CAP_RANDOM_STEPS change the run.
 */
#include <bastion/relay.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/host/cap_env.h"

#define ROOT_RADIX 6
#define ROOT_SLOTS (1u << ROOT_RADIX)
#define EPISODES 4
#define DEFAULT_STEPS 2500 /* per episode */

/* ---------------------------------------------------------------- randomness */

static uint64_t rng;

static uint64_t next(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

static uint64_t below(uint64_t n) { return n ? next() % n : 0; }
static bool chance(unsigned percent) { return below(100) < percent; }

/* ---------------------------------------------------------------- the model */

/* An object other than an untyped, named by (type, paddr, word 2 for paddr 0) as cap_same_object does. */
struct key {
    uint64_t type, paddr, w2;
};

static struct key key_of(const struct cap *c)
{
    return (struct key){cap_type(c), c->paddr, c->paddr == 0 ? c->w2 : 0};
}

static bool key_equal(struct key a, struct key b) { return a.type == b.type && a.paddr == b.paddr && a.w2 == b.w2; }

#define MAX_MODEL 4096

struct mobj {
    struct key key;
    int creator; /* index into uts, -1 for boot objects */
    bool alive;
};

/* An untyped: one cap only (never copied), followed through Move and Mutate. */
struct mut {
    struct slot *slot;
    uint64_t paddr;
    unsigned bits;
    bool device;
    unsigned live;  /* objects carved from it that still live */
    uint64_t wm;    /* the model's watermark */
    int creator;
    bool alive;
};

static struct mobj objs[MAX_MODEL];
static unsigned nobjs;
static struct mut uts[MAX_MODEL];
static unsigned nuts;

static struct {
    unsigned ok[BST_INV_LABEL_COUNT], failed[BST_INV_LABEL_COUNT];
    unsigned objects_made, objects_died, max_caps;
} stats;

static bool final_hook_type(uint64_t type)
{
    return type == BST_OBJ_TCB || type == BST_OBJ_ENDPOINT || type == BST_OBJ_NOTIFICATION ||
           (type >= BST_OBJ_PAGE_TABLE && type <= BST_OBJ_PML4) || type == BST_OBJ_IRQ_HANDLER ||
           type == BST_OBJ_IOPORT;
}

static int find_ut(const struct slot *s)
{
    for (unsigned i = 0; i < nuts; i++)
        if (uts[i].alive && uts[i].slot == s)
            return (int)i;
    return -1;
}

static int find_obj(struct key k)
{
    for (unsigned i = 0; i < nobjs; i++)
        if (objs[i].alive && key_equal(objs[i].key, k))
            return (int)i;
    return -1;
}

static void add_obj(struct key k, int creator)
{
    assert_true(nobjs < MAX_MODEL);
    objs[nobjs++] = (struct mobj){k, creator, true};
}

static void add_ut(struct slot *s, int creator)
{
    assert_true(nuts < MAX_MODEL);
    uts[nuts++] = (struct mut){s, s->cap.paddr, cap_size_bits(&s->cap), (cap_flags(&s->cap) & CAP_FLAG_DEVICE) != 0,
                               0, 0, creator, true};
}

/* ---------------------------------------------------------------- scans */

static struct slot *tree[1u << 16];
static unsigned ntree;

static void scan_tree(void)
{
    struct slot **t;
    ntree = env_tree_slots(&t);
    assert_true(ntree <= sizeof(tree) / sizeof(tree[0]));
    memcpy(tree, t, ntree * sizeof(tree[0]));
    if (ntree > stats.max_caps)
        stats.max_caps = ntree;
}

static unsigned count_caps(uint64_t type_lo, uint64_t type_hi)
{
    unsigned n = 0;
    for (unsigned i = 0; i < ntree; i++)
        n += cap_type(&tree[i]->cap) >= type_lo && cap_type(&tree[i]->cap) <= type_hi;
    return n;
}

/* ---------------------------------------------------------------- the oracle's lookups */

static uint64_t mask(unsigned bits) { return bits >= 64 ? ~0ull : (1ull << bits) - 1; }

/* A capability address in the caller's CSpace (depth 64): the root's guard is 0 and its radix 6. */
static enum bst_error lookup_cap(uint64_t cptr, struct slot **out)
{
    *out = NULL;
    if (cap_type(&env_caller->cspace_root.cap) != BST_OBJ_CNODE || cptr >= ROOT_SLOTS)
        return BST_E_LOOKUP_FAILED;
    if (cap_is_null(&env_slot(cptr)->cap))
        return BST_E_INVALID_CAP;
    *out = env_slot(cptr);
    return BST_OK;
}

static const struct cap *resolved_in; /* the CNode cap that holds the slot resolve() found last */

/* A slot address (index, depth) below a CNode cap, resolved exactly, bit by bit as the ABI says. */
static enum bst_error resolve(const struct cap *cn, uint64_t index, uint64_t depth, struct slot **out)
{
    *out = NULL;
    resolved_in = NULL;
    if (depth == 0 || depth > 64)
        return BST_E_RANGE;
    unsigned left = (unsigned)depth;
    const struct cap *node = cn;
    for (;;) {
        if (cap_type(node) != BST_OBJ_CNODE)
            return BST_E_LOOKUP_FAILED;
        unsigned g = cap_guard_bits(node), r = cap_size_bits(node);
        if (g + r > left)
            return BST_E_LOOKUP_FAILED;
        uint64_t guard = 0;
        for (unsigned b = 0; b < g; b++) /* the g bits below bit `left` */
            guard = guard << 1 | ((index >> (left - 1 - b)) & 1);
        if (guard != node->w2)
            return BST_E_LOOKUP_FAILED;
        left -= g;
        uint64_t i = 0;
        for (unsigned b = 0; b < r; b++)
            i = i << 1 | ((index >> (left - 1 - b)) & 1);
        left -= r;
        struct slot *s = &((struct slot *)env_mem(node->paddr))[i];
        if (left == 0) {
            if (i == 0)
                return BST_E_RANGE;
            *out = s;
            resolved_in = node;
            return BST_OK;
        }
        node = &s->cap;
    }
}

/* The rights rule for slot addresses (abi/bastion/rights.h): the CNode cap holding the slot, if not cn, needs `need`. */
static enum bst_error resolve_needing(const struct cap *cn, uint64_t index, uint64_t depth, unsigned need,
                                      struct slot **out)
{
    enum bst_error e = resolve(cn, index, depth, out);
    if (e == BST_OK && resolved_in != cn && (need & ~cap_rights(resolved_in)))
        return BST_E_RIGHTS;
    return e;
}

static bool lacks(const struct cap *c, unsigned need) { return (need & ~cap_rights(c)) != 0; }

/* ---------------------------------------------------------------- addresses */

struct addr {
    uint64_t root, index, depth;
};

static bool protected_slot(const struct slot *s)
{
    /* The caller's TCB and root CNode caps stay: without them the run could do nothing more. */
    return s == env_slot(BST_CAP_ROOT_TCB) || s == env_slot(BST_CAP_ROOT_CNODE);
}

#define MAX_ADDRS 4096
static struct addr cand[MAX_ADDRS];

/*
 * A random slot address: root slots (root cptr 2, depth 64) and the slots of
 * CNodes whose caps are in root slots (that cap's cptr, its guard and radix).
 * want: 1 a full slot, 0 an empty one, -1 any. Sometimes made invalid.
 */
static struct addr pick_addr(int want, bool allow_protected, unsigned keep_untyped_percent)
{
    unsigned n = 0;
    for (unsigned k = 0; k < ROOT_SLOTS; k++) {
        const struct cap *c = &env_slot(k)->cap;
        if (k > 0)
            cand[n++] = (struct addr){ENV_ROOT, k, 64};
        if (cap_type(c) != BST_OBJ_CNODE || c->paddr == ENV_ROOT_CNODE_PADDR)
            continue;
        unsigned g = cap_guard_bits(c), r = cap_size_bits(c);
        for (uint64_t j = 1; j < (1ull << r) && n < MAX_ADDRS; j++)
            cand[n++] = (struct addr){k, c->w2 << r | j, g + r};
    }
    unsigned m = 0;
    for (unsigned i = 0; i < n; i++) {
        struct slot *s;
        struct slot *root;
        if (lookup_cap(cand[i].root, &root) != BST_OK ||
            resolve(&root->cap, cand[i].index, cand[i].depth, &s) != BST_OK)
            continue;
        if ((want == 1 && cap_is_null(&s->cap)) || (want == 0 && !cap_is_null(&s->cap)))
            continue;
        if (!allow_protected && protected_slot(s))
            continue;
        if (cap_type(&s->cap) == BST_OBJ_UNTYPED && chance(keep_untyped_percent))
            continue;
        cand[m++] = cand[i];
    }
    struct addr a = m ? cand[below(m)] : (struct addr){ENV_ROOT, 1 + below(ROOT_SLOTS - 1), 64};
    if (chance(8)) {
        switch (below(7)) {
        case 0: a.depth = 0; break;
        case 1: a.depth = 65 + below(3); break;
        case 2: a.depth = a.depth > 1 ? a.depth - 1 : 2; break;
        case 3: a.index ^= 1ull << below(a.depth ? a.depth : 1); break;
        case 4: a.index &= ~0x3ull; break; /* often slot 0 */
        case 5: a.root = below(ROOT_SLOTS); break;
        default: a.root = 1ull << (8 + below(56)); break;
        }
    }
    return a;
}

static uint64_t random_cptr(void)
{
    if (chance(3))
        return 1ull << (6 + below(58));
    return below(ROOT_SLOTS);
}

/* ---------------------------------------------------------------- one step */

static unsigned type_bits(uint64_t type, uint64_t size_bits)
{
    switch (type) {
    case BST_OBJ_UNTYPED:
        return size_bits >= BST_UNTYPED_MIN_BITS && size_bits <= BST_UNTYPED_MAX_BITS ? (unsigned)size_bits : 0;
    case BST_OBJ_CNODE:
        return size_bits >= BST_CNODE_MIN_RADIX && size_bits <= BST_CNODE_MAX_RADIX
                   ? (unsigned)size_bits + BST_SLOT_SIZE_BITS
                   : 0;
    case BST_OBJ_TCB: return BST_TCB_SIZE_BITS;
    case BST_OBJ_ENDPOINT: return BST_ENDPOINT_SIZE_BITS;
    case BST_OBJ_NOTIFICATION: return BST_NOTIFICATION_SIZE_BITS;
    case BST_OBJ_FRAME_4K: return BST_FRAME_4K_BITS;
    case BST_OBJ_FRAME_2M: return BST_FRAME_2M_BITS;
    case BST_OBJ_RELAY_SEGMENT:
        return size_bits >= BST_RELAY_MIN_BITS && size_bits <= BST_RELAY_MAX_BITS ? (unsigned)size_bits : 0;
    case BST_OBJ_XENTRY_TABLE: return BST_XENTRY_TABLE_BITS;
    case BST_OBJ_LINK_STACK:
        return size_bits >= 1 && size_bits <= BST_LINK_STACK_MAX_DEPTH_BITS
                   ? (unsigned)size_bits + BST_LINK_RECORD_BITS
                   : 0;
    default: return BST_PAGE_TABLE_BITS;
    }
}

static bool retypeable(uint64_t type)
{
    return (type != BST_OBJ_NULL && type < BST_OBJ_IRQ_CONTROL) || type == BST_OBJ_RELAY_SEGMENT ||
           type == BST_OBJ_XENTRY_TABLE || type == BST_OBJ_LINK_STACK;
}

/* Bytes one object takes: a relay segment's control block follows its data. */
static uint64_t footprint(uint64_t type, unsigned obj_bits)
{
    return (1ull << obj_bits) + (type == BST_OBJ_RELAY_SEGMENT ? BST_RELAY_CONTROL_BYTES : 0);
}

static bool sized_cap(uint64_t type)
{
    return type == BST_OBJ_UNTYPED || type == BST_OBJ_CNODE || type == BST_OBJ_RELAY_SEGMENT ||
           type == BST_OBJ_LINK_STACK;
}

/* What the step did, for the checks after it. */
struct step {
    uint64_t label;
    enum bst_error expect; /* BST_E_COUNT: some error, not predicted exactly */
    /* retype */
    int ut;
    uint64_t type, size_bits, count, start;
    unsigned obj_bits;
    struct slot *dest_first;
    /* CNode ops */
    struct slot *dest, *src, *target;
    struct slot src_before; /* links and cap before the op */
    struct cap expect_cap;
};

static uint64_t random_type(void)
{
    static const uint64_t valid[] = {BST_OBJ_UNTYPED, BST_OBJ_UNTYPED, BST_OBJ_CNODE, BST_OBJ_CNODE,
                                     BST_OBJ_CNODE, BST_OBJ_TCB, BST_OBJ_ENDPOINT, BST_OBJ_ENDPOINT,
                                     BST_OBJ_ENDPOINT, BST_OBJ_NOTIFICATION, BST_OBJ_NOTIFICATION,
                                     BST_OBJ_FRAME_4K, BST_OBJ_FRAME_4K, BST_OBJ_FRAME_2M,
                                     BST_OBJ_PAGE_TABLE, BST_OBJ_PAGE_DIRECTORY, BST_OBJ_PDPT, BST_OBJ_PML4};
    if (chance(6))
        return chance(50) ? below(BST_OBJ_TYPE_COUNT + 2) : next();
    return valid[below(sizeof(valid) / sizeof(valid[0]))];
}

static enum bst_error plan_retype(struct step *st, uint64_t w[7], uint64_t *ut_cptr)
{
    /* Mostly an untyped of the run; the big boot ones rarely (their zeroing is slow). */
    uint64_t cptr = random_cptr(), uts_in_root[ROOT_SLOTS];
    unsigned nut = 0;
    for (unsigned c = 0; c < ROOT_SLOTS; c++) {
        const struct cap *u = &env_slot(c)->cap;
        if (cap_type(u) == BST_OBJ_UNTYPED && (cap_size_bits(u) <= 22 || chance(3)))
            uts_in_root[nut++] = c;
    }
    if (nut && chance(90))
        cptr = uts_in_root[below(nut)];
    *ut_cptr = cptr;
    uint64_t type = random_type(), size_bits;
    if (type == BST_OBJ_UNTYPED)
        size_bits = chance(90) ? 4 + below(15) : below(64);
    else if (type == BST_OBJ_CNODE)
        size_bits = chance(92) ? 1 + below(4) : (chance(50) ? 0 : 21);
    else
        size_bits = below(3);
    uint64_t count = chance(90) ? 1 + below(3) : (chance(50) ? 0 : (chance(50) ? 64 : next()));
    /* The destination CNode: the root itself, another CNode cap by cptr, or (index, depth) below root. */
    uint64_t root = ENV_ROOT, index = 0, depth = 0;
    if (chance(25)) {
        root = random_cptr();
    } else if (chance(10)) {
        index = below(ROOT_SLOTS);
        depth = chance(90) ? 64 : below(70);
    }
    /* An offset with count empty slots after it, mostly. */
    struct slot *rootslot, *node_slot = NULL;
    uint64_t offset = 1 + below(ROOT_SLOTS);
    if (lookup_cap(root, &rootslot) == BST_OK && cap_type(&rootslot->cap) == BST_OBJ_CNODE) {
        const struct cap *node = &rootslot->cap;
        if (depth && resolve(node, index, depth, &node_slot) == BST_OK && cap_type(&node_slot->cap) == BST_OBJ_CNODE)
            node = &node_slot->cap;
        uint64_t slots = 1ull << cap_size_bits(node);
        const struct slot *s = (const struct slot *)env_mem(node->paddr);
        for (unsigned t = 0; t < 8; t++) {
            offset = chance(95) ? 1 + below(slots - 1) : below(slots + 2);
            bool empty = true;
            for (uint64_t i = 0; i < count && i < slots && offset + i < slots; i++)
                empty &= cap_is_null(&s[offset + i].cap);
            if (empty)
                break;
        }
    }
    uint64_t args[7] = {type, size_bits, root, index, depth, offset, count};
    memcpy(w, args, sizeof(args));
    st->type = type;
    st->size_bits = size_bits;
    st->count = count;

    /* The oracle, in the order of the ABI: invoked cap, type and size, count, destination, memory. */
    struct slot *ut;
    enum bst_error e = lookup_cap(cptr, &ut);
    if (e != BST_OK)
        return e;
    if (cap_type(&ut->cap) != BST_OBJ_UNTYPED)
        return BST_E_NOT_SUPPORTED;
    if (lacks(&ut->cap, BST_RIGHT_WRITE))
        return BST_E_RIGHTS;
    st->ut = find_ut(ut);
    assert_true(st->ut >= 0);
    struct mut *m = &uts[st->ut];
    if (!retypeable(type))
        return BST_E_INVALID_ARG;
    if (m->device && type != BST_OBJ_FRAME_4K && type != BST_OBJ_FRAME_2M && type != BST_OBJ_UNTYPED)
        return BST_E_INVALID_ARG;
    unsigned obj_bits = type_bits(type, size_bits);
    if (obj_bits == 0)
        return BST_E_RANGE;
    uint64_t max_count = obj_bits > m->bits ? 0 : (1ull << m->bits) >> obj_bits;
    if (type == BST_OBJ_RELAY_SEGMENT && max_count > 1)
        max_count = 1;
    if (count < 1 || count > max_count)
        return BST_E_RANGE;
    struct slot *dr;
    if ((e = lookup_cap(root, &dr)) != BST_OK)
        return e;
    if (cap_type(&dr->cap) != BST_OBJ_CNODE)
        return BST_E_WRONG_TYPE;
    if (lacks(&dr->cap, BST_RIGHT_WRITE))
        return BST_E_RIGHTS;
    const struct cap *node = &dr->cap;
    if (depth != 0) {
        struct slot *s;
        if ((e = resolve(node, index, depth, &s)) != BST_OK)
            return e;
        if (cap_type(&s->cap) != BST_OBJ_CNODE)
            return BST_E_WRONG_TYPE;
        if (lacks(&s->cap, BST_RIGHT_WRITE))
            return BST_E_RIGHTS;
        node = &s->cap;
    }
    uint64_t slots = 1ull << cap_size_bits(node);
    if (offset < 1 || offset >= slots || count > slots - offset)
        return BST_E_RANGE;
    struct slot *first = (struct slot *)env_mem(node->paddr) + offset;
    for (uint64_t i = 0; i < count; i++)
        if (!cap_is_null(&first[i].cap))
            return BST_E_DELETE_FIRST;
    uint64_t size = 1ull << m->bits, wm = m->live ? m->wm : 0, obj = 1ull << obj_bits;
    uint64_t start = (wm + obj - 1) & ~(obj - 1);
    if (start > size || (count - 1) * obj + footprint(type, obj_bits) > size - start)
        return BST_E_NO_MEMORY;
    st->obj_bits = obj_bits;
    st->start = start;
    st->dest_first = first;
    return BST_OK;
}

static void check_retyped(const struct step *st)
{
    struct mut *m = &uts[st->ut];
    uint64_t size = 1ull << st->obj_bits;
    assert_int_equal(m->slot->cap.w2, st->start + (st->count - 1) * size + footprint(st->type, st->obj_bits));
    for (uint64_t i = 0; i < st->count; i++) {
        struct slot *s = &st->dest_first[i];
        const struct cap *c = &s->cap;
        uint64_t paddr = m->paddr + st->start + i * size;
        assert_int_equal(cap_type(c), st->type);
        assert_int_equal(c->paddr, paddr);
        assert_int_equal(paddr % size, 0);
        assert_int_equal(cap_rights(c), BST_RIGHTS_ALL);
        assert_int_equal(cap_flags(c), CAP_FLAG_ORIGINAL | (m->device ? CAP_FLAG_DEVICE : 0));
        assert_int_equal(cap_size_bits(c), sized_cap(st->type) ? st->size_bits : 0);
        assert_int_equal(cap_guard_bits(c), 0);
        assert_int_equal(c->w2, 0);
        assert_int_equal(c->w3, 0); /* a PML4 too: it has no ASID until a pool assigns one */
        assert_ptr_equal(s->parent, m->slot);
        if (!m->device)
            assert_true(env_is_zero(paddr, size));
        /* The object is used: stale data for whoever gets this memory next. */
        if (!m->device && st->type != BST_OBJ_CNODE && st->type != BST_OBJ_TCB && st->type != BST_OBJ_UNTYPED &&
            st->type != BST_OBJ_XENTRY_TABLE) /* holds slots, as a CNode */
            memset(env_mem(paddr), 0x77, size);
        if (st->type == BST_OBJ_UNTYPED)
            add_ut(s, st->ut);
        else
            add_obj(key_of(c), st->ut);
    }
    m->live += (unsigned)st->count;
    m->wm = st->start + st->count * size;
    stats.objects_made += (unsigned)st->count;
    assert_int_equal(env_hook_count(HOOK_TCB_OBJECT_INIT), st->type == BST_OBJ_TCB ? st->count : 0);
    assert_int_equal(env_hook_count(HOOK_VSPACE_INIT_ROOT), st->type == BST_OBJ_PML4 ? st->count : 0);
}

static bool is_mapping_below_root(uint64_t t) { return t >= BST_OBJ_FRAME_4K && t <= BST_OBJ_PDPT; }

/* The badge or guard rule of Mint and Mutate, applied to c; an error or BST_OK. */
static enum bst_error badge_rule(struct cap *c, uint64_t badge, uint64_t guard_bits)
{
    switch (cap_type(c)) {
    case BST_OBJ_ENDPOINT:
    case BST_OBJ_NOTIFICATION:
        if (c->w2 != 0 && badge != c->w2)
            return BST_E_ILLEGAL_OPERATION;
        c->w2 = badge;
        return BST_OK;
    case BST_OBJ_CNODE:
        if (guard_bits > 64 || guard_bits + cap_size_bits(c) > 64)
            return BST_E_RANGE;
        if (badge & ~mask((unsigned)guard_bits))
            return BST_E_RANGE;
        c->w2 = badge;
        cap_set_guard_bits(c, (unsigned)guard_bits);
        return BST_OK;
    default:
        return badge ? BST_E_INVALID_ARG : BST_OK;
    }
}

static void random_badge(const struct cap *src, uint64_t *badge, uint64_t *guard_bits)
{
    if (src && cap_type(src) == BST_OBJ_CNODE) {
        unsigned room = 64 - cap_size_bits(src);
        /* Too wide, and so wide that adding the radix wraps around. */
        if (chance(88))
            *guard_bits = below(room + 1);
        else if (chance(50))
            *guard_bits = chance(80) ? room + 1 + below(10) : ~0ull - 64 - below(1000);
        else
            *guard_bits = ~below(cap_size_bits(src)); /* + radix wraps to at most radix - 1 */
        unsigned width = *guard_bits < 64 ? (unsigned)*guard_bits : 63;
        *badge = chance(60) ? 0 : next() & mask(width);
        if (chance(5))
            *badge = next();
        return;
    }
    *guard_bits = below(70);
    switch (below(5)) {
    case 0: *badge = 0; break;
    case 1: *badge = src ? src->w2 : 0; break;
    case 2: *badge = 1 + below(16); break;
    case 3: *badge = next(); break;
    default: *badge = chance(50) ? 0 : 1 + below(4); break;
    }
}

static uint64_t random_rights(void)
{
    if (chance(5))
        return chance(50) ? BST_RIGHTS_ALL + 1 + below(100) : 1ull << (5 + below(59));
    return chance(50) ? BST_RIGHTS_ALL : below(BST_RIGHTS_ALL + 1);
}

/* Copy, Mint, Move, Mutate: arguments and the oracle. */
static enum bst_error plan_transfer(struct step *st, uint64_t label, uint64_t w[8], unsigned *n, uint64_t *invoked)
{
    bool relocate = label == BST_CNODE_MOVE || label == BST_CNODE_MUTATE;
    struct addr d = pick_addr(chance(85) ? 0 : -1, true, 0);
    struct addr s = pick_addr(chance(90) ? 1 : -1, !relocate, relocate ? 70 : 0);
    *invoked = d.root;
    uint64_t rights = random_rights(), badge = 0, guard_bits = 0;
    struct slot *sr0, *ss0;
    const struct cap *src_guess = NULL;
    if (lookup_cap(s.root, &sr0) == BST_OK && resolve(&sr0->cap, s.index, s.depth, &ss0) == BST_OK)
        src_guess = &ss0->cap;
    random_badge(src_guess, &badge, &guard_bits);
    uint64_t args[8] = {d.index, d.depth, s.root, s.index, s.depth, rights, badge, guard_bits};
    if (label == BST_CNODE_MUTATE) {
        args[5] = badge;
        args[6] = guard_bits;
    }
    unsigned need = label == BST_CNODE_COPY ? 6 : label == BST_CNODE_MINT ? 8 : label == BST_CNODE_MOVE ? 5 : 7;
    *n = chance(3) ? (unsigned)below(need) : need;
    memcpy(w, args, sizeof(args));

    struct slot *inv, *dest, *sroot, *src;
    enum bst_error e = lookup_cap(d.root, &inv);
    if (e != BST_OK)
        return e;
    if (cap_type(&inv->cap) != BST_OBJ_CNODE)
        return BST_E_NOT_SUPPORTED;
    if (lacks(&inv->cap, BST_RIGHT_WRITE))
        return BST_E_RIGHTS;
    if (*n < need)
        return BST_E_TRUNCATED;
    if ((e = resolve_needing(&inv->cap, d.index, d.depth, BST_RIGHT_WRITE, &dest)) != BST_OK)
        return e;
    if ((e = lookup_cap(s.root, &sroot)) != BST_OK)
        return e;
    if (cap_type(&sroot->cap) != BST_OBJ_CNODE)
        return BST_E_WRONG_TYPE;
    /* Copy and Mint read the source CNode; Move and Mutate empty a slot of it. */
    unsigned src_need = relocate ? BST_RIGHT_WRITE : BST_RIGHT_READ;
    if (lacks(&sroot->cap, src_need))
        return BST_E_RIGHTS;
    if ((e = resolve_needing(&sroot->cap, s.index, s.depth, src_need, &src)) != BST_OK)
        return e;
    if (cap_is_null(&src->cap))
        return BST_E_INVALID_CAP;
    if (!cap_is_null(&dest->cap))
        return BST_E_DELETE_FIRST;
    if (relocate && protected_slot(src))
        return BST_E_COUNT; /* not generated (pick_addr avoids it) unless an invalid variant hits it */
    st->dest = dest;
    st->src = src;
    st->src_before = *src;
    struct cap c = src->cap;
    if (!relocate) {
        if (cap_type(&c) == BST_OBJ_UNTYPED)
            return BST_E_ILLEGAL_OPERATION;
        if (rights & ~(uint64_t)BST_RIGHTS_ALL)
            return BST_E_INVALID_ARG;
        cap_set_rights(&c, cap_rights(&c) & (unsigned)rights);
        cap_set_flags(&c, cap_flags(&c) & ~CAP_FLAG_ORIGINAL);
        if (is_mapping_below_root(cap_type(&c)))
            c.w2 = c.w3 = 0;
    }
    if (label == BST_CNODE_MINT || label == BST_CNODE_MUTATE) {
        if ((e = badge_rule(&c, badge, guard_bits)) != BST_OK)
            return e;
    }
    if (label == BST_CNODE_MUTATE && cdt_has_children(src) && cap_type(&c) != BST_OBJ_CNODE)
        return BST_E_REVOKE_FIRST;
    st->expect_cap = c;
    return BST_OK;
}

static void check_transfer(const struct step *st)
{
    struct slot *d = st->dest, *s = st->src;
    if (st->label == BST_CNODE_COPY || st->label == BST_CNODE_MINT) {
        assert_memory_equal(&d->cap, &st->expect_cap, sizeof(struct cap));
        assert_ptr_equal(d->parent, s);
        assert_ptr_equal(s->first_child, d);
        assert_null(d->first_child);
        assert_memory_equal(&s->cap, &st->src_before.cap, sizeof(struct cap));
        return;
    }
    /* Move and Mutate: the cap and its place in the tree. */
    assert_memory_equal(&d->cap, &st->expect_cap, sizeof(struct cap));
    assert_true(cap_is_null(&s->cap));
    assert_null(s->parent);
    assert_null(s->first_child);
    assert_ptr_equal(d->parent, st->src_before.parent);
    assert_ptr_equal(d->prev_sibling, st->src_before.prev_sibling);
    assert_ptr_equal(d->next_sibling, st->src_before.next_sibling);
    assert_ptr_equal(d->first_child, st->src_before.first_child);
    for (struct slot *c = d->first_child; c; c = c->next_sibling)
        assert_ptr_equal(c->parent, d);
    if (cap_type(&d->cap) == BST_OBJ_UNTYPED) {
        int u = find_ut(s);
        assert_true(u >= 0);
        uts[u].slot = d;
    }
}

/* Delete and Revoke. */
static enum bst_error plan_target(struct step *st, uint64_t label, uint64_t w[2], unsigned *n, uint64_t *invoked)
{
    /* Untyped are deleted rarely (they are what the run lives on), revoked often. */
    struct addr a = pick_addr(chance(85) ? 1 : -1, false, label == BST_CNODE_DELETE ? 95 : 0);
    *invoked = a.root;
    w[0] = a.index;
    w[1] = a.depth;
    *n = chance(3) ? (unsigned)below(2) : 2;
    struct slot *inv, *t;
    enum bst_error e = lookup_cap(a.root, &inv);
    if (e != BST_OK)
        return e;
    if (cap_type(&inv->cap) != BST_OBJ_CNODE)
        return BST_E_NOT_SUPPORTED;
    if (lacks(&inv->cap, BST_RIGHT_WRITE))
        return BST_E_RIGHTS;
    if (*n < 2)
        return BST_E_TRUNCATED;
    if ((e = resolve_needing(&inv->cap, a.index, a.depth, BST_RIGHT_WRITE, &t)) != BST_OK)
        return e;
    if (cap_is_null(&t->cap))
        return BST_E_INVALID_CAP;
    /* Revoking the exchange frame's cap (wherever it moved) takes the caller's copy, and with it
     * every call of more than four words: the run would only see that error from then on. */
    if (protected_slot(t) || (label == BST_CNODE_REVOKE && t->cap.paddr == ENV_EXCHANGE_PADDR))
        return BST_E_COUNT;
    if (label == BST_CNODE_DELETE && cap_type(&t->cap) == BST_OBJ_UNTYPED && cdt_has_children(t))
        return BST_E_REVOKE_FIRST;
    st->target = t;
    st->src_before = *t;
    return BST_OK;
}

/* ---------------------------------------------------------------- the checks after every step */

static int key_cmp(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    if (x->paddr != y->paddr)
        return x->paddr < y->paddr ? -1 : 1;
    return x->w2 < y->w2 ? -1 : x->w2 > y->w2;
}

static struct key keys[1u << 16];

/* How many caps in the tree name the object of c (cap_same_object), from sorted keys. */
static unsigned caps_naming(const struct cap *c, unsigned nkeys)
{
    struct key k = key_of(c);
    const struct key *hit = bsearch(&k, keys, nkeys, sizeof(keys[0]), key_cmp);
    assert_non_null(hit);
    const struct key *lo = hit, *hi = hit;
    while (lo > keys && key_equal(lo[-1], k))
        lo--;
    while (hi + 1 < keys + nkeys && key_equal(hi[1], k))
        hi++;
    return (unsigned)(hi - lo + 1);
}

static void check_structure(void)
{
    assert_int_equal(invariants_check_tree(&cdt_boot_root), 0);
    scan_tree();
    /* Every full slot of a live container is in the tree, and the tree holds nothing else. */
    struct slot **cs;
    unsigned ncs = env_container_slots(&cs), full = 0;
    for (unsigned i = 0; i < ncs; i++) {
        if (cap_is_null(&cs[i]->cap))
            continue;
        full++;
        assert_non_null(cs[i]->parent);
    }
    assert_int_equal(full, ntree);
    for (unsigned i = 0; i < ntree; i++) {
        const struct cap *c = &tree[i]->cap;
        assert_false(cap_is_null(c));
        assert_int_equal(cap_rights(c) & ~BST_RIGHTS_ALL, 0);
        if (cap_type(c) == BST_OBJ_CNODE) {
            assert_true(cap_guard_bits(c) + cap_size_bits(c) <= 64);
            assert_int_equal(c->w2 & ~mask(cap_guard_bits(c)), 0);
        }
        /* Only made caps are originals: their parent is an untyped or the boot root. */
        if (cap_flags(c) & CAP_FLAG_ORIGINAL)
            assert_true(tree[i]->parent == &cdt_boot_root || cap_type(&tree[i]->parent->cap) == BST_OBJ_UNTYPED);
        keys[i] = key_of(c);
    }
    /* cdt_is_final against a scan of every capability. */
    qsort(keys, ntree, sizeof(keys[0]), key_cmp);
    for (unsigned i = 0; i < ntree; i++) {
        const struct slot *s = tree[i];
        if (cap_type(&s->cap) == BST_OBJ_UNTYPED)
            continue; /* below */
        unsigned naming = caps_naming(&s->cap, ntree);
        if (cdt_is_final(s))
            assert_int_equal(naming, 1);
        else
            assert_true(naming > 1);
    }
    /*
     * Untyped: cap_same_object does not compare sizes, so an untyped and a child
     * untyped carved at its start count as one object there, and finality means
     * nothing for untyped (no hook). What matters: each untyped cap is one the
     * model made (by retype or at boot, followed through moves): never a copy.
     */
    for (unsigned i = 0; i < ntree; i++)
        if (cap_type(&tree[i]->cap) == BST_OBJ_UNTYPED)
            assert_true(find_ut(tree[i]) >= 0);
}

/* Objects that died in this step, the hooks they got, and the untyped accounting. */
static void check_objects(unsigned frames_before, unsigned paging_before)
{
    unsigned died_paging = 0;
    /* Untyped: alive while their (followed) slot holds them. */
    for (unsigned i = 0; i < nuts; i++) {
        struct mut *m = &uts[i];
        if (!m->alive)
            continue;
        const struct cap *c = &m->slot->cap;
        if (cap_type(c) == BST_OBJ_UNTYPED && c->paddr == m->paddr && cap_size_bits(c) == m->bits &&
            m->slot->parent)
            continue;
        m->alive = false;
        stats.objects_died++;
        if (m->creator >= 0) {
            assert_true(uts[m->creator].live > 0);
            uts[m->creator].live--;
        }
    }
    for (unsigned i = 0; i < nobjs; i++) {
        struct mobj *o = &objs[i];
        if (!o->alive)
            continue;
        bool present = bsearch(&o->key, keys, ntree, sizeof(keys[0]), key_cmp) != NULL; /* sorted */
        struct cap as_cap = {0, o->key.paddr, o->key.w2, 0};
        cap_set_field(&as_cap, CAP_TYPE_SHIFT, o->key.type);
        if (present) {
            assert_int_equal(env_final_events_for(&as_cap), 0);
            continue;
        }
        o->alive = false;
        stats.objects_died++;
        assert_int_equal(env_final_events_for(&as_cap), final_hook_type(o->key.type) ? 1 : 0);
        died_paging += o->key.type >= BST_OBJ_PAGE_TABLE && o->key.type <= BST_OBJ_PML4;
        if (o->creator >= 0) {
            assert_true(uts[o->creator].live > 0);
            uts[o->creator].live--;
        }
    }
    /* Every cap in the tree names a known object. */
    for (unsigned j = 0; j < ntree; j++) {
        if (cap_type(&tree[j]->cap) == BST_OBJ_UNTYPED)
            assert_true(find_ut(tree[j]) >= 0);
        else
            assert_true(find_obj(key_of(&tree[j]->cap)) >= 0);
    }
    for (unsigned i = 0; i < nuts; i++) {
        struct mut *m = &uts[i];
        if (!m->alive) {
            assert_int_equal(m->live, 0); /* nothing outlives its untyped */
            continue;
        }
        /* Its distinct objects among its direct children are the model's live count. */
        unsigned distinct = 0;
        for (struct slot *c = m->slot->first_child; c; c = c->next_sibling) {
            bool seen = false;
            for (struct slot *d = m->slot->first_child; d != c && !seen; d = d->next_sibling)
                seen = cap_type(&c->cap) == cap_type(&d->cap) && c->cap.paddr == d->cap.paddr &&
                       cap_size_bits(&c->cap) == cap_size_bits(&d->cap);
            distinct += !seen;
            assert_true(c->cap.paddr >= m->paddr && c->cap.paddr < m->paddr + (1ull << m->bits));
        }
        assert_int_equal(distinct, m->live);
        assert_int_equal(cdt_has_children(m->slot), m->live > 0);
        if (m->live)
            assert_int_equal(m->slot->cap.w2, m->wm);
    }
    /* Hooks for every cap: frames and paging structures lose their mappings one cap at a time. */
    unsigned frames = count_caps(BST_OBJ_FRAME_4K, BST_OBJ_FRAME_2M);
    unsigned paging = count_caps(BST_OBJ_PAGE_TABLE, BST_OBJ_PML4);
    assert_int_equal(env_hook_count(HOOK_FRAME_DELETED), frames < frames_before ? frames_before - frames : 0);
    assert_int_equal(env_hook_count(HOOK_PAGE_TABLE_DELETED), paging < paging_before ? paging_before - paging : 0);
    unsigned final_paging = 0;
    for (unsigned i = 0; i < env_event_count; i++)
        final_paging += env_events[i].hook == HOOK_PAGE_TABLE_DELETED && env_events[i].final;
    assert_int_equal(final_paging, died_paging);
}

static void one_step(void)
{
    struct step st = {0};
    uint64_t w[8] = {0}, invoked = ENV_ROOT;
    unsigned n = 0;
    uint64_t r = below(100);
    if (r < 26) {
        st.label = BST_UNTYPED_RETYPE;
        st.expect = plan_retype(&st, w, &invoked);
        n = 7;
        if (chance(3)) {
            /* Too few words: only the invoked cap is looked at before that. */
            struct slot *ut;
            n = (unsigned)below(7);
            st.expect = lookup_cap(invoked, &ut);
            if (st.expect == BST_OK)
                st.expect = cap_type(&ut->cap) != BST_OBJ_UNTYPED      ? BST_E_NOT_SUPPORTED
                            : lacks(&ut->cap, BST_RIGHT_WRITE) ? BST_E_RIGHTS
                                                               : BST_E_TRUNCATED;
        }
    } else if (r < 40) {
        st.label = BST_CNODE_COPY;
    } else if (r < 52) {
        st.label = BST_CNODE_MINT;
    } else if (r < 62) {
        st.label = BST_CNODE_MOVE;
    } else if (r < 70) {
        st.label = BST_CNODE_MUTATE;
    } else if (r < 88) {
        st.label = BST_CNODE_DELETE;
    } else {
        st.label = BST_CNODE_REVOKE;
    }
    if (st.label != BST_UNTYPED_RETYPE) {
        if (st.label == BST_CNODE_DELETE || st.label == BST_CNODE_REVOKE)
            st.expect = plan_target(&st, st.label, w, &n, &invoked);
        else
            st.expect = plan_transfer(&st, st.label, w, &n, &invoked);
    }
    if (st.expect == BST_E_COUNT)
        return; /* it would have moved or deleted a protected cap (see protected_slot) */

    scan_tree();
    unsigned frames_before = count_caps(BST_OBJ_FRAME_4K, BST_OBJ_FRAME_2M);
    unsigned paging_before = count_caps(BST_OBJ_PAGE_TABLE, BST_OBJ_PML4);
    struct env_snapshot *snap = env_snapshot_take();
    env_events_clear();
    enum bst_error e = env_call(invoked, st.label, n, w);
    if (st.expect == BST_E_COUNT) {
        assert_int_not_equal(e, BST_OK);
    } else if (e != st.expect) {
        fprintf(stderr, "step: label %llu expected %d got %d (words %llx %llx %llx %llx %llx %llx %llx %llx, n %u, cap %llx)\n",
                (unsigned long long)st.label, st.expect, e, (unsigned long long)w[0], (unsigned long long)w[1],
                (unsigned long long)w[2], (unsigned long long)w[3], (unsigned long long)w[4],
                (unsigned long long)w[5], (unsigned long long)w[6], (unsigned long long)w[7], n,
                (unsigned long long)invoked);
        assert_int_equal(e, st.expect);
    }
    if (e != BST_OK) {
        stats.failed[st.label]++;
        assert_int_equal(env_detail()->code, e);
        assert_true(env_snapshot_equal(snap));
        assert_int_equal(env_event_count, 0);
        env_snapshot_free(snap);
        check_structure();
        return;
    }
    env_snapshot_free(snap);
    stats.ok[st.label]++;
    switch (st.label) {
    case BST_UNTYPED_RETYPE: check_retyped(&st); break;
    case BST_CNODE_COPY:
    case BST_CNODE_MINT:
    case BST_CNODE_MOVE:
    case BST_CNODE_MUTATE: check_transfer(&st); break;
    case BST_CNODE_DELETE: assert_true(cap_is_null(&st.target->cap)); break;
    default:
        /* Revoke: the cap stays without children, unless it sat in an object that died. */
        if (!cap_is_null(&st.target->cap)) {
            assert_memory_equal(&st.target->cap, &st.src_before.cap, sizeof(struct cap));
            assert_false(cdt_has_children(st.target));
        }
        break;
    }
    check_structure();
    check_objects(frames_before, paging_before);
}

/* ---------------------------------------------------------------- the run */

static void boot_model(void)
{
    env_boot(ROOT_RADIX);
    nobjs = nuts = 0;
    scan_tree();
    for (unsigned i = 0; i < ntree; i++) {
        if (cap_type(&tree[i]->cap) == BST_OBJ_UNTYPED)
            add_ut(tree[i], -1);
        else if (find_obj(key_of(&tree[i]->cap)) < 0)
            add_obj(key_of(&tree[i]->cap), -1);
    }
    check_structure();
}

static uint64_t env_number(const char *name, uint64_t fallback)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 0) : fallback;
}

static void test_random_operations(void **state)
{
    (void)state;
    uint64_t seed = env_number("CAP_RANDOM_SEED", 0xca9ab1e5eedull);
    uint64_t steps = env_number("CAP_RANDOM_STEPS", DEFAULT_STEPS);
    printf("# cap random seed %#llx, %llu steps x %u episodes (set CAP_RANDOM_SEED, CAP_RANDOM_STEPS to change)\n",
           (unsigned long long)seed, (unsigned long long)steps, EPISODES);
    fflush(stdout);
    rng = seed ? seed : 1;
    memset(&stats, 0, sizeof(stats));
    for (unsigned ep = 0; ep < EPISODES; ep++) {
        boot_model();
        for (uint64_t i = 0; i < steps; i++)
            one_step();
    }
    static const char *const names[] = {[BST_UNTYPED_RETYPE] = "retype", [BST_CNODE_COPY] = "copy",
                                        [BST_CNODE_MINT] = "mint",       [BST_CNODE_MOVE] = "move",
                                        [BST_CNODE_MUTATE] = "mutate",   [BST_CNODE_DELETE] = "delete",
                                        [BST_CNODE_REVOKE] = "revoke"};
    printf("# cap random:");
    for (unsigned l = BST_UNTYPED_RETYPE; l <= BST_CNODE_REVOKE; l++)
        printf(" %s %u/%u", names[l], stats.ok[l], stats.ok[l] + stats.failed[l]);
    printf("; %u objects made, %u died, at most %u caps\n", stats.objects_made, stats.objects_died,
           stats.max_caps);
    /* Enough of everything happened, successes and failures alike. */
    if (steps >= DEFAULT_STEPS) {
        for (unsigned l = BST_UNTYPED_RETYPE; l <= BST_CNODE_REVOKE; l++) {
            assert_true(stats.ok[l] >= 20);
            assert_true(stats.failed[l] >= 20);
        }
        assert_true(stats.objects_died >= 100);
    }
}

static int group_setup(void **state)
{
    (void)state;
    env_init();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    env_fini();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_operations),
    };
    return cmocka_run_group_tests_name("cap_random", tests, group_setup, group_teardown);
}
