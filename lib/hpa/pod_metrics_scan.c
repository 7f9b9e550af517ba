#include "hpa/pod_metrics_scan.h"

#include "hpa/quantity.h"
#include "util/timeutil.h"

#include <stdlib.h>
#include <string.h>

/* Deeper than any PodMetrics: give the rare document to the tree decoder,
 * which has its own limit. */
#define SCAN_DEPTH_MAX 64
/* Longer scalars than this are not metrics-server's: the tree decides. */
#define SCALAR_MAX 64

typedef enum frame_kind {
    F_ROOT,       /* the list object */
    F_ITEMS,      /* its items array */
    F_ITEM,       /* one PodMetrics */
    F_META,       /* its metadata */
    F_LABELS,     /* metadata.labels */
    F_CONTAINERS, /* its containers array */
    F_CONTAINER,  /* one container */
    F_USAGE,      /* its usage */
    F_SKIP,       /* a value nobody reads */
} frame_kind;

/* What the next value of a map is. */
typedef enum expect {
    E_SKIP,
    E_ITEMS,
    E_META,
    E_TIMESTAMP,
    E_WINDOW,
    E_CONTAINERS,
    E_POD_NAME,
    E_LABELS,
    E_LABEL_VALUE,
    E_CONTAINER_NAME,
    E_USAGE,
    E_USAGE_VALUE,
} expect;

typedef enum value_kind { V_SCALAR, V_STRING, V_MAP, V_ARRAY } value_kind;

typedef struct frame {
    frame_kind kind;
    expect next;   /* in a map: the value after the last key */
    unsigned seen; /* in a map: keys of interest met (duplicates give up) */
} frame;

typedef struct scan {
    hpac_scanned_pod_metrics *out;
    frame stack[SCAN_DEPTH_MAX];
    size_t depth;
    bool saw_items;
    bool no_memory;
    char *key; /* the pending label or usage key */
} scan;

static int grow(void **items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return 0;
    size_t bigger = *cap ? 2 * *cap : 4;
    void *p = realloc(*items, bigger * size);
    if (!p)
        return -1;
    memset((char *)p + *cap * size, 0, (bigger - *cap) * size);
    *items = p;
    *cap = bigger;
    return 0;
}

static hpac_scanned_pod *item(scan *s)
{
    return &s->out->items[s->out->count - 1];
}

static hpac_scanned_container *container(scan *s)
{
    hpac_scanned_pod *p = item(s);
    return &p->containers[p->container_count - 1];
}

static frame *top(scan *s)
{
    return &s->stack[s->depth - 1];
}

static int push(scan *s, frame_kind kind)
{
    if (s->depth == SCAN_DEPTH_MAX)
        return 0;
    s->stack[s->depth++] = (frame){kind, E_SKIP, 0};
    return 1;
}

/* A scalar copied out with its terminating NUL, or false when too long. */
static bool scalar(const unsigned char *text, size_t len, char *buf)
{
    if (len >= SCALAR_MAX)
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    return true;
}

/* The text has no NUL (the parser gave up on those). */
static char *copy(scan *s, const unsigned char *text, size_t len)
{
    char *c = strndup((const char *)text, len);
    s->no_memory = s->no_memory || !c;
    return c;
}

/* Where a value begins: in an array or after a map's key. 1 to go on. */
static int begin_value(scan *s, value_kind kind, const unsigned char *text, size_t len)
{
    if (s->depth == 0) /* the document itself */
        return kind == V_MAP ? push(s, F_ROOT) : 0;
    frame *f = top(s);
    if (f->kind == F_SKIP) {
        return kind == V_MAP || kind == V_ARRAY ? push(s, F_SKIP) : 1;
    }
    if (f->kind == F_ITEMS) {
        if (kind != V_MAP || grow((void **)&s->out->items, &s->out->cap, s->out->count,
                                  sizeof(*s->out->items)) != 0)
            return 0;
        s->out->count++;
        return push(s, F_ITEM);
    }
    if (f->kind == F_CONTAINERS) {
        hpac_scanned_pod *p = item(s);
        if (kind != V_MAP ||
            grow((void **)&p->containers, &p->container_cap, p->container_count,
                 sizeof(*p->containers)) != 0)
            return 0;
        p->container_count++;
        return push(s, F_CONTAINER);
    }
    expect e = f->next;
    f->next = E_SKIP;
    char buf[SCALAR_MAX];
    switch (e) {
    case E_SKIP:
        return kind == V_MAP || kind == V_ARRAY ? push(s, F_SKIP) : 1;
    case E_ITEMS:
        s->saw_items = true;
        return kind == V_ARRAY ? push(s, F_ITEMS) : 0;
    case E_META:
        return kind == V_MAP ? push(s, F_META) : 0;
    case E_CONTAINERS:
        return kind == V_ARRAY ? push(s, F_CONTAINERS) : 0;
    case E_LABELS:
        if (kind != V_MAP)
            return 0;
        item(s)->has_labels = true;
        return push(s, F_LABELS);
    case E_USAGE:
        return kind == V_MAP ? push(s, F_USAGE) : 0;
    case E_TIMESTAMP:
        return kind == V_STRING && scalar(text, len, buf) &&
               hpac_time_parse_rfc3339(buf, &item(s)->timestamp_ms) == 0;
    case E_WINDOW:
        return kind == V_STRING && scalar(text, len, buf) &&
               hpac_duration_parse(buf, &item(s)->window_ms) == 0;
    case E_POD_NAME:
        if (kind != V_STRING)
            return 0;
        item(s)->name = copy(s, text, len);
        return item(s)->name != NULL;
    case E_CONTAINER_NAME:
        if (kind != V_STRING)
            return 0;
        container(s)->name = copy(s, text, len);
        return container(s)->name != NULL;
    case E_LABEL_VALUE: {
        hpac_labels *l = &item(s)->labels;
        if (kind != V_STRING)
            return 0;
        /* hpac_labels has no capacity: grow one at a time (labels are few). */
        hpac_label *more = realloc(l->items, (l->count + 1) * sizeof(*more));
        char *value = copy(s, text, len);
        if (more)
            l->items = more;
        if (!more || !value) {
            s->no_memory = true;
            free(value);
            return 0;
        }
        l->items[l->count++] = (hpac_label){s->key, value};
        s->key = NULL;
        return 1;
    }
    case E_USAGE_VALUE: {
        hpac_scanned_container *c = container(s);
        hpac_quantity q;
        int64_t milli;
        if (kind != V_STRING || !scalar(text, len, buf) || hpac_quantity_parse(buf, &q) != HPAC_QTY_OK ||
            hpac_quantity_milli(&q, &milli) != HPAC_QTY_OK ||
            grow((void **)&c->usage, &c->usage_cap, c->usage_count, sizeof(*c->usage)) != 0)
            return 0;
        c->usage[c->usage_count++] = (hpac_scanned_usage){s->key, milli};
        s->key = NULL;
        return 1;
    }
    }
    return 0;
}

/* ---- the parser's handlers ------------------------------------------------- */

static int on_value(void *ctx, hpac_scan_value kind, const unsigned char *text, size_t len)
{
    scan *s = ctx;
    switch (kind) {
    case HPAC_SCAN_NULL: {
        /* A null where a value is read: the tree decoder's absent-or-null
         * rules decide. */
        bool read = s->depth == 0 ||
                    (top(s)->kind != F_SKIP &&
                     (top(s)->kind == F_ITEMS || top(s)->kind == F_CONTAINERS ||
                      top(s)->next != E_SKIP));
        return read ? 0 : begin_value(s, V_SCALAR, NULL, 0);
    }
    case HPAC_SCAN_BOOLEAN:
    case HPAC_SCAN_NUMBER:
        return begin_value(s, V_SCALAR, NULL, 0);
    case HPAC_SCAN_STRING:
        return begin_value(s, V_STRING, text, len);
    case HPAC_SCAN_MAP:
        return begin_value(s, V_MAP, NULL, 0);
    case HPAC_SCAN_ARRAY:
        return begin_value(s, V_ARRAY, NULL, 0);
    }
    return 0;
}

/* Marks a key of interest as seen; false when it was already. */
static bool first_time(frame *f, unsigned bit)
{
    if (f->seen & bit)
        return false;
    f->seen |= bit;
    return true;
}

static int on_key(void *ctx, const unsigned char *key, size_t len)
{
    scan *s = ctx;
    frame *f = top(s);
    f->next = E_SKIP;
    switch (f->kind) {
    case F_ROOT:
        if (hpac_scan_is_key(key, len, "items")) {
            if (!first_time(f, 1))
                return 0;
            f->next = E_ITEMS;
        }
        return 1;
    case F_ITEM:
        if (hpac_scan_is_key(key, len, "metadata"))
            f->next = E_META;
        else if (hpac_scan_is_key(key, len, "timestamp"))
            f->next = E_TIMESTAMP;
        else if (hpac_scan_is_key(key, len, "window"))
            f->next = E_WINDOW;
        else if (hpac_scan_is_key(key, len, "containers"))
            f->next = E_CONTAINERS;
        return f->next == E_SKIP || first_time(f, 1u << f->next);
    case F_META:
        if (hpac_scan_is_key(key, len, "name"))
            f->next = E_POD_NAME;
        else if (hpac_scan_is_key(key, len, "labels"))
            f->next = E_LABELS;
        return f->next == E_SKIP || first_time(f, 1u << f->next);
    case F_CONTAINER:
        if (hpac_scan_is_key(key, len, "name"))
            f->next = E_CONTAINER_NAME;
        else if (hpac_scan_is_key(key, len, "usage"))
            f->next = E_USAGE;
        return f->next == E_SKIP || first_time(f, 1u << f->next);
    case F_LABELS: {
        const hpac_labels *l = &item(s)->labels;
        for (size_t i = 0; i < l->count; i++) {
            if (hpac_scan_is_key(key, len, l->items[i].key))
                return 0; /* a duplicate: the tree keeps the last one */
        }
        s->key = copy(s, key, len);
        f->next = E_LABEL_VALUE;
        return s->key != NULL;
    }
    case F_USAGE: {
        const hpac_scanned_container *c = container(s);
        for (size_t i = 0; i < c->usage_count; i++) {
            if (hpac_scan_is_key(key, len, c->usage[i].resource))
                return 0;
        }
        s->key = copy(s, key, len);
        f->next = E_USAGE_VALUE;
        return s->key != NULL;
    }
    default:
        return 1; /* F_SKIP */
    }
}

static int compare_labels(const void *a, const void *b)
{
    return strcmp(((const hpac_label *)a)->key, ((const hpac_label *)b)->key);
}

static int on_end(void *ctx)
{
    scan *s = ctx;
    frame *f = top(s);
    if (f->kind == F_ITEM && !item(s)->name)
        return 0; /* metadata.name is required: the tree says so */
    if (f->kind == F_LABELS && item(s)->labels.count > 1) {
        hpac_labels *l = &item(s)->labels;
        qsort(l->items, l->count, sizeof(*l->items), compare_labels);
    }
    s->depth--;
    return 1;
}

static const hpac_scan_handlers HANDLERS = {on_value, on_key, on_end};

/* ---- the API ---------------------------------------------------------------- */

void hpac_scanned_pod_metrics_clear(hpac_scanned_pod_metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->count; i++) {
        hpac_scanned_pod *p = &m->items[i];
        free(p->name);
        hpac_labels_clear(&p->labels);
        for (size_t c = 0; c < p->container_count; c++) {
            for (size_t u = 0; u < p->containers[c].usage_count; u++)
                free(p->containers[c].usage[u].resource);
            free(p->containers[c].usage);
            free(p->containers[c].name);
        }
        free(p->containers);
    }
    free(m->items);
    memset(m, 0, sizeof(*m));
}

hpac_scan_result hpac_pod_metrics_scan(const char *text, size_t len, hpac_scanned_pod_metrics *out)
{
    memset(out, 0, sizeof(*out));
    scan s = {.out = out};
    hpac_scan_result r = hpac_scan_parse(text, len, &HANDLERS, &s);
    free(s.key);
    if (r == HPAC_SCAN_OK && s.saw_items && s.depth == 0)
        return HPAC_SCAN_OK;
    hpac_scanned_pod_metrics_clear(out);
    return s.no_memory || r == HPAC_SCAN_NO_MEMORY ? HPAC_SCAN_NO_MEMORY : HPAC_SCAN_UNUSUAL;
}

int hpac_pod_usage_of_scanned(const hpac_scanned_pod *pod, const char *resource,
                              hpac_pod_usage *out)
{
    memset(out, 0, sizeof(*out));
    out->timestamp_ms = pod->timestamp_ms;
    out->window_ms = pod->window_ms;
    out->pod_name = strdup(pod->name);
    if (!out->pod_name)
        return -1;
    if (pod->container_count == 0)
        return 0;
    out->containers = calloc(pod->container_count, sizeof(*out->containers));
    if (!out->containers)
        goto fail;
    for (size_t c = 0; c < pod->container_count; c++) {
        const hpac_scanned_container *from = &pod->containers[c];
        hpac_container_usage *to = &out->containers[c];
        out->container_count = c + 1;
        if (from->name && !(to->name = strdup(from->name)))
            goto fail;
        for (size_t u = 0; u < from->usage_count; u++) {
            if (strcmp(from->usage[u].resource, resource) == 0) {
                to->present = true;
                to->milli = from->usage[u].milli;
            }
        }
    }
    return 0;
fail:
    hpac_pod_usage_clear(out);
    return -1;
}

int hpac_pod_usage_from_scan(const hpac_scanned_pod_metrics *m, const char *resource,
                             hpac_pod_usage_list *out)
{
    memset(out, 0, sizeof(*out));
    if (m->count == 0)
        return 0;
    out->items = calloc(m->count, sizeof(*out->items));
    if (!out->items)
        return -1;
    for (size_t i = 0; i < m->count; i++) {
        if (hpac_pod_usage_of_scanned(&m->items[i], resource, &out->items[i]) != 0) {
            hpac_pod_usage_list_clear(out);
            return -1;
        }
        out->count = i + 1;
    }
    return 0;
}
