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
#include "kernel/core/preempt.h"

/*
 * Preemption (core/preempt.h): the destruction of containers whose last cap
 * is gone may be left unfinished when an interrupt is waiting. Those
 * containers are unreachable, and every Delete, Revoke and Retype finishes
 * that leftover first, so no memory is reused before it is done.
 */

/* Deletes the cap in slot. Untyped caps with children must be revoked first.
 * Not preemptible itself, for callers that cannot restart; meant for caps
 * without copies (with copies it is linear in their number). */
enum bst_error slot_delete(struct slot *slot);

/* The same for CNode_Delete: E_PREEMPTED (before the cap is gone) means "restart the call". */
enum bst_error slot_delete_preemptible(struct slot *slot);

/* Deletes every capability derived from the one in slot; slot keeps its cap.
 * False when preempted: the call restarts and carries on. */
bool slot_revoke(struct slot *slot);

/* Finishes destruction left over from a preempted call; false when preempted again. */
bool delete_finish_pending(void);

/* The static root of the derivation tree: the parent of every boot capability. */
extern struct slot cdt_boot_root;

#endif
