/*
 * Host tests of kernel/core/cdt.c, the capability derivation tree: insert,
 * remove and move keep every link consistent, a removed cap's children take
 * its place among its siblings in order, cdt_is_final in every neighbour case,
 * cdt_first_leaf, cdt_find_same_object from every cap of an object. The slots are plain memory here: the tree never looks at
 * where a slot lives.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "kernel/core/cdt.h"

#define NSLOTS 64
static struct slot s[NSLOTS];
static struct slot root;

static int reset(void **state)
{
    (void)state;
    memset(s, 0, sizeof(s));
    memset(&root, 0, sizeof(root));
    return 0;
}

static struct cap obj(enum bst_object_type type, uint64_t paddr)
{
    return cap_make(type, BST_RIGHTS_ALL, 0, paddr);
}

/* Puts a cap into slot i and inserts it under parent. */
static struct slot *add(struct slot *parent, unsigned i, struct cap c)
{
    s[i].cap = c;
    cdt_insert_child(parent, &s[i]);
    return &s[i];
}

/* parent's children are exactly the given slots, in order, with consistent links. */
static void assert_children(struct slot *parent, unsigned n, struct slot *const *expect)
{
    struct slot *c = parent->first_child, *prev = NULL;
    for (unsigned i = 0; i < n; i++) {
        assert_non_null(c);
        assert_ptr_equal(c, expect[i]);
        assert_ptr_equal(c->parent, parent);
        assert_ptr_equal(c->prev_sibling, prev);
        prev = c;
        c = c->next_sibling;
    }
    assert_null(c);
}

#define CHILDREN(parent, ...)                                                        \
    do {                                                                             \
        struct slot *const e_[] = {__VA_ARGS__};                                     \
        assert_children((parent), sizeof(e_) / sizeof(e_[0]), e_);                   \
    } while (0)

static void assert_unlinked(const struct slot *x)
{
    assert_null(x->parent);
    assert_null(x->first_child);
    assert_null(x->next_sibling);
    assert_null(x->prev_sibling);
}

/* ---- insert */

static void test_insert_at_head(void **state)
{
    (void)state;
    struct slot *a = add(&root, 1, obj(BST_OBJ_ENDPOINT, 0x1000));
    CHILDREN(&root, a);
    struct slot *b = add(&root, 2, obj(BST_OBJ_ENDPOINT, 0x2000));
    struct slot *c = add(&root, 3, obj(BST_OBJ_ENDPOINT, 0x3000));
    CHILDREN(&root, c, b, a);
    assert_null(a->first_child);
    assert_true(cdt_has_children(&root));
    assert_false(cdt_has_children(a));
}

static void test_insert_clears_stale_links(void **state)
{
    (void)state;
    struct slot *a = add(&root, 1, obj(BST_OBJ_ENDPOINT, 0x1000));
    /* A slot with garbage in its links (as after a memset-less reuse) is taken in cleanly. */
    s[2].first_child = &s[40];
    s[2].prev_sibling = &s[41];
    struct slot *b = add(a, 2, obj(BST_OBJ_ENDPOINT, 0x1000));
    CHILDREN(a, b);
    assert_null(b->first_child);
    assert_null(b->prev_sibling);
}

/* ---- remove */

static void test_remove_leaf_each_position(void **state)
{
    (void)state;
    struct slot *a = add(&root, 1, obj(BST_OBJ_ENDPOINT, 0x1000));
    struct slot *b = add(&root, 2, obj(BST_OBJ_ENDPOINT, 0x2000));
    struct slot *c = add(&root, 3, obj(BST_OBJ_ENDPOINT, 0x3000));
    struct slot *d = add(&root, 4, obj(BST_OBJ_ENDPOINT, 0x4000));
    CHILDREN(&root, d, c, b, a);
    cdt_remove(c); /* middle */
    CHILDREN(&root, d, b, a);
    assert_unlinked(c);
    cdt_remove(d); /* first */
    CHILDREN(&root, b, a);
    assert_unlinked(d);
    cdt_remove(a); /* last */
    CHILDREN(&root, b);
    cdt_remove(b); /* only */
    assert_null(root.first_child);
    assert_unlinked(b);
}

static void test_removed_children_take_its_place_in_order(void **state)
{
    (void)state;
    /* root: [a, x, b]; x: [x1, x2, x3] -> root: [a, x1, x2, x3, b] */
    struct slot *b = add(&root, 1, obj(BST_OBJ_ENDPOINT, 0x2000));
    struct slot *x = add(&root, 2, obj(BST_OBJ_ENDPOINT, 0x1000));
    struct slot *a = add(&root, 3, obj(BST_OBJ_ENDPOINT, 0x3000));
    struct slot *x3 = add(x, 4, obj(BST_OBJ_ENDPOINT, 0x1000));
    struct slot *x2 = add(x, 5, obj(BST_OBJ_ENDPOINT, 0x1000));
    struct slot *x1 = add(x, 6, obj(BST_OBJ_ENDPOINT, 0x1000));
    struct slot *g = add(x2, 7, obj(BST_OBJ_ENDPOINT, 0x1000)); /* a grandchild stays below x2 */
    CHILDREN(&root, a, x, b);
    CHILDREN(x, x1, x2, x3);
    cdt_remove(x);
    assert_unlinked(x);
    CHILDREN(&root, a, x1, x2, x3, b);
    CHILDREN(x2, g);
}

static void test_removed_first_child_with_children(void **state)
{
    (void)state;
    struct slot *b = add(&root, 1, obj(BST_OBJ_ENDPOINT, 0x2000));
    struct slot *x = add(&root, 2, obj(BST_OBJ_ENDPOINT, 0x1000));
    struct slot *x2 = add(x, 3, obj(BST_OBJ_ENDPOINT, 0x1000));
    struct slot *x1 = add(x, 4, obj(BST_OBJ_ENDPOINT, 0x1000));
    cdt_remove(x);
    CHILDREN(&root, x1, x2, b);
}

static void test_removed_last_child_with_children(void **state)
{
    (void)state;
    struct slot *x = add(&root, 1, obj(BST_OBJ_ENDPOINT, 0x1000));
    struct slot *a = add(&root, 2, obj(BST_OBJ_ENDPOINT, 0x2000));
    struct slot *x2 = add(x, 3, obj(BST_OBJ_ENDPOINT, 0x1000));
    struct slot *x1 = add(x, 4, obj(BST_OBJ_ENDPOINT, 0x1000));
    cdt_remove(x);
    CHILDREN(&root, a, x1, x2);
}

static void test_removed_only_child_with_children(void **state)
{
    (void)state;
    struct slot *p = add(&root, 1, obj(BST_OBJ_UNTYPED, 0x100000));
    struct slot *x = add(p, 2, obj(BST_OBJ_ENDPOINT, 0x100000));
    struct slot *x1 = add(x, 3, obj(BST_OBJ_ENDPOINT, 0x100000));
    cdt_remove(x);
    CHILDREN(p, x1);
    CHILDREN(&root, p);
}

static void test_remove_deep_chain_middle(void **state)
{
    (void)state;
    /* A chain of copies 1 -> 2 -> ... -> 40: removing 20 joins 19 and 21. */
    struct slot *prev = &root;
    for (unsigned i = 1; i <= 40; i++)
        prev = add(prev, i, obj(BST_OBJ_NOTIFICATION, 0x5000));
    cdt_remove(&s[20]);
    CHILDREN(&s[19], &s[21]);
    assert_ptr_equal(cdt_first_leaf(&root), &s[40]);
}

/* ---- move */

static void test_move_takes_the_place(void **state)
{
    (void)state;
    struct slot *b = add(&root, 1, obj(BST_OBJ_ENDPOINT, 0x2000));
    struct slot *x = add(&root, 2, obj(BST_OBJ_ENDPOINT, 0x1000));
    struct slot *a = add(&root, 3, obj(BST_OBJ_ENDPOINT, 0x3000));
    struct slot *x2 = add(x, 4, obj(BST_OBJ_ENDPOINT, 0x1000));
    struct slot *x1 = add(x, 5, obj(BST_OBJ_ENDPOINT, 0x1000));
    struct cap c = x->cap;
    cdt_move(&s[30], x);
    struct slot *y = &s[30];
    CHILDREN(&root, a, y, b);
    CHILDREN(y, x1, x2);
    assert_memory_equal(&y->cap, &c, sizeof(c));
    assert_true(cap_is_null(&x->cap));
    assert_unlinked(x);
}

static void test_move_first_and_last(void **state)
{
    (void)state;
    struct slot *b = add(&root, 1, obj(BST_OBJ_ENDPOINT, 0x2000));
    struct slot *a = add(&root, 2, obj(BST_OBJ_ENDPOINT, 0x3000));
    cdt_move(&s[10], a); /* first child */
    CHILDREN(&root, &s[10], b);
    cdt_move(&s[11], b); /* last child */
    CHILDREN(&root, &s[10], &s[11]);
    cdt_move(&s[12], &s[10]);
    cdt_move(&s[13], &s[11]);
    CHILDREN(&root, &s[12], &s[13]);
}

static void test_move_leaf_under_parent(void **state)
{
    (void)state;
    struct slot *p = add(&root, 1, obj(BST_OBJ_CNODE, 0x8000));
    struct slot *c = add(p, 2, obj(BST_OBJ_CNODE, 0x8000));
    cdt_move(&s[3], c);
    CHILDREN(p, &s[3]);
    assert_null(s[3].first_child);
}

/* ---- final */

static void test_final_alone(void **state)
{
    (void)state;
    struct slot *a = add(&root, 1, obj(BST_OBJ_ENDPOINT, 0x1000));
    assert_true(cdt_is_final(a));
}

static void test_final_parent_same_object(void **state)
{
    (void)state;
    struct slot *p = add(&root, 1, obj(BST_OBJ_ENDPOINT, 0x1000));
    struct slot *c = add(p, 2, obj(BST_OBJ_ENDPOINT, 0x1000));
    c->cap.w2 = 42; /* a minted badge is still the same object */
    cap_set_rights(&c->cap, BST_RIGHT_READ);
    assert_false(cdt_is_final(c));
    assert_false(cdt_is_final(p)); /* first child */
}

static void test_final_parent_other_object(void **state)
{
    (void)state;
    /* An untyped and the first object carved from it share an address, not an object. */
    struct slot *ut = add(&root, 1, cap_make(BST_OBJ_UNTYPED, BST_RIGHTS_ALL, 16, 0x10000));
    struct slot *cn = add(ut, 2, cap_make(BST_OBJ_CNODE, BST_RIGHTS_ALL, 4, 0x10000));
    assert_true(cdt_is_final(cn));
    assert_true(cdt_is_final(ut));
}

static void test_final_siblings(void **state)
{
    (void)state;
    /* Under an untyped: [e1', e1, n2]: e1' and e1 are copies side by side. */
    struct slot *ut = add(&root, 1, cap_make(BST_OBJ_UNTYPED, BST_RIGHTS_ALL, 16, 0x10000));
    struct slot *n2 = add(ut, 2, obj(BST_OBJ_NOTIFICATION, 0x10020));
    struct slot *e1 = add(ut, 3, obj(BST_OBJ_ENDPOINT, 0x10000));
    struct slot *e1b = add(ut, 4, obj(BST_OBJ_ENDPOINT, 0x10000));
    assert_false(cdt_is_final(e1));  /* previous sibling */
    assert_false(cdt_is_final(e1b)); /* next sibling */
    assert_true(cdt_is_final(n2));
    cdt_remove(e1b);
    assert_true(cdt_is_final(e1));
    /* Same address, different type: not the same object. */
    struct slot *f = add(ut, 5, obj(BST_OBJ_NOTIFICATION, 0x10000));
    assert_true(cdt_is_final(f));
    assert_true(cdt_is_final(e1));
}

static void test_final_first_child_only(void **state)
{
    (void)state;
    struct slot *x = add(&root, 1, obj(BST_OBJ_TCB, 0x4000));
    struct slot *x1 = add(x, 2, obj(BST_OBJ_TCB, 0x4000));
    assert_false(cdt_is_final(x));
    cdt_remove(x);
    assert_true(cdt_is_final(x1));
}

static void test_final_control_caps(void **state)
{
    (void)state;
    /* Objects at paddr 0 (control and irq caps) are told apart by word 2. */
    struct cap irq5 = obj(BST_OBJ_IRQ_HANDLER, 0), irq6 = obj(BST_OBJ_IRQ_HANDLER, 0);
    irq5.w2 = 5;
    irq6.w2 = 6;
    struct slot *a = add(&root, 1, irq5);
    struct slot *b = add(&root, 2, irq6);
    assert_true(cdt_is_final(a));
    assert_true(cdt_is_final(b));
    struct slot *a2 = add(a, 3, irq5);
    assert_false(cdt_is_final(a));
    assert_false(cdt_is_final(a2));
    assert_true(cdt_is_final(b));
}

static void test_final_after_removal_joins_copies(void **state)
{
    (void)state;
    /* Copies stay contiguous: removing the original leaves its copies as neighbours. */
    struct slot *ut = add(&root, 1, cap_make(BST_OBJ_UNTYPED, BST_RIGHTS_ALL, 16, 0x10000));
    add(ut, 2, obj(BST_OBJ_ENDPOINT, 0x10040));
    struct slot *x = add(ut, 3, obj(BST_OBJ_ENDPOINT, 0x10000));
    add(ut, 4, obj(BST_OBJ_ENDPOINT, 0x10080));
    struct slot *x2 = add(x, 5, obj(BST_OBJ_ENDPOINT, 0x10000));
    struct slot *x1 = add(x, 6, obj(BST_OBJ_ENDPOINT, 0x10000));
    cdt_remove(x);
    assert_false(cdt_is_final(x1));
    assert_false(cdt_is_final(x2));
    cdt_remove(x1);
    assert_true(cdt_is_final(x2));
}

/* ---- first leaf */

static void test_first_leaf(void **state)
{
    (void)state;
    assert_null(cdt_first_leaf(&root));
    struct slot *a = add(&root, 1, obj(BST_OBJ_ENDPOINT, 0x1000));
    assert_ptr_equal(cdt_first_leaf(&root), a);
    assert_null(cdt_first_leaf(a));
    struct slot *b = add(&root, 2, obj(BST_OBJ_ENDPOINT, 0x2000));
    struct slot *b1 = add(b, 3, obj(BST_OBJ_ENDPOINT, 0x2000));
    struct slot *b11 = add(b1, 4, obj(BST_OBJ_ENDPOINT, 0x2000));
    add(b, 5, obj(BST_OBJ_ENDPOINT, 0x2000)); /* now b's first child, a leaf */
    assert_ptr_equal(cdt_first_leaf(&root), &s[5]);
    cdt_remove(&s[5]);
    assert_ptr_equal(cdt_first_leaf(&root), b11);
    assert_ptr_equal(cdt_first_leaf(b1), b11);
    /* Removing leaves one by one empties the tree bottom-up. */
    unsigned removed = 0;
    struct slot *leaf;
    while ((leaf = cdt_first_leaf(&root))) {
        cdt_remove(leaf);
        memset(&leaf->cap, 0, sizeof(leaf->cap));
        removed++;
    }
    assert_int_equal(removed, 4);
    assert_null(root.first_child);
}

/* ---- find_same_object */

struct visits {
    unsigned count;
    struct slot *seen[NSLOTS];
    struct slot *stop_at; /* returns true here */
};

static bool record(struct slot *x, void *ctx)
{
    struct visits *v = ctx;
    assert_true(v->count < NSLOTS);
    v->seen[v->count++] = x;
    return x == v->stop_at;
}

/* From every slot in `all`, the walk sees exactly the slots of `all`, each once. */
static void assert_finds_exactly(unsigned n, struct slot *const *all)
{
    for (unsigned from = 0; from < n; from++) {
        struct visits v = {0};
        assert_null(cdt_find_same_object(all[from], record, &v));
        assert_int_equal(v.count, n);
        for (unsigned i = 0; i < n; i++) {
            unsigned hits = 0;
            for (unsigned j = 0; j < v.count; j++)
                hits += v.seen[j] == all[i];
            assert_int_equal(hits, 1);
        }
    }
}

#define FINDS(...)                                                                   \
    do {                                                                             \
        struct slot *const e_[] = {__VA_ARGS__};                                     \
        assert_finds_exactly(sizeof(e_) / sizeof(e_[0]), e_);                       \
    } while (0)

static void test_find_alone(void **state)
{
    (void)state;
    struct slot *ut = add(&root, 1, obj(BST_OBJ_UNTYPED, 0x100000));
    struct slot *f = add(ut, 2, obj(BST_OBJ_FRAME_4K, 0x100000));
    add(ut, 3, obj(BST_OBJ_FRAME_4K, 0x101000));
    FINDS(f);
}

/* Copies of copies, next to caps of other objects at every level. */
static void test_find_copies_in_a_subtree(void **state)
{
    (void)state;
    struct slot *ut = add(&root, 1, obj(BST_OBJ_UNTYPED, 0x100000));
    add(ut, 2, obj(BST_OBJ_FRAME_4K, 0x101000));
    struct slot *f = add(ut, 3, obj(BST_OBJ_FRAME_4K, 0x100000));
    add(ut, 4, obj(BST_OBJ_FRAME_4K, 0x102000));
    struct slot *c1 = add(f, 5, obj(BST_OBJ_FRAME_4K, 0x100000));
    struct slot *c2 = add(f, 6, obj(BST_OBJ_FRAME_4K, 0x100000));
    struct slot *c11 = add(c1, 7, obj(BST_OBJ_FRAME_4K, 0x100000));
    struct slot *c12 = add(c1, 8, obj(BST_OBJ_FRAME_4K, 0x100000));
    struct slot *c111 = add(c11, 9, obj(BST_OBJ_FRAME_4K, 0x100000));
    FINDS(f, c1, c2, c11, c12, c111);
}

/* Deleting the original splices its copies among the Untyped's children: still found from each. */
static void test_find_after_the_original_is_removed(void **state)
{
    (void)state;
    struct slot *ut = add(&root, 1, obj(BST_OBJ_UNTYPED, 0x100000));
    add(ut, 2, obj(BST_OBJ_FRAME_4K, 0x101000));
    struct slot *f = add(ut, 3, obj(BST_OBJ_FRAME_4K, 0x100000));
    add(ut, 4, obj(BST_OBJ_FRAME_4K, 0x102000));
    struct slot *c1 = add(f, 5, obj(BST_OBJ_FRAME_4K, 0x100000));
    struct slot *c2 = add(f, 6, obj(BST_OBJ_FRAME_4K, 0x100000));
    struct slot *c3 = add(f, 7, obj(BST_OBJ_FRAME_4K, 0x100000));
    struct slot *c21 = add(c2, 8, obj(BST_OBJ_FRAME_4K, 0x100000));
    cdt_remove(f);
    memset(&f->cap, 0, sizeof(f->cap));
    FINDS(c1, c2, c3, c21);
    cdt_remove(c2);
    memset(&c2->cap, 0, sizeof(c2->cap));
    FINDS(c1, c3, c21);
}

/* An Untyped's children are other objects: skipped whole, with what was derived from them. */
static void test_find_skips_other_objects_below(void **state)
{
    (void)state;
    struct slot *ut = add(&root, 1, obj(BST_OBJ_UNTYPED, 0x100000));
    struct slot *frame = add(ut, 2, obj(BST_OBJ_FRAME_4K, 0x100000));
    add(frame, 3, obj(BST_OBJ_FRAME_4K, 0x100000));
    struct slot *ep = add(ut, 4, obj(BST_OBJ_ENDPOINT, 0x101000));
    struct slot *ep1 = add(ep, 5, obj(BST_OBJ_ENDPOINT, 0x101000));
    FINDS(ut);
    FINDS(ep, ep1);
}

static void test_find_stops_where_visit_says(void **state)
{
    (void)state;
    struct slot *ut = add(&root, 1, obj(BST_OBJ_UNTYPED, 0x100000));
    struct slot *f = add(ut, 2, obj(BST_OBJ_FRAME_4K, 0x100000));
    struct slot *c1 = add(f, 3, obj(BST_OBJ_FRAME_4K, 0x100000));
    add(f, 4, obj(BST_OBJ_FRAME_4K, 0x100000));
    struct visits v = {.stop_at = c1};
    assert_ptr_equal(cdt_find_same_object(f, record, &v), c1);
    assert_true(v.count >= 1 && v.count <= 3);
    assert_ptr_equal(v.seen[v.count - 1], c1);
}

#define T(f) cmocka_unit_test_setup(f, reset)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_insert_at_head),
        T(test_insert_clears_stale_links),
        T(test_remove_leaf_each_position),
        T(test_removed_children_take_its_place_in_order),
        T(test_removed_first_child_with_children),
        T(test_removed_last_child_with_children),
        T(test_removed_only_child_with_children),
        T(test_remove_deep_chain_middle),
        T(test_move_takes_the_place),
        T(test_move_first_and_last),
        T(test_move_leaf_under_parent),
        T(test_final_alone),
        T(test_final_parent_same_object),
        T(test_final_parent_other_object),
        T(test_final_siblings),
        T(test_final_first_child_only),
        T(test_final_control_caps),
        T(test_final_after_removal_joins_copies),
        T(test_first_leaf),
        T(test_find_alone),
        T(test_find_copies_in_a_subtree),
        T(test_find_after_the_original_is_removed),
        T(test_find_skips_other_objects_below),
        T(test_find_stops_where_visit_says),
    };
    return cmocka_run_group_tests_name("cdt", tests, NULL, NULL);
}
