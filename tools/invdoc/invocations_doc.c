#include "tools/invdoc/invocations_doc.h"
#include <bastion/rights.h>
#include <string.h>

static const char *const type_names[BST_OBJ_TYPE_COUNT] = {
    [BST_OBJ_UNTYPED] = "Untyped",          [BST_OBJ_CNODE] = "CNode",
    [BST_OBJ_TCB] = "TCB",                  [BST_OBJ_ENDPOINT] = "Endpoint",
    [BST_OBJ_NOTIFICATION] = "Notification", [BST_OBJ_FRAME_4K] = "Frame4K",
    [BST_OBJ_FRAME_2M] = "Frame2M",         [BST_OBJ_PAGE_TABLE] = "PageTable",
    [BST_OBJ_PAGE_DIRECTORY] = "PageDirectory", [BST_OBJ_PDPT] = "PDPT",
    [BST_OBJ_PML4] = "PML4",                [BST_OBJ_IRQ_CONTROL] = "IRQControl",
    [BST_OBJ_IRQ_HANDLER] = "IRQHandler",   [BST_OBJ_IOPORT_CONTROL] = "IOPortControl",
    [BST_OBJ_IOPORT] = "IOPort",            [BST_OBJ_MACHINE_CONTROL] = "MachineControl",
    [BST_OBJ_ASID_CONTROL] = "ASIDControl", [BST_OBJ_ASID_POOL] = "ASIDPool",
    [BST_OBJ_RELAY_SEGMENT] = "RelaySegment", [BST_OBJ_XENTRY_TABLE] = "XEntryTable",
    [BST_OBJ_XENTRY] = "XEntry",            [BST_OBJ_LINK_STACK] = "LinkStack",
};

const char *invocations_doc_rights(unsigned rights, char *buf, size_t size)
{
    static const char *const names[] = {"READ", "WRITE", "GRANT", "GRANT_REPLY", "EXECUTE"};
    buf[0] = 0;
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (rights & (1u << i)) {
            if (buf[0])
                strncat(buf, "+", size - strlen(buf) - 1);
            strncat(buf, names[i], size - strlen(buf) - 1);
        }
    }
    return buf[0] ? buf : "none";
}

static void write_objects(FILE *out, uint32_t objects)
{
    const char *sep = "";
    for (unsigned t = 0; t < BST_OBJ_TYPE_COUNT; t++) {
        if (objects & BST_OBJ_BIT(t)) {
            fprintf(out, "%s%s", sep, type_names[t] ? type_names[t] : "?");
            sep = ", ";
        }
    }
}

static void write_row(FILE *out, uint64_t label, const struct bst_invocation_rights *r)
{
    char buf[64];
    fprintf(out, "| ");
    write_objects(out, r->objects);
    fprintf(out, " | %s (%llu) | %s | %s | ", r->name, (unsigned long long)label,
            r->arguments[0] ? r->arguments : "-", invocations_doc_rights(r->invoked, buf, sizeof(buf)));
    if (!r->caps[0].rights)
        fprintf(out, "-");
    for (unsigned i = 0; i < BST_RIGHTS_MAX_CAP_ARGS && r->caps[i].rights; i++)
        fprintf(out, "%sword %u (%s): %s", i ? "; " : "", r->caps[i].word, r->caps[i].what,
                invocations_doc_rights(r->caps[i].rights, buf, sizeof(buf)));
    fprintf(out, " |\n");
}

void invocations_doc_write(FILE *out)
{
    fprintf(out,
            "# Invocations and the rights they need\n"
            "\n"
            "<!-- Generated from abi/bastion/rights.h by `make invocations-doc`; do not edit.\n"
            "     tests/host/test_rights.c fails when this file and the table differ. -->\n"
            "\n"
            "One row per invocation label (`abi/bastion/invocation.h`): the object types\n"
            "it applies to, its message words, the rights the invoked cap needs, and the\n"
            "rights each capability argument needs (by message word). The rule behind the\n"
            "table, the order of the checks and the error detail are in\n"
            "[capabilities.md](capabilities.md#rights). A cap lacking a right is refused with\n"
            "`BST_E_RIGHTS`, `detail.argument` = `BST_ARG_NONE` for the invoked cap or the\n"
            "word index of the argument, `detail.min` = `detail.max` = the rights needed,\n"
            "and nothing changes.\n"
            "\n"
            "A slot address `(root, index, depth)` starting at word k: the root cap needs\n"
            "what word k lists, and so does the CNode cap through which the slot is reached\n"
            "if that is not the root (refused with `detail.argument` = k + 1, the index).\n"
            "The CNode invocations address their destination or target from the invoked\n"
            "CNode, so there the invoked cap's right applies the same way.\n"
            "\n"
            "| Object | Invocation (label) | Message words | Invoked cap needs | Capability arguments need |\n"
            "|---|---|---|---|---|\n");
    for (uint64_t label = 0; label < BST_INV_LABEL_COUNT; label++) {
        const struct bst_invocation_rights *r = bst_invocation_rights(label);
        if (r)
            write_row(out, label, r);
    }
    fprintf(out,
            "\n"
            "PML4, Endpoint and Notification caps have no invocations (endpoints and\n"
            "notifications are used through their own system calls, which check READ and\n"
            "WRITE themselves: docs/ipc.md, docs/notifications.md).\n");
}
