/* Placeholders replaced as each object file lands (issue 3 work in progress). */
#include "kernel/core/invoke.h"
#include "kernel/object/objects.h"

static enum bst_error pending(struct invocation *inv)
{
    return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, 0, 0, "not implemented yet");
}

enum bst_error frame_invoke(struct invocation *inv) { return pending(inv); }
enum bst_error page_table_invoke(struct invocation *inv) { return pending(inv); }
enum bst_error irq_control_invoke(struct invocation *inv) { return pending(inv); }
enum bst_error irq_handler_invoke(struct invocation *inv) { return pending(inv); }
enum bst_error ioport_control_invoke(struct invocation *inv) { return pending(inv); }
enum bst_error ioport_invoke(struct invocation *inv) { return pending(inv); }
enum bst_error tcb_invoke(struct invocation *inv) { return pending(inv); }
void frame_cap_deleted(const struct cap *cap) { (void)cap; }
void page_table_cap_deleted(const struct cap *cap, bool final) { (void)cap; (void)final; }
void tcb_finalise(struct tcb *tcb) { (void)tcb; }
void endpoint_finalise(const struct cap *cap) { (void)cap; }
void notification_finalise(const struct cap *cap) { (void)cap; }
void irq_handler_finalise(const struct cap *cap) { (void)cap; }
void ioport_finalise(const struct cap *cap) { (void)cap; }
