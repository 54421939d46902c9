/*
 * Host tests of the rights table (abi/bastion/rights.h): every invocation
 * label has an entry, the entries say only what the rule allows, and the
 * committed reference docs/invocations.md is exactly what the table
 * generates (regenerate it with `make invocations-doc`).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bastion/exchange.h>
#include <bastion/rights.h>
#include "tools/invdoc/invocations_doc.h"

#ifndef BASTION_SOURCE_DIR
#define BASTION_SOURCE_DIR "."
#endif

#define RW (BST_RIGHT_READ | BST_RIGHT_WRITE)

static void every_label_has_an_entry(void **state)
{
    (void)state;
    assert_null(bst_invocation_rights(BST_INV_NONE));
    assert_null(bst_invocation_rights(BST_INV_LABEL_COUNT));
    assert_null(bst_invocation_rights(~0ull));
    for (uint64_t label = 1; label < BST_INV_LABEL_COUNT; label++) {
        const struct bst_invocation_rights *r = bst_invocation_rights(label);
        assert_non_null(r);
        assert_non_null(r->name);
        assert_non_null(r->arguments);
        assert_int_not_equal(r->objects, 0);
    }
}

/* Only READ and WRITE are needed by invocations, but for handing out a call right (GRANT, the
 * XEntry service labels); otherwise GRANT is IPC's, and EXECUTE only limits Frame_Map. */
static bool hands_out_a_right(uint64_t label)
{
    return label == BST_XENTRY_GRANT_SERVICE || label == BST_XENTRY_REVOKE_SERVICE;
}

static void entries_follow_the_rule(void **state)
{
    (void)state;
    const uint32_t no_invocations = BST_OBJ_BIT(BST_OBJ_NULL) | BST_OBJ_BIT(BST_OBJ_ENDPOINT) |
                                    BST_OBJ_BIT(BST_OBJ_NOTIFICATION) | BST_OBJ_BIT(BST_OBJ_PML4);
    for (uint64_t label = 1; label < BST_INV_LABEL_COUNT; label++) {
        const struct bst_invocation_rights *r = bst_invocation_rights(label);
        assert_int_equal(r->objects & no_invocations, 0);
        assert_int_equal(r->objects >> BST_OBJ_TYPE_COUNT, 0);
        assert_int_equal(r->invoked & ~(hands_out_a_right(label) ? (unsigned)BST_RIGHT_GRANT : RW), 0);
        bool ended = false;
        for (unsigned i = 0; i < BST_RIGHTS_MAX_CAP_ARGS; i++) {
            const struct bst_cap_arg_rights *a = &r->caps[i];
            if (!a->rights) {
                ended = true;
                continue;
            }
            assert_false(ended); /* no entry after the terminating one */
            assert_int_equal(a->rights & ~RW, 0);
            assert_true(a->word < BST_MSG_MAX_WORDS);
            assert_non_null(a->what);
            assert_int_equal(bst_cap_arg_rights(label, a->word), a->rights);
            for (unsigned j = 0; j < i; j++)
                assert_int_not_equal(r->caps[j].word, a->word);
        }
    }
}

/* A few rows that the issue named, spelled out: a table edit that drops them fails here. */
static void the_named_cases(void **state)
{
    (void)state;
    assert_int_equal(bst_invocation_rights(BST_FRAME_MAP)->invoked, BST_RIGHT_READ);
    assert_int_equal(bst_cap_arg_rights(BST_FRAME_MAP, 0), BST_RIGHT_WRITE);
    assert_int_equal(bst_cap_arg_rights(BST_PAGE_TABLE_MAP, 0), BST_RIGHT_WRITE);
    assert_int_equal(bst_cap_arg_rights(BST_IOPORT_BIND, 0), BST_RIGHT_WRITE);
    assert_int_equal(bst_invocation_rights(BST_TCB_READ_REGISTERS)->invoked, BST_RIGHT_READ);
    assert_int_equal(bst_invocation_rights(BST_FRAME_GET_ADDRESS)->invoked, BST_RIGHT_READ);
    assert_int_equal(bst_invocation_rights(BST_FRAME_UNMAP)->invoked, 0);
    static const uint64_t writes[] = {
        BST_UNTYPED_RETYPE, BST_CNODE_COPY, BST_CNODE_MINT, BST_CNODE_MOVE, BST_CNODE_MUTATE,
        BST_CNODE_DELETE, BST_CNODE_REVOKE, BST_TCB_CONFIGURE, BST_TCB_SET_PRIORITY, BST_TCB_SET_MCP,
        BST_TCB_WRITE_REGISTERS, BST_TCB_RESUME, BST_TCB_SUSPEND, BST_TCB_BIND_NOTIFICATION,
        BST_TCB_UNBIND_NOTIFICATION, BST_PAGE_TABLE_MAP, BST_PAGE_TABLE_UNMAP, BST_IRQ_CONTROL_GET,
        BST_IRQ_HANDLER_SET_NOTIFICATION, BST_IRQ_HANDLER_ACK, BST_IRQ_HANDLER_CLEAR,
        BST_IOPORT_CONTROL_ISSUE, BST_IOPORT_BIND,
    };
    for (unsigned i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
        assert_int_equal(bst_invocation_rights(writes[i])->invoked, BST_RIGHT_WRITE);
    assert_int_equal(bst_cap_arg_rights(BST_CNODE_COPY, 2), BST_RIGHT_READ);
    assert_int_equal(bst_cap_arg_rights(BST_CNODE_MOVE, 2), BST_RIGHT_WRITE);
    assert_int_equal(bst_cap_arg_rights(BST_UNTYPED_RETYPE, 2), BST_RIGHT_WRITE);
    assert_int_equal(bst_cap_arg_rights(BST_CNODE_COPY, BST_ARG_NONE), 0);
}

static void rights_names(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(invocations_doc_rights(0, buf, sizeof(buf)), "none");
    assert_string_equal(invocations_doc_rights(RW, buf, sizeof(buf)), "READ+WRITE");
    assert_string_equal(invocations_doc_rights(BST_RIGHTS_ALL, buf, sizeof(buf)),
                        "READ+WRITE+GRANT+GRANT_REPLY+EXECUTE");
}

static char *read_all(FILE *f, size_t *size)
{
    char *buf = 0;
    size_t cap = 0;
    *size = 0;
    for (;;) {
        if (*size == cap && !(buf = realloc(buf, cap = cap ? 2 * cap : 4096)))
            return 0;
        size_t n = fread(buf + *size, 1, cap - *size, f);
        *size += n;
        if (n == 0)
            return buf;
    }
}

static void committed_doc_matches_the_table(void **state)
{
    (void)state;
    char *generated = 0;
    size_t generated_size = 0;
    FILE *mem = open_memstream(&generated, &generated_size);
    assert_non_null(mem);
    invocations_doc_write(mem);
    assert_int_equal(fclose(mem), 0);

    FILE *f = fopen(BASTION_SOURCE_DIR "/docs/invocations.md", "r");
    assert_non_null(f);
    size_t committed_size;
    char *committed = read_all(f, &committed_size);
    fclose(f);
    assert_non_null(committed);
    if (committed_size != generated_size || memcmp(committed, generated, generated_size) != 0)
        fail_msg("docs/invocations.md differs from abi/bastion/rights.h: run `make invocations-doc`");
    free(committed);
    free(generated);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_label_has_an_entry),
        cmocka_unit_test(entries_follow_the_rule),
        cmocka_unit_test(the_named_cases),
        cmocka_unit_test(rights_names),
        cmocka_unit_test(committed_doc_matches_the_table),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
