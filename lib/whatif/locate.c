/* The locator walks libyaml's events along the path, remembering the mark
 * of the deepest segment matched. It builds nothing: the JSON itself comes
 * from util/yaml_json.h. Aliases and merge keys are not followed (a field
 * that only exists through them points at its parent). */
#include "whatif/locate.h"

#include "util/yaml_json.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_SEGMENTS 32
#define MAX_SEGMENT 128

typedef struct segment {
    bool is_index;
    size_t index;
    char key[MAX_SEGMENT];
} segment;

typedef struct locator {
    yaml_parser_t parser;
    segment segs[MAX_SEGMENTS];
    size_t nsegs;
    size_t best_depth;
    size_t best_line;
    bool failed;
} locator;

/* "spec.metrics[1].type" -> spec, metrics, [1], type. */
static bool split_path(const char *path, locator *loc)
{
    const char *p = path;
    while (*p) {
        if (loc->nsegs == MAX_SEGMENTS)
            return false;
        segment *s = &loc->segs[loc->nsegs];
        memset(s, 0, sizeof(*s));
        if (*p == '[') {
            char *end;
            s->is_index = true;
            s->index = strtoul(p + 1, &end, 10);
            if (end == p + 1 || *end != ']')
                return false;
            p = end + 1;
        } else {
            size_t n = strcspn(p, ".[");
            if (n == 0 || n >= MAX_SEGMENT)
                return false;
            memcpy(s->key, p, n);
            p += n;
        }
        loc->nsegs++;
        if (*p == '.')
            p++;
    }
    return true;
}

static void note(locator *loc, size_t depth, const yaml_mark_t *mark)
{
    if (depth >= loc->best_depth) {
        loc->best_depth = depth;
        loc->best_line = mark->line + 1;
    }
}

static bool next(locator *loc, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&loc->parser, ev)) {
        loc->failed = true;
        return false;
    }
    return true;
}

/* Walks the node `ev` starts (and deletes `ev`). `depth` segments lead to
 * it; `on_path` says they all matched. */
static void walk(locator *loc, yaml_event_t *ev, size_t depth, bool on_path, int nesting)
{
    yaml_event_type_t type = ev->type;
    yaml_event_delete(ev);
    if (nesting > HPAC_YAML_DEPTH_MAX) {
        loc->failed = true;
        return;
    }
    if (type == YAML_SEQUENCE_START_EVENT) {
        for (size_t i = 0; !loc->failed; i++) {
            yaml_event_t item;
            if (!next(loc, &item))
                return;
            if (item.type == YAML_SEQUENCE_END_EVENT) {
                yaml_event_delete(&item);
                return;
            }
            bool match = on_path && depth < loc->nsegs && loc->segs[depth].is_index &&
                         loc->segs[depth].index == i;
            if (match)
                note(loc, depth + 1, &item.start_mark);
            walk(loc, &item, depth + 1, match, nesting + 1);
        }
    } else if (type == YAML_MAPPING_START_EVENT) {
        while (!loc->failed) {
            yaml_event_t key;
            if (!next(loc, &key))
                return;
            if (key.type == YAML_MAPPING_END_EVENT) {
                yaml_event_delete(&key);
                return;
            }
            bool match = false;
            if (key.type == YAML_SCALAR_EVENT && on_path && depth < loc->nsegs &&
                !loc->segs[depth].is_index) {
                const char *k = (const char *)key.data.scalar.value;
                match = strlen(k) == key.data.scalar.length && strcmp(k, loc->segs[depth].key) == 0;
                if (match)
                    note(loc, depth + 1, &key.start_mark);
            }
            walk(loc, &key, 0, false, nesting + 1);
            yaml_event_t value;
            if (!next(loc, &value))
                return;
            walk(loc, &value, depth + 1, match, nesting + 1);
        }
    }
    /* Scalars and aliases end where they start. */
}

static bool is_empty_root(const yaml_event_t *ev)
{
    if (ev->type != YAML_SCALAR_EVENT || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
        ev->data.scalar.tag)
        return false;
    const char *v = (const char *)ev->data.scalar.value;
    return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
           !strcmp(v, "NULL");
}

size_t hpac_whatif_locate(const char *text, size_t len, size_t document, const char *path)
{
    locator *loc = calloc(1, sizeof(*loc));
    size_t line = 0, seen = 0;
    if (!loc)
        return 0;
    if (!split_path(path ? path : "", loc) || !yaml_parser_initialize(&loc->parser)) {
        free(loc);
        return 0;
    }
    yaml_parser_set_input_string(&loc->parser, (const unsigned char *)text, len);
    while (!loc->failed) {
        yaml_event_t ev;
        if (!next(loc, &ev))
            break;
        yaml_event_type_t type = ev.type;
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT)
            break;
        if (type != YAML_DOCUMENT_START_EVENT)
            continue;
        yaml_event_t root;
        if (!next(loc, &root))
            break;
        if (is_empty_root(&root)) {
            yaml_event_delete(&root);
            continue;
        }
        bool wanted = seen++ == document;
        if (wanted) {
            loc->best_line = root.start_mark.line + 1;
            loc->best_depth = 0;
        }
        walk(loc, &root, 0, wanted, 0);
        if (wanted) {
            line = loc->failed ? 0 : loc->best_line;
            break;
        }
    }
    yaml_parser_delete(&loc->parser);
    free(loc);
    return line;
}
