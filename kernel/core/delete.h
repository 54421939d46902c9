/*
 * Deleting and revoking capabilities. Deleting the last capability to an
 * object destroys it. Objects that hold capabilities (CNodes, TCBs) are
 * emptied through an explicit stack threaded through the dying objects
 * themselves, never by recursion on the kernel stack, so any nesting depth
 * (and CNodes that contain capabilities to themselves) is safe.
 */
#ifndef BASTION_CORE_DELETE_H
#define BASTION_CORE_DELETE_H

#include <bastion/error.h>
#include "kernel/object/cap.h"

/* Deletes the cap in slot. Untyped caps with children must be revoked first. */
enum bst_error slot_delete(struct slot *slot);

/* Deletes every capability derived from the one in slot; slot keeps its cap. */
void slot_revoke(struct slot *slot);

/* The static root of the derivation tree: the parent of every boot capability. */
extern struct slot cdt_boot_root;

#endif
