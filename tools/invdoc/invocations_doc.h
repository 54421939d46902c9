/*
 * The per-invocation rights reference, docs/invocations.md, written from the
 * one table in abi/bastion/rights.h. Built for the host: `make invocations-doc`
 * regenerates the file, and tests/host/test_rights.c fails when the
 * committed file differs from what this writes.
 */
#ifndef BASTION_TOOLS_INVOCATIONS_DOC_H
#define BASTION_TOOLS_INVOCATIONS_DOC_H

#include <stdio.h>

/* Writes the whole Markdown file to out. */
void invocations_doc_write(FILE *out);

/* "READ", "WRITE", "READ+WRITE", ..., or "none" for 0. */
const char *invocations_doc_rights(unsigned rights, char *buf, size_t size);

#endif
