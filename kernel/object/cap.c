#include "kernel/object/cap.h"

const char *cap_type_name(enum bst_object_type type)
{
    static const char *const names[BST_OBJ_TYPE_COUNT] = {
        "null", "untyped", "cnode", "tcb", "endpoint", "notification", "frame-4k",
        "frame-2m", "page-table", "page-directory", "pdpt", "pml4", "irq-control",
        "irq-handler", "ioport-control", "ioport", "machine-control", "asid-control", "asid-pool",
        "relay-segment", "xentry-table", "xentry", "link-stack",
    };
    return type < BST_OBJ_TYPE_COUNT ? names[type] : "unknown";
}
