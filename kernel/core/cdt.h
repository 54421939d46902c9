/*
 * The capability derivation tree. Every capability in a slot has a parent:
 * a retyped object's capability is a child of its Untyped, a copy or mint is a
 * child of its source, and boot capabilities are children of one static root.
 *
 * Caps to the same object stay contiguous: children are inserted at the head
 * of their parent's list, and a removed cap's children take its place among
 * its siblings. So whether a cap is the last one to its object (its "final"
 * cap) is decided by looking at its parent, its two siblings and its first
 * child: O(1), no search.
 */
#ifndef BASTION_CORE_CDT_H
#define BASTION_CORE_CDT_H

#include "kernel/object/cap.h"

/* Puts child (holding a cap already) into the tree under parent, at the head. */
void cdt_insert_child(struct slot *parent, struct slot *child);

/* Takes slot out of the tree; its children move up into its place. */
void cdt_remove(struct slot *slot);

/* Moves slot's first child (and its subtree) up to be slot's sibling, just before slot:
 * one step of cdt_remove that keeps caps to one object together. */
void cdt_lift_first_child(struct slot *slot);

/* Moves a cap and its tree position from src to the empty dst. */
void cdt_move(struct slot *dst, struct slot *src);

/* True when no other cap in the tree names slot's object. */
bool cdt_is_final(const struct slot *slot);

/* True when slot has derived caps below it. */
static inline bool cdt_has_children(const struct slot *slot) { return slot->first_child != 0; }

/*
 * Every slot holding a cap to slot's object (slot itself included), in tree
 * order, until visit returns true: that slot is returned, else NULL. The
 * caps form one run of siblings with their subtrees, so the cost is the
 * number of caps to the object (plus the caps of other objects derived
 * from them, such as an Untyped's children, which are skipped whole).
 */
typedef bool (*cdt_visit_fn)(struct slot *slot, void *ctx);
struct slot *cdt_find_same_object(struct slot *slot, cdt_visit_fn visit, void *ctx);

/* Deepest first descendant of slot (a leaf), or NULL if it has no children. */
struct slot *cdt_first_leaf(struct slot *slot);

#endif
