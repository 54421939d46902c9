/*
 * Capabilities and CNode slots. A capability is four words; a slot adds the
 * capability derivation tree links (parent, first child, siblings). Fields are
 * packed with explicit shifts and masks behind accessors, never bitfields.
 *
 *   word 0: type (bits 0-7) | rights (8-15) | size bits (16-23) |
 *           guard bits (24-31) | flags (32-39)
 *   word 1: physical address of the object (0 for control caps)
 *   word 2: badge (endpoint, notification), guard value (CNode), free offset
 *           (Untyped), mapped address (frame, paging structure), IRQ number,
 *           first port | last port << 16 (I/O port). A mapped frame keeps
 *           the rights of its mapping in the low bits of its page-aligned
 *           address (CAP_MAPPED_*), so every copy, which starts with word 2
 *           cleared, starts with none.
 *   word 3: address space root a frame or paging structure is mapped in
 */
#ifndef BASTION_OBJECT_CAP_H
#define BASTION_OBJECT_CAP_H

#include <bastion/object.h>
#include <bastion/types.h>

struct cap {
    uint64_t w0, paddr, w2, w3;
};

struct slot {
    struct cap cap;
    struct slot *parent, *first_child, *next_sibling, *prev_sibling;
};
_Static_assert(sizeof(struct slot) == (1u << BST_SLOT_SIZE_BITS), "slot size is part of the ABI");

#define CAP_TYPE_SHIFT 0
#define CAP_RIGHTS_SHIFT 8
#define CAP_SIZE_SHIFT 16
#define CAP_GUARD_BITS_SHIFT 24
#define CAP_FLAGS_SHIFT 32
#define CAP_FIELD_MASK 0xffull

#define CAP_FLAG_DEVICE (1u << 0)   /* untyped or frame of device memory */
#define CAP_FLAG_ORIGINAL (1u << 1) /* made by retype or at boot, not copied */
#define CAP_FLAG_KERNEL_WRITES (1u << 2) /* a TCB's exchange frame: the kernel writes it (W^X per frame) */
#define CAP_FLAG_BOUND (1u << 3)         /* a TCB's relay binding (xentry table, segment, link stack) */

/* Word 2 of a mapped frame cap: what its mapping allows (per-frame W^X, object/frame.c). */
#define CAP_MAPPED_WRITE 0x1ull
#define CAP_MAPPED_EXEC 0x2ull
#define CAP_MAPPED_MASK 0xfffull /* below the page: never part of the address */

static inline uint64_t cap_field(const struct cap *c, unsigned shift)
{
    return (c->w0 >> shift) & CAP_FIELD_MASK;
}

static inline void cap_set_field(struct cap *c, unsigned shift, uint64_t v)
{
    c->w0 = (c->w0 & ~(CAP_FIELD_MASK << shift)) | ((v & CAP_FIELD_MASK) << shift);
}

static inline enum bst_object_type cap_type(const struct cap *c) { return (enum bst_object_type)cap_field(c, CAP_TYPE_SHIFT); }
static inline unsigned cap_rights(const struct cap *c) { return (unsigned)cap_field(c, CAP_RIGHTS_SHIFT); }
static inline unsigned cap_size_bits(const struct cap *c) { return (unsigned)cap_field(c, CAP_SIZE_SHIFT); }
static inline unsigned cap_guard_bits(const struct cap *c) { return (unsigned)cap_field(c, CAP_GUARD_BITS_SHIFT); }
static inline unsigned cap_flags(const struct cap *c) { return (unsigned)cap_field(c, CAP_FLAGS_SHIFT); }
static inline bool cap_is_null(const struct cap *c) { return cap_type(c) == BST_OBJ_NULL; }
static inline void cap_set_rights(struct cap *c, unsigned r) { cap_set_field(c, CAP_RIGHTS_SHIFT, r); }
static inline void cap_set_guard_bits(struct cap *c, unsigned g) { cap_set_field(c, CAP_GUARD_BITS_SHIFT, g); }
static inline void cap_set_flags(struct cap *c, unsigned f) { cap_set_field(c, CAP_FLAGS_SHIFT, f); }

static inline struct cap cap_make(enum bst_object_type type, unsigned rights, unsigned size_bits,
                                  uint64_t paddr)
{
    struct cap c = {0, paddr, 0, 0};
    cap_set_field(&c, CAP_TYPE_SHIFT, type);
    cap_set_field(&c, CAP_RIGHTS_SHIFT, rights);
    cap_set_field(&c, CAP_SIZE_SHIFT, size_bits);
    return c;
}

/* Two caps name the same object (badges and rights may differ). */
static inline bool cap_same_object(const struct cap *a, const struct cap *b)
{
    /* Sizes matter for Untyped: a child Untyped may start where its parent does. */
    return cap_type(a) == cap_type(b) && a->paddr == b->paddr && !cap_is_null(a) &&
           cap_size_bits(a) == cap_size_bits(b) && (a->paddr != 0 || a->w2 == b->w2) &&
           (cap_type(a) != BST_OBJ_XENTRY || (a->w2 == b->w2 && a->w3 == b->w3)); /* entry and registration */
}

const char *cap_type_name(enum bst_object_type type);

#endif
