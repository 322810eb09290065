/* triscreen/config.h — the validated contents of triscreen.yaml.
 *
 * Invariants: paths are resolved relative to the config file's directory; every
 * field has a value (defaults applied); a loaded config is immutable and may be
 * shared between threads. */
#ifndef TRISCREEN_CONFIG_H
#define TRISCREEN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triscreen/status.h"

/* A bearer token of the HTTP service: only the SHA-256 of the secret is configured. */
typedef struct ts_token_cfg {
    char *name;
    char sha256[65]; /* lowercase hex */
    char **scopes;   /* cell codes or "all" */
    size_t n_scopes;
    bool write;
} ts_token_cfg;

typedef struct ts_config {
    char *path;     /* the config file as given */
    char *dir;      /* its directory */
    char *database; /* resolved paths */
    char *grid;
    char *rules;
    char *alerts_jsonl; /* optional JSON Lines alert sink; NULL when not configured */
    /* thresholds and review days, indexed by colour: [0]=red, [1]=yellow, [2]=blue.
     * A threshold of -1 means "no threshold for this colour". */
    int thresholds[3];
    int review_days[3];
    char **problem_events;
    size_t n_problem_events;
    uint64_t instructions; /* per person and rule */
    uint32_t memory_mb;    /* per Lua state */
    uint32_t quick_ack_minutes;
    uint32_t quick_max_age_days; /* problem events older than this at ingest raise no
                                    quick alert (history loads); 0 = no limit */
    uint32_t workers;            /* 0 = number of online cores */
    char now[11];                /* "YYYY-MM-DD" or "" when not set */
    char *listen;                /* service address, default "127.0.0.1:8080" */
    /* service connection caps and deadlines (defaults in base/limits.h, HTTP section) */
    uint32_t max_connections;        /* open connections in total */
    uint32_t max_connections_per_ip; /* open connections per client address */
    uint32_t read_timeout_s;         /* to receive a request's headers and body */
    uint32_t reload_timeout_s;       /* to load and check a pack on SIGHUP */
    uint32_t drain_timeout_s;        /* SIGTERM: to finish requests and writes */
    ts_token_cfg *tokens;
    size_t n_tokens;
    char sha256[65]; /* hash of the config file's bytes */
} ts_config;

/* Picks the config path: cli_path if non-NULL, else $TRISCREEN_CONFIG, else
 * "./triscreen.yaml". Returns a pointer to one of those strings (no allocation). */
const char *ts_config_pick_path(const char *cli_path);

/* Loads and validates path. Unknown keys, wrong types, bad values and missing files
 * are errors naming file:line:column (TS_IO, TS_PARSE, TS_CONFIG, TS_LIMIT, TS_NOMEM). */
ts_status ts_config_load(const char *path, ts_config **out, ts_err *err) TS_MUST_CHECK;
void ts_config_free(ts_config *cfg);

/* True when type is listed in problem_events. */
bool ts_config_is_problem_event(const ts_config *cfg, const char *type);

#endif
