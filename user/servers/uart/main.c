/*
 * The COM1 console driver: a user process that owns the UART's ports
 * (0x3f8-0x3ff, bound to its own address space) and, when the root task
 * gives it one, ISA IRQ 4 as a notification. It serves the console protocol
 * of abi/bastion/console.h on its endpoint, one request at a time:
 *   WRITE      the bytes go out as they are, '\n' as "\r\n" (as the kernel log does);
 *   READ_LINE  echoes what is typed, with backspace, until Enter.
 * It owns COM1 alone: the kernel log is on COM2 and the kernel never issues
 * its own ports (docs/processes-and-drivers.md). So the driver sets the line
 * up itself (115200 8N1, FIFOs on) and writes its own messages straight to
 * it; it needs no MachineControl cap for the kernel debug line.
 */
#include <bastion/console.h>
#include "user/lib/bastion.h"
#include "user/lib/device.h"
#include "user/lib/ipc.h"
#include "user/lib/notify.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define IER_RECEIVE 0x01
#define MCR_DTR_RTS_OUT2 0x0b /* OUT2 gates the UART's interrupt onto the ISA line */
#define MCR_DTR_RTS 0x03
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define FCR_ENABLE_CLEAR 0xc7
#define DIVISOR_115200 1
#define SPIN_LIMIT 100000     /* a transmitter that never empties must not hang the driver */
#define BACKSPACE 0x08
#define DELETE 0x7f

static bool irq_driven; /* else input is polled: see wait_for_input */

static void outb(unsigned reg, uint8_t v)
{
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"((uint16_t)(BST_UART_FIRST_PORT + reg)));
}

static uint8_t inb(unsigned reg)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"((uint16_t)(BST_UART_FIRST_PORT + reg)));
    return v;
}

/* ---- the line */

static void put_raw(uint8_t c)
{
    for (int spins = 0; spins < SPIN_LIMIT && !(inb(REG_LSR) & LSR_THR_EMPTY); spins++)
        ;
    outb(REG_DATA, c);
}

static void put_byte(uint8_t c)
{
    if (c == '\n')
        put_raw('\r'); /* terminals want both */
    put_raw(c);
}

static void put_text(const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_byte((uint8_t)text[i]);
}

/* The driver's own messages: straight onto its line. */
static void say(const char *format, ...)
{
    char text[160];
    va_list ap;
    va_start(ap, format);
    fmt_vsnprintf(text, sizeof(text), format, ap);
    va_end(ap);
    put_text(text, strlen(text));
}

/*
 * With the IRQ: unmask the line (each interrupt masks it again) and sleep on
 * the notification; an interrupt that came since the last look has left its
 * bit there, so nothing is missed. Without it: poll, letting equal-priority
 * threads run in between.
 */
static void wait_for_input(void)
{
    uint64_t bits;
    if (irq_driven && bst_irq_handler_ack(BST_UART_CAP_IRQ) == BST_OK &&
        bst_wait(BST_UART_CAP_NOTIFICATION, &bits) == BST_OK)
        return;
    bst_yield();
}

static uint8_t get_byte(void)
{
    while (!(inb(REG_LSR) & LSR_DATA_READY))
        wait_for_input();
    return inb(REG_DATA);
}

/* ---- requests */

struct line_state {
    bool after_cr; /* a '\n' right after '\r' ends no second line */
};
static struct line_state line;

/* Reads up to max bytes of one line, echoing; returns its length (the line end is not stored). */
static size_t read_line(char *buf, size_t max)
{
    size_t n = 0;
    while (n < max) {
        uint8_t c = get_byte();
        bool skip_lf = c == '\n' && line.after_cr;
        line.after_cr = c == '\r';
        if (skip_lf)
            continue;
        if (c == '\r' || c == '\n')
            break;
        if ((c == BACKSPACE || c == DELETE) && n > 0) {
            n--;
            put_text("\b \b", 3);
        } else if (c >= ' ' && c != DELETE) {
            buf[n++] = (char)c;
            put_byte(c);
        }
    }
    put_byte('\n');
    return n;
}

struct request {
    uint64_t label;
    unsigned length;                 /* message words */
    uint64_t words[BST_MSG_MAX_WORDS];
};

struct answer {
    uint64_t error;                  /* goes back as the reply's label */
    unsigned length;
    uint64_t words[BST_MSG_MAX_WORDS];
};

/* Words 0-3 came in registers, the rest in the exchange frame. */
static void take_request(const struct bst_msg *m, struct request *r)
{
    r->label = bst_msginfo_label(m->info);
    r->length = bst_msginfo_length(m->info);
    if (r->length > BST_MSG_MAX_WORDS)
        r->length = BST_MSG_MAX_WORDS;
    for (unsigned i = 0; i < r->length; i++)
        r->words[i] = i < BST_MSG_REGISTER_WORDS ? m->words[i] : bst_exchange->msg[i];
}

static void answer_error(struct answer *a, uint64_t error)
{
    a->error = error;
    a->length = 1;
    a->words[BST_CONSOLE_WORD_LENGTH] = 0;
}

static void serve_write(const struct request *r, struct answer *a)
{
    uint64_t n = r->length > BST_CONSOLE_WORD_LENGTH ? r->words[BST_CONSOLE_WORD_LENGTH] : 0;
    if (n > BST_CONSOLE_MAX_BYTES)
        return answer_error(a, BST_E_RANGE);
    if (r->length < BST_CONSOLE_MSG_WORDS(n))
        return answer_error(a, BST_E_TRUNCATED); /* fewer words than the length says */
    put_text((const char *)&r->words[BST_CONSOLE_WORD_FIRST_BYTES], n);
    a->error = BST_OK;
    a->length = 1;
    a->words[BST_CONSOLE_WORD_LENGTH] = n;
}

static void serve_read_line(const struct request *r, struct answer *a)
{
    uint64_t max = r->length > BST_CONSOLE_WORD_LENGTH ? r->words[BST_CONSOLE_WORD_LENGTH] : 0;
    if (max > BST_CONSOLE_MAX_BYTES)
        return answer_error(a, BST_E_RANGE);
    size_t n = read_line((char *)&a->words[BST_CONSOLE_WORD_FIRST_BYTES], max);
    a->error = BST_OK;
    a->length = BST_CONSOLE_MSG_WORDS(n);
    a->words[BST_CONSOLE_WORD_LENGTH] = n;
}

static void serve(const struct request *r, struct answer *a)
{
    if (r->label == BST_CONSOLE_WRITE)
        serve_write(r, a);
    else if (r->label == BST_CONSOLE_READ_LINE)
        serve_read_line(r, a);
    else
        answer_error(a, BST_E_INVALID_ARG);
}

/* ---- start-up */

/* The ports first: without them every register access below would fault. */
static uint64_t claim_device(void)
{
    uint64_t e = bst_ioport_bind(BST_UART_CAP_IOPORT, BST_CHILD_CAP_VSPACE);
    if (e != BST_OK)
        return e;
    outb(REG_IER, 0);
    outb(REG_LCR, LCR_DLAB);
    outb(REG_DATA, DIVISOR_115200 & 0xff);
    outb(REG_IER, DIVISOR_115200 >> 8);
    outb(REG_LCR, LCR_8N1);
    outb(REG_FCR, FCR_ENABLE_CLEAR);
    outb(REG_MCR, MCR_DTR_RTS);
    irq_driven = bst_irq_handler_set_notification(BST_UART_CAP_IRQ, BST_UART_CAP_NOTIFICATION) == BST_OK;
    if (irq_driven) {
        outb(REG_MCR, MCR_DTR_RTS_OUT2);
        outb(REG_IER, IER_RECEIVE);
    }
    return BST_OK;
}

static void loop(void)
{
    static struct request req;
    static struct answer ans;
    struct bst_msg m;
    uint64_t e = bst_recv(BST_UART_CAP_SERVICE, &m);
    while (e == BST_OK) {
        take_request(&m, &req);
        serve(&req, &ans);
        for (unsigned i = BST_MSG_REGISTER_WORDS; i < ans.length; i++)
            bst_exchange->msg[i] = ans.words[i];
        e = bst_replyrecv(BST_UART_CAP_SERVICE, bst_msginfo(ans.error, 0, ans.length), ans.words, &m);
    }
    say("uart: receiving on the service endpoint failed: %s; the driver stops\n", bst_error_name(e));
}

int main(void)
{
    uint64_t e = claim_device();
    if (e != BST_OK) {
        /* Not on COM1 (not ours) and not on the debug line (no cap): the root task notices. */
        bst_printf("uart: cannot bind COM1's ports: %s; the driver stops\n", bst_error_name(e));
        return 1;
    }
    say("uart: COM1 console driver up (ports %#x-%#x, %s input)\n", BST_UART_FIRST_PORT,
               BST_UART_LAST_PORT, irq_driven ? "IRQ 4" : "polled");
    loop();
    return 1;
}
