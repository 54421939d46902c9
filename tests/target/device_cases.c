/*
 * Device capabilities: IRQControl_Get and the IRQHandler invocations, and
 * IOPortControl_Issue with its one-owner-per-port rule. Every case ends with
 * scratch_reset(), which deletes the handler and port caps it made (so the
 * lines and ports are free for the next case); the harness then runs the
 * kernel's invariant checker.
 */
#include "tests/target/cases.h"
#include "tests/target/captest.h"
#include "user/lib/device.h"

#define S(n) scratch_slot(n)
#define UT_BITS 16
#define COM1_IRQ 4
#define COM1_FIRST 0x3f8
#define COM1_LAST 0x3ff
#define COM2_IRQ 3

#define HANDLER S(1)
#define OTHER S(2)
#define NOTIFICATION S(3)
#define SPARE S(4)
#define CASE(name) CASE_WITH_SCRATCH(name)


static uint64_t get_irq(uint64_t irq, bst_cptr_t slot)
{
    return bst_irq_control_get(BST_CAP_IRQ_CONTROL, irq, ROOT, slot, ROOT_DEPTH);
}

static uint64_t issue(uint64_t first, uint64_t last, bst_cptr_t slot)
{
    return bst_ioport_control_issue(BST_CAP_IOPORT_CONTROL, first, last, ROOT, slot, ROOT_DEPTH);
}

static uint64_t delete(bst_cptr_t slot) { return bst_cnode_delete(ROOT, slot, ROOT_DEPTH); }

static uint64_t make_notification(bst_cptr_t slot)
{
    return bst_untyped_retype(S(0), BST_OBJ_NOTIFICATION, 0, ROOT, 0, 0, slot, 1);
}

/* ---- IRQs */

CASE(irq_one_handler_per_line)
{
    CHECK(get_irq(COM1_IRQ, HANDLER) == BST_OK);
    struct cap_info c = cap_info(HANDLER);
    CHECK(c.type == BST_OBJ_IRQ_HANDLER && c.badge == COM1_IRQ);
    CHECK_FAILS(get_irq(COM1_IRQ, OTHER), BST_E_REVOKE_FIRST, BST_IRQ_GET_IRQ);
    CHECK(cap_info(OTHER).type == BST_OBJ_NULL);
    CHECK(get_irq(COM2_IRQ, OTHER) == BST_OK); /* another line is independent */
    CHECK(delete(HANDLER) == BST_OK);
    CHECK(get_irq(COM1_IRQ, HANDLER) == BST_OK); /* the line is free again */
    return 0;
}

CASE(irq_bad_numbers)
{
    CHECK_FAILS(get_irq(BST_IRQ_LINES, HANDLER), BST_E_RANGE, BST_IRQ_GET_IRQ);
    CHECK(bst_exchange->error.min == 0 && bst_exchange->error.max == BST_IRQ_LINES - 1);
    CHECK_FAILS(get_irq(~0ull, HANDLER), BST_E_RANGE, BST_IRQ_GET_IRQ);
    /* The PIC cascade (ExtINT) and the PIT stay the kernel's. */
    CHECK_FAILS(get_irq(BST_IRQ_EXTINT, HANDLER), BST_E_INVALID_ARG, BST_IRQ_GET_IRQ);
    CHECK_FAILS(get_irq(BST_IRQ_PIT, HANDLER), BST_E_INVALID_ARG, BST_IRQ_GET_IRQ);
    CHECK(cap_info(HANDLER).type == BST_OBJ_NULL);
    CHECK(get_irq(BST_IRQ_LINES - 1, HANDLER) == BST_OK);
    return 0;
}

CASE(irq_bad_destination)
{
    CHECK(make_notification(SPARE) == BST_OK);
    CHECK_FAILS(get_irq(COM1_IRQ, SPARE), BST_E_DELETE_FIRST, BST_IRQ_GET_INDEX);
    CHECK_FAILS(bst_irq_control_get(BST_CAP_IRQ_CONTROL, COM1_IRQ, BST_CAP_ROOT_TCB, HANDLER, ROOT_DEPTH),
                BST_E_WRONG_TYPE, BST_IRQ_GET_ROOT);
    CHECK_FAILS(bst_irq_control_get(BST_CAP_IRQ_CONTROL, COM1_IRQ, ROOT, HANDLER, 0), BST_E_RANGE,
                BST_IRQ_GET_DEPTH);
    /* The failures took nothing: the line can still be had. */
    CHECK(get_irq(COM1_IRQ, HANDLER) == BST_OK);
    CHECK(bst_invoke(BST_CAP_IRQ_CONTROL, BST_IRQ_HANDLER_ACK, 0, 0, 0) == BST_E_NOT_SUPPORTED);
    return 0;
}

CASE(irq_set_notification_ack_clear)
{
    CHECK(get_irq(COM1_IRQ, HANDLER) == BST_OK);
    CHECK(make_notification(NOTIFICATION) == BST_OK);
    CHECK_FAILS(bst_irq_handler_set_notification(HANDLER, BST_CAP_ROOT_TCB), BST_E_WRONG_TYPE, 0);
    CHECK_FAILS(bst_irq_handler_set_notification(HANDLER, SPARE), BST_E_INVALID_CAP, 0);
    CHECK(bst_cnode_mint(ROOT, SPARE, ROOT_DEPTH, ROOT, NOTIFICATION, ROOT_DEPTH, BST_RIGHT_READ, 0, 0) == BST_OK);
    CHECK_FAILS(bst_irq_handler_set_notification(HANDLER, SPARE), BST_E_RIGHTS, 0);
    CHECK(bst_exchange->error.min == BST_RIGHT_WRITE);
    CHECK(bst_irq_handler_set_notification(HANDLER, NOTIFICATION) == BST_OK);
    CHECK(bst_irq_handler_ack(HANDLER) == BST_OK);
    CHECK(bst_irq_handler_clear(HANDLER) == BST_OK);
    CHECK(bst_irq_handler_clear(HANDLER) == BST_OK); /* clearing twice is harmless */
    CHECK(bst_invoke(HANDLER, BST_IRQ_CONTROL_GET, 0, 0, 0) == BST_E_NOT_SUPPORTED);
    return 0;
}

CASE(irq_notification_deleted_while_bound)
{
    CHECK(get_irq(COM1_IRQ, HANDLER) == BST_OK);
    CHECK(make_notification(NOTIFICATION) == BST_OK);
    CHECK(bst_cnode_mint(ROOT, SPARE, ROOT_DEPTH, ROOT, NOTIFICATION, ROOT_DEPTH, BST_RIGHTS_ALL, 0x80, 0) == BST_OK);
    CHECK(bst_irq_handler_set_notification(HANDLER, SPARE) == BST_OK); /* badged */
    CHECK(bst_irq_handler_ack(HANDLER) == BST_OK);
    /* The notification dies with its last cap; the binding goes with it. */
    CHECK(delete(SPARE) == BST_OK);
    CHECK(delete(NOTIFICATION) == BST_OK);
    CHECK(bst_irq_handler_ack(HANDLER) == BST_OK);
    CHECK(bst_irq_handler_clear(HANDLER) == BST_OK);
    return 0;
}

CASE(irq_handler_copies)
{
    CHECK(get_irq(COM1_IRQ, HANDLER) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, OTHER, ROOT_DEPTH, ROOT, HANDLER, ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(delete(HANDLER) == BST_OK);
    /* A copy still names the line: it is not free yet. */
    CHECK_FAILS(get_irq(COM1_IRQ, HANDLER), BST_E_REVOKE_FIRST, BST_IRQ_GET_IRQ);
    CHECK(bst_irq_handler_ack(OTHER) == BST_OK);
    CHECK(delete(OTHER) == BST_OK);
    CHECK(get_irq(COM1_IRQ, HANDLER) == BST_OK);
    /* Revoking IRQControl's children takes every handler. */
    CHECK(bst_cnode_copy(ROOT, SPARE, ROOT_DEPTH, ROOT, BST_CAP_IRQ_CONTROL, ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_irq_control_get(SPARE, COM2_IRQ, ROOT, OTHER, ROOT_DEPTH) == BST_OK);
    CHECK(bst_cnode_revoke(ROOT, SPARE, ROOT_DEPTH) == BST_OK);
    CHECK(cap_info(OTHER).type == BST_OBJ_NULL);
    CHECK(get_irq(COM2_IRQ, OTHER) == BST_OK);
    return 0;
}

/* ---- I/O ports */

CASE(ioport_issue_and_overlap)
{
    CHECK(issue(COM1_FIRST, COM1_LAST, S(1)) == BST_OK);
    struct cap_info c = cap_info(S(1));
    CHECK(c.type == BST_OBJ_IOPORT && c.badge == (COM1_FIRST | (uint64_t)COM1_LAST << BST_IOPORT_LAST_SHIFT));
    CHECK_FAILS(issue(0x3fc, 0x400, S(2)), BST_E_REVOKE_FIRST, BST_IOPORT_ISSUE_FIRST);
    CHECK(bst_exchange->error.min == COM1_FIRST && bst_exchange->error.max == COM1_LAST);
    CHECK(cap_info(S(2)).type == BST_OBJ_NULL);
    /* An adjacent range is no overlap, and the detail tells the two apart. */
    CHECK(issue(0x400, 0x40f, S(2)) == BST_OK);
    CHECK_FAILS(issue(0x405, 0x405, S(3)), BST_E_REVOKE_FIRST, BST_IOPORT_ISSUE_FIRST);
    CHECK(bst_exchange->error.min == 0x400 && bst_exchange->error.max == 0x40f);
    CHECK_FAILS(issue(0x3f0, 0x3f8, S(3)), BST_E_REVOKE_FIRST, BST_IOPORT_ISSUE_FIRST);
    CHECK(bst_exchange->error.min == COM1_FIRST && bst_exchange->error.max == COM1_LAST);
    CHECK(issue(0x3f0, 0x3f7, S(3)) == BST_OK);
    return 0;
}

CASE(ioport_delete_and_reissue)
{
    CHECK(issue(COM1_FIRST, COM1_LAST, S(1)) == BST_OK);
    CHECK(delete(S(1)) == BST_OK);
    CHECK(issue(COM1_FIRST, COM1_LAST, S(1)) == BST_OK);
    CHECK(delete(S(1)) == BST_OK);
    CHECK(issue(COM1_FIRST + 2, COM1_FIRST + 2, S(1)) == BST_OK); /* a sub-range of the freed one */
    return 0;
}

CASE(ioport_bad_ranges)
{
    CHECK_FAILS(issue(0x3ff, 0x3f8, S(1)), BST_E_RANGE, BST_IOPORT_ISSUE_LAST);
    CHECK(bst_exchange->error.min == 0x3ff && bst_exchange->error.max == BST_IOPORT_MAX);
    CHECK_FAILS(issue(0xfff0, BST_IOPORT_MAX + 1, S(1)), BST_E_RANGE, BST_IOPORT_ISSUE_LAST);
    CHECK_FAILS(issue(BST_IOPORT_MAX + 1, BST_IOPORT_MAX + 1, S(1)), BST_E_RANGE, BST_IOPORT_ISSUE_FIRST);
    CHECK(bst_exchange->error.max == BST_IOPORT_MAX);
    CHECK(cap_info(S(1)).type == BST_OBJ_NULL);
    /* A full destination slot refuses, and takes no ports. */
    CHECK(make_notification(S(2)) == BST_OK);
    CHECK_FAILS(issue(COM1_FIRST, COM1_LAST, S(2)), BST_E_DELETE_FIRST, BST_IOPORT_ISSUE_INDEX);
    CHECK(issue(COM1_FIRST, COM1_LAST, S(1)) == BST_OK);
    return 0;
}

CASE(ioport_copies_share_ownership)
{
    CHECK(issue(COM1_FIRST, COM1_LAST, S(1)) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, S(2), ROOT_DEPTH, ROOT, S(1), ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(cap_info(S(2)).type == BST_OBJ_IOPORT);
    CHECK(delete(S(1)) == BST_OK);
    /* The copy still owns the range. */
    CHECK_FAILS(issue(COM1_FIRST, COM1_FIRST, S(1)), BST_E_REVOKE_FIRST, BST_IOPORT_ISSUE_FIRST);
    CHECK(delete(S(2)) == BST_OK);
    CHECK(issue(COM1_FIRST, COM1_LAST, S(1)) == BST_OK);
    /* No invocations on an IOPort cap yet, and none but Issue on the control cap. */
    CHECK(bst_invoke(S(1), BST_IOPORT_CONTROL_ISSUE, 0, 0, 0) == BST_E_NOT_SUPPORTED);
    CHECK(bst_invoke(BST_CAP_IOPORT_CONTROL, BST_IRQ_CONTROL_GET, 0, 0, 0) == BST_E_NOT_SUPPORTED);
    return 0;
}

CASE(ioport_whole_space)
{
    /* The kernel's own ports (the lowest is the PIC's 0x20) are never issued: not the whole space. */
    CHECK_FAILS(issue(0, BST_IOPORT_MAX, S(1)), BST_E_ILLEGAL_OPERATION, BST_IOPORT_ISSUE_LAST);
    CHECK(bst_exchange->error.min == 0x20 && bst_exchange->error.max == 0x21);
    CHECK(issue(0x1000, BST_IOPORT_MAX, S(1)) == BST_OK);
    CHECK_FAILS(issue(BST_IOPORT_MAX, BST_IOPORT_MAX, S(2)), BST_E_REVOKE_FIRST, BST_IOPORT_ISSUE_FIRST);
    CHECK(bst_exchange->error.min == 0x1000 && bst_exchange->error.max == BST_IOPORT_MAX);
    CHECK(delete(S(1)) == BST_OK);
    CHECK(issue(BST_IOPORT_MAX, BST_IOPORT_MAX, S(1)) == BST_OK);
    CHECK(issue(0, 0, S(2)) == BST_OK);
    CHECK(issue(1, 0x1f, S(3)) == BST_OK); /* just below the PIC */
    CHECK(issue(0x1000, BST_IOPORT_MAX - 1, S(4)) == BST_OK);
    return 0;
}

CASE(ioport_revoke_control_copy)
{
    CHECK(bst_cnode_copy(ROOT, S(1), ROOT_DEPTH, ROOT, BST_CAP_IOPORT_CONTROL, ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_ioport_control_issue(S(1), COM1_FIRST, COM1_LAST, ROOT, S(2), ROOT_DEPTH) == BST_OK);
    CHECK(bst_ioport_control_issue(S(1), 0x70, 0x71, ROOT, S(3), ROOT_DEPTH) == BST_OK);
    CHECK(bst_cnode_revoke(ROOT, S(1), ROOT_DEPTH) == BST_OK);
    CHECK(cap_info(S(2)).type == BST_OBJ_NULL && cap_info(S(3)).type == BST_OBJ_NULL);
    CHECK(issue(COM1_FIRST, COM1_LAST, S(2)) == BST_OK);
    CHECK(issue(0x70, 0x71, S(3)) == BST_OK);
    return 0;
}

const struct test_case device_cases[] = {
    {"irq: one handler cap per line; delete frees it", irq_one_handler_per_line},
    {"irq: numbers out of range and kernel lines refused", irq_bad_numbers},
    {"irq: bad destination takes nothing", irq_bad_destination},
    {"irq: set notification (type, rights), ack, clear", irq_set_notification_ack_clear},
    {"irq: notification deleted while bound", irq_notification_deleted_while_bound},
    {"irq: handler copies keep the line; revoke frees it", irq_handler_copies},
    {"ioport: issue, overlap detail, adjacent ranges", ioport_issue_and_overlap},
    {"ioport: delete and reissue", ioport_delete_and_reissue},
    {"ioport: bad ranges and full destination refused", ioport_bad_ranges},
    {"ioport: copies share ownership; no invocations yet", ioport_copies_share_ownership},
    {"ioport: the whole port space, edges", ioport_whole_space},
    {"ioport: revoking a control cap frees its ranges", ioport_revoke_control_copy},
};
const unsigned device_case_count = sizeof(device_cases) / sizeof(device_cases[0]);
