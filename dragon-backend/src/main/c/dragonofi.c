/*
 * dragonofi: the libfabric calls of the fabric transport agent (OfiTransportAgent), as plain exported functions
 * that JNA binds by direct mapping. libfabric's data-path API (fi_send, fi_read, fi_cq_read, fi_mr_reg ...) is
 * made of static inline functions that call through a provider's operation tables; they exist only in its headers,
 * so no Java binding can reach them without a few lines of C compiled against those headers.
 *
 * One endpoint (reliable datagrams, FI_EP_RDM) per agent, with:
 *  - a send slab and a receive slab of `slots` slots of `slot_size` bytes each, registered once; every receive
 *    slot is always posted, except while the agent copies a message out of it;
 *  - RMA reads (up to `reads` at a time) that fetch large messages straight from the memory their sender
 *    registered for them;
 *  - one completion queue with a wait object, so that an idle agent sleeps in fi_cq_sread;
 *  - source addressing (FI_SOURCE) where the provider has it: a receive's completion then says which entry of the
 *    address vector sent the message (FI_ADDR_NOTAVAIL: an endpoint that is not in it), so that the agent accepts
 *    messages only from the job's endpoints. A provider without it is opened without it (dofi_sourced says which).
 * Operation contexts (fi_context2, which providers may use as scratch) live in one array, in blocks of `slots`
 * (DOFI_*_BLOCK): the send slots, the receive slots, then the reads. A completion reports its index ("token"), so
 * the Java side keeps no pointers.
 *
 * Functions return 0 (or a count, address, handle) on success and a negative libfabric error code on failure;
 * dofi_error() then says what failed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rdma/fabric.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_rma.h>

#define DOFI_API FI_VERSION(1, 9)
#define DOFI_MR_MODES (FI_MR_LOCAL | FI_MR_VIRT_ADDR | FI_MR_ALLOCATED | FI_MR_PROV_KEY | FI_MR_ENDPOINT)

/*
 * The contract with the Java side (OfiLibrary declares the same constants; OfiLibraryContractTest checks that
 * every #define DOFI_* with a number has its equal there).
 */
/* The most completions one dofi_poll returns. */
#define DOFI_BATCH 16
/* dofi_poll's events: DOFI_EVENT_WORDS int64s per completion, at these indexes. */
#define DOFI_EVENT_WORDS 3
#define DOFI_EVENT_TOKEN 0
#define DOFI_EVENT_LENGTH 1
#define DOFI_EVENT_SOURCE 2
/* Token t of block b is send slot, receive slot or read t - b * slots. */
#define DOFI_SEND_BLOCK 0
#define DOFI_RECEIVE_BLOCK 1
#define DOFI_READ_BLOCK 2
/* dofi_register's out: the registration's key and the address peers name, in DOFI_REGISTRATION_WORDS uint64s. */
#define DOFI_REGISTRATION_WORDS 2
#define DOFI_REGISTRATION_KEY 0
#define DOFI_REGISTRATION_ADDRESS 1
/* A data-path call's result when the provider is busy: -DOFI_EAGAIN (-FI_EAGAIN). Retry after progress. */
#define DOFI_EAGAIN 11
/* The source of a completion that has none in the address vector: FI_ADDR_NOTAVAIL, as an int64. */
#define DOFI_NO_SOURCE (-1)

_Static_assert(DOFI_EAGAIN == FI_EAGAIN, "DOFI_EAGAIN is libfabric's FI_EAGAIN");
_Static_assert((fi_addr_t) DOFI_NO_SOURCE == FI_ADDR_NOTAVAIL, "DOFI_NO_SOURCE is libfabric's FI_ADDR_NOTAVAIL");

struct dofi {
    struct fi_info *info;
    struct fid_fabric *fabric;
    struct fid_domain *domain;
    struct fid_cq *cq;
    struct fid_av *av;
    struct fid_ep *ep;
    struct fid_mr *send_mr;
    struct fid_mr *recv_mr;
    char *send_slab;
    char *recv_slab;
    int slots;
    size_t slot_size;
    int reads;
    int sourced;
    struct fi_context2 *ctx;
    struct fid_mr **read_mr;
    uint64_t next_key;
    char description[256];
    char error[512];
};

static char open_error[512];

static int fail(struct dofi *h, const char *what, int rc) {
    snprintf(h ? h->error : open_error, sizeof open_error, "%s: %s (%d)", what, fi_strerror(-rc), rc);
    return rc < 0 ? rc : -FI_EOTHER;
}

static struct fi_info *hints(const char *provider, int sourced) {
    struct fi_info *hints = fi_allocinfo();
    if (!hints) {
        return NULL;
    }
    hints->ep_attr->type = FI_EP_RDM;
    hints->caps = FI_MSG | FI_RMA | FI_READ | FI_REMOTE_READ | (sourced ? FI_SOURCE : 0);
    hints->mode = FI_CONTEXT | FI_CONTEXT2;
    hints->domain_attr->mr_mode = DOFI_MR_MODES;
    hints->domain_attr->threading = FI_THREAD_SAFE;
    if (provider && *provider) {
        hints->fabric_attr->prov_name = strdup(provider);
    }
    return hints;
}

/* Whether the interface of `info` has the IPv4 address `ip` (providers addressed otherwise never do). */
static int has_address(const struct fi_info *info, const char *ip) {
    struct in_addr want;
    if (info->addr_format != FI_SOCKADDR_IN || !info->src_addr || inet_pton(AF_INET, ip, &want) != 1) {
        return 0;
    }
    return ((const struct sockaddr_in *) info->src_addr)->sin_addr.s_addr == want.s_addr;
}

/*
 * The interface to use: the one with address `ip`; failing that, the first of a provider that is not addressed by
 * IP (cxi, efa, psm ...: they have one interface per device and no IP of their own).
 */
static struct fi_info *choose(struct fi_info *list, const char *ip) {
    for (struct fi_info *info = list; info; info = info->next) {
        if (ip && *ip && has_address(info, ip)) {
            return info;
        }
    }
    for (struct fi_info *info = list; info; info = info->next) {
        if (info->addr_format != FI_SOCKADDR_IN && info->addr_format != FI_SOCKADDR_IN6
            && info->addr_format != FI_SOCKADDR) {
            return info;
        }
    }
    return NULL;
}

static int reg(struct dofi *h, void *buf, size_t len, uint64_t access, struct fid_mr **mr) {
    int rc = fi_mr_reg(h->domain, buf, len, access, 0, h->next_key++, 0, mr, NULL);
    if (rc) {
        return rc;
    }
    if (h->info->domain_attr->mr_mode & FI_MR_ENDPOINT) {
        rc = fi_mr_bind(*mr, &h->ep->fid, 0);
        if (!rc) {
            rc = fi_mr_enable(*mr);
        }
    }
    return rc;
}

static void *desc(struct fid_mr *mr) {
    return mr ? fi_mr_desc(mr) : NULL;
}

int dofi_repost(struct dofi *h, int slot) {
    int rc = fi_recv(h->ep, h->recv_slab + (size_t) slot * h->slot_size, h->slot_size, desc(h->recv_mr),
        FI_ADDR_UNSPEC, &h->ctx[DOFI_RECEIVE_BLOCK * h->slots + slot]);
    return rc ? fail(h, "fi_recv", rc) : 0;
}

void dofi_close(struct dofi *h) {
    if (!h) {
        return;
    }
    if (h->ep) fi_close(&h->ep->fid);
    for (int i = 0; h->read_mr && i < h->reads; i++) {
        if (h->read_mr[i]) fi_close(&h->read_mr[i]->fid);
    }
    if (h->send_mr) fi_close(&h->send_mr->fid);
    if (h->recv_mr) fi_close(&h->recv_mr->fid);
    if (h->av) fi_close(&h->av->fid);
    if (h->cq) fi_close(&h->cq->fid);
    if (h->domain) fi_close(&h->domain->fid);
    if (h->fabric) fi_close(&h->fabric->fid);
    if (h->info) fi_freeinfo(h->info);
    free(h->send_slab);
    free(h->recv_slab);
    free(h->ctx);
    free(h->read_mr);
    free(h);
}

/* The interface of `provider` to open (see choose), with source addressing if `sourced`; NULL if there is none:
 * open_error says why. */
static struct fi_info *find(const char *provider, const char *ip, int sourced) {
    struct fi_info *wanted = hints(provider, sourced), *list = NULL;
    if (!wanted) {
        fail(NULL, "out of memory", -FI_ENOMEM);
        return NULL;
    }
    int rc = fi_getinfo(DOFI_API, NULL, NULL, 0, wanted, &list);
    fi_freeinfo(wanted);
    if (rc) {
        fail(NULL, "fi_getinfo found no usable provider", rc);
        return NULL;
    }
    struct fi_info *chosen = choose(list, ip);
    if (!chosen) {
        snprintf(open_error, sizeof open_error, "no interface of provider %s has address %s",
            list->fabric_attr->prov_name, ip ? ip : "(none)");
    }
    struct fi_info *info = chosen ? fi_dupinfo(chosen) : NULL;
    if (chosen && !info) {
        fail(NULL, "out of memory", -FI_ENOMEM);
    }
    fi_freeinfo(list);
    return info;
}

/* Opens an endpoint of `provider` (any if empty) on the interface with address `ip` (see choose), with source
 * addressing if the provider has it. NULL on failure: dofi_open_error() says why. */
struct dofi *dofi_open(const char *provider, const char *ip, int slots, long slot_size, int reads) {
    struct dofi *h = calloc(1, sizeof *h);
    if (!h) {
        fail(NULL, "out of memory", -FI_ENOMEM);
        return NULL;
    }
    h->sourced = 1;
    if (!(h->info = find(provider, ip, 1))) {
        h->sourced = 0;
        h->info = find(provider, ip, 0);
    }
    if (!h->info) {
        free(h);
        return NULL;
    }
    int rc;
    h->slots = slots;
    h->slot_size = (size_t) slot_size;
    h->reads = reads;
    h->next_key = 1;
    h->ctx = calloc((size_t) (DOFI_READ_BLOCK * slots + reads), sizeof *h->ctx);
    h->read_mr = calloc((size_t) reads, sizeof *h->read_mr);
    struct fi_cq_attr cq_attr = { .format = FI_CQ_FORMAT_MSG, .wait_obj = FI_WAIT_UNSPEC,
        .size = (size_t) (DOFI_READ_BLOCK * slots + reads) };
    struct fi_av_attr av_attr = { .type = FI_AV_UNSPEC };
    const char *step;
    if ((rc = -FI_ENOMEM, step = "allocating slabs", !h->ctx || !h->read_mr)
        || (rc = posix_memalign((void **) &h->send_slab, 4096, h->slot_size * slots) ? -FI_ENOMEM : 0)
        || (rc = posix_memalign((void **) &h->recv_slab, 4096, h->slot_size * slots) ? -FI_ENOMEM : 0)
        || (step = "fi_fabric", rc = fi_fabric(h->info->fabric_attr, &h->fabric, NULL))
        || (step = "fi_domain", rc = fi_domain(h->fabric, h->info, &h->domain, NULL))
        || (step = "fi_cq_open", rc = fi_cq_open(h->domain, &cq_attr, &h->cq, NULL))
        || (step = "fi_av_open", rc = fi_av_open(h->domain, &av_attr, &h->av, NULL))
        || (step = "fi_endpoint", rc = fi_endpoint(h->domain, h->info, &h->ep, NULL))
        || (step = "binding the completion queue", rc = fi_ep_bind(h->ep, &h->cq->fid, FI_TRANSMIT | FI_RECV))
        || (step = "binding the address vector", rc = fi_ep_bind(h->ep, &h->av->fid, 0))
        || (step = "fi_enable", rc = fi_enable(h->ep))
        || (step = "registering the send slab", rc = reg(h, h->send_slab, h->slot_size * slots, FI_SEND,
            &h->send_mr))
        || (step = "registering the receive slab", rc = reg(h, h->recv_slab, h->slot_size * slots, FI_RECV,
            &h->recv_mr))) {
        fail(NULL, step, rc);
        dofi_close(h);
        return NULL;
    }
    for (int slot = 0; slot < slots; slot++) {
        if ((rc = dofi_repost(h, slot))) {
            snprintf(open_error, sizeof open_error, "%s", h->error);
            dofi_close(h);
            return NULL;
        }
    }
    snprintf(h->description, sizeof h->description, "%s on %s", h->info->fabric_attr->prov_name,
        h->info->domain_attr->name);
    return h;
}

const char *dofi_open_error(void) {
    return open_error;
}

const char *dofi_error(struct dofi *h) {
    return h->error;
}

/* "provider on interface". */
const char *dofi_description(struct dofi *h) {
    return h->description;
}

/* Whether receive completions say which address vector entry sent the message (FI_SOURCE). */
int dofi_sourced(struct dofi *h) {
    return h->sourced;
}

/* The providers that could open an endpoint here, comma-separated, into `out`; their count, or a negative code. */
int dofi_providers(char *out, int length) {
    struct fi_info *wanted = hints(NULL, 0), *list = NULL;
    int rc = wanted ? fi_getinfo(DOFI_API, NULL, NULL, 0, wanted, &list) : -FI_ENOMEM;
    fi_freeinfo(wanted);
    out[0] = '\0';
    if (rc) {
        fail(NULL, "fi_getinfo found no usable provider", rc);
        return rc == -FI_ENODATA ? 0 : rc;
    }
    int count = 0;
    for (struct fi_info *info = list; info; info = info->next) {
        const char *name = info->fabric_attr->prov_name;
        size_t used = strlen(out), size = strlen(name);
        char *seen = strstr(out, name);
        if ((seen && (seen[size] == ',' || seen[size] == '\0')) || used + size + 2 > (size_t) length) {
            continue;
        }
        snprintf(out + used, (size_t) length - used, "%s%s", count++ ? "," : "", name);
    }
    fi_freeinfo(list);
    return count;
}

/* The endpoint's address into `out`; its length, or a negative code. */
long dofi_name(struct dofi *h, void *out, long length) {
    size_t size = (size_t) length;
    int rc = fi_getname(&h->ep->fid, out, &size);
    return rc ? fail(h, "fi_getname", rc) : (long) size;
}

/* Adds a peer's address; its fi_addr_t, or a negative code. */
long dofi_insert(struct dofi *h, const void *address) {
    fi_addr_t peer;
    int rc = fi_av_insert(h->av, address, 1, &peer, 0, NULL);
    return rc == 1 ? (long) peer : fail(h, "fi_av_insert", rc < 0 ? rc : -FI_EINVAL);
}

long dofi_send_slab(struct dofi *h) {
    return (long) (uintptr_t) h->send_slab;
}

long dofi_recv_slab(struct dofi *h) {
    return (long) (uintptr_t) h->recv_slab;
}

/* Sends the first `length` bytes of send slot `slot` to `peer`; -FI_EAGAIN if the provider is busy. */
int dofi_send(struct dofi *h, long peer, int slot, long length) {
    int rc = fi_send(h->ep, h->send_slab + (size_t) slot * h->slot_size, (size_t) length, desc(h->send_mr),
        (fi_addr_t) peer, &h->ctx[DOFI_SEND_BLOCK * h->slots + slot]);
    return rc && rc != -FI_EAGAIN ? fail(h, "fi_send", rc) : rc;
}

/*
 * Registers `length` bytes at `address` for peers to read; the registration's handle (free it with
 * dofi_unregister), with its key and the address peers name in `out` (DOFI_REGISTRATION_*).
 */
long dofi_register(struct dofi *h, long address, long length, uint64_t *out) {
    struct fid_mr *mr;
    int rc = reg(h, (void *) (uintptr_t) address, (size_t) length, FI_REMOTE_READ, &mr);
    if (rc) {
        return fail(h, "fi_mr_reg", rc);
    }
    out[DOFI_REGISTRATION_KEY] = fi_mr_key(mr);
    out[DOFI_REGISTRATION_ADDRESS] = h->info->domain_attr->mr_mode & FI_MR_VIRT_ADDR ? (uint64_t) address : 0;
    return (long) (uintptr_t) mr;
}

void dofi_unregister(long mr) {
    fi_close(&((struct fid_mr *) (uintptr_t) mr)->fid);
}

/* Reads `length` bytes that `peer` registered (remote address and key) into local memory, as read `token`. */
int dofi_read(struct dofi *h, long peer, long address, long length, uint64_t remote, uint64_t key, int token) {
    struct fid_mr **local = &h->read_mr[token];
    int rc;
    if ((h->info->domain_attr->mr_mode & FI_MR_LOCAL)
        && (rc = reg(h, (void *) (uintptr_t) address, (size_t) length, FI_READ, local))) {
        return fail(h, "fi_mr_reg of a read buffer", rc);
    }
    rc = fi_read(h->ep, (void *) (uintptr_t) address, (size_t) length, desc(*local), (fi_addr_t) peer, remote,
        key, &h->ctx[DOFI_READ_BLOCK * h->slots + token]);
    if (rc && *local) {
        fi_close(&(*local)->fid);
        *local = NULL;
    }
    return rc && rc != -FI_EAGAIN ? fail(h, "fi_read", rc) : rc;
}

static int token(struct dofi *h, void *context) {
    int t = (int) ((struct fi_context2 *) context - h->ctx), read = t - DOFI_READ_BLOCK * h->slots;
    if (read >= 0 && h->read_mr[read]) {
        fi_close(&h->read_mr[read]->fid);
        h->read_mr[read] = NULL;
    }
    return t;
}

/*
 * Completions, up to `max`, into `events` as triples (token, length, source: DOFI_EVENT_*); a failed operation has
 * its negative error code as length (dofi_error says more). The source of a receive is the address vector entry
 * that sent it (DOFI_NO_SOURCE: an endpoint not in the vector, or no source addressing: see dofi_sourced). Waits up to
 * `timeout_ms` for one (0: only looks; progress is made either way). Returns the number of triples, or a negative
 * code.
 */
int dofi_poll(struct dofi *h, int64_t *events, int max, int timeout_ms) {
    struct fi_cq_msg_entry entries[DOFI_BATCH];
    fi_addr_t sources[DOFI_BATCH];
    size_t count = (size_t) (max < DOFI_BATCH ? max : DOFI_BATCH);
    ssize_t n;
    if (h->sourced) {
        n = timeout_ms > 0 ? fi_cq_sreadfrom(h->cq, entries, count, sources, NULL, timeout_ms)
            : fi_cq_readfrom(h->cq, entries, count, sources);
    } else {
        n = timeout_ms > 0 ? fi_cq_sread(h->cq, entries, count, NULL, timeout_ms) : fi_cq_read(h->cq, entries, count);
    }
    if (n == -FI_EAGAIN || n == -FI_ETIMEDOUT || n == -FI_ECANCELED) {
        return 0;
    }
    if (n == -FI_EAVAIL) {
        struct fi_cq_err_entry err = { 0 };
        if (fi_cq_readerr(h->cq, &err, 0) != 1) {
            return 0;
        }
        snprintf(h->error, sizeof h->error, "%s", fi_cq_strerror(h->cq, err.prov_errno, err.err_data, NULL, 0));
        events[DOFI_EVENT_TOKEN] = token(h, err.op_context);
        events[DOFI_EVENT_LENGTH] = -(int64_t) (err.err ? err.err : FI_EOTHER);
        events[DOFI_EVENT_SOURCE] = DOFI_NO_SOURCE;
        return 1;
    }
    if (n < 0) {
        return fail(h, "fi_cq_read", (int) n);
    }
    for (ssize_t i = 0; i < n; i++) {
        int64_t *event = events + DOFI_EVENT_WORDS * i;
        event[DOFI_EVENT_TOKEN] = token(h, entries[i].op_context);
        event[DOFI_EVENT_LENGTH] = (int64_t) entries[i].len;
        event[DOFI_EVENT_SOURCE] = h->sourced ? (int64_t) sources[i] : DOFI_NO_SOURCE;
    }
    return (int) n;
}

/* Wakes a thread waiting in dofi_poll (callable from any thread). */
int dofi_wake(struct dofi *h) {
    return fi_cq_signal(h->cq);
}
