/* Prints docs/invocations.md (tools/invdoc/invocations_doc.h) on stdout. */
#include "tools/invdoc/invocations_doc.h"

int main(void)
{
    invocations_doc_write(stdout);
    return ferror(stdout) ? 1 : 0;
}
