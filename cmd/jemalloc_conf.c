/* jemalloc reads its options from this symbol at start-up (the
 * MALLOC_CONF environment variable overrides it). The programs do their
 * work on one event loop thread: one arena is enough, and memory freed
 * after a burst (the first lists of a large cluster) goes back to the
 * system within a second instead of ten. */
extern const char *malloc_conf;
const char *malloc_conf = "narenas:1,dirty_decay_ms:1000,muzzy_decay_ms:0";
