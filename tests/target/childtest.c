#include "tests/target/childtest.h"
#include "tests/target/captest.h"
#include "user/lib/vspace.h"
#include "lib/string.h"

bool child_share_frame(bst_cptr_t ut, bst_cptr_t slot)
{
    if (bst_untyped_retype(ut, BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, slot, 1) != BST_OK ||
        bst_frame_map(slot, BST_CAP_ROOT_VSPACE, CHILD_SHARED_ROOT_ADDR, BST_RIGHT_READ | BST_RIGHT_WRITE,
                      BST_CACHE_WRITE_BACK) != BST_OK)
        return false;
    memset((void *)report(), 0, sizeof(struct child_report));
    return true;
}
