#include "kernel/object/tcb.h"
#include "lib/string.h"

#define TCB_DEFAULT_TIMESLICE 5 /* timer ticks */

void tcb_init(struct tcb *tcb, const char *name, uint8_t priority)
{
    memset(tcb, 0, sizeof(*tcb));
    tcb->priority = priority;
    tcb->timeslice_left = TCB_DEFAULT_TIMESLICE;
    tcb_set_name(tcb, name);
}

void tcb_set_name(struct tcb *tcb, const char *name) { strlcpy(tcb->name, name, sizeof(tcb->name)); }

struct slot *tcb_cap_slots(struct tcb *tcb) { return &tcb->cspace_root; }

void tcb_object_init(struct tcb *tcb) { tcb_init(tcb, "thread", 0); }
