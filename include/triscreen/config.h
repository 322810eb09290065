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
    char *officer; /* officer id of the grid the token acts as, or NULL */
} ts_token_cfg;

/* The clocks of one feedback kind (config `sla:`): minutes to acknowledge an alert and
 * minutes to close it once acknowledged, at each level of the grid it climbs. */
typedef struct ts_sla {
    uint32_t ack_minutes;
    uint32_t close_minutes;
} ts_sla;

/* schema: the optional declaration of what records hold, used only by `rules check` to
 * catch rules that reference something no record has. Each list is checked only when
 * declared (has_* true); records themselves stay free-form. */
typedef enum ts_schema_type {
    TS_SCHEMA_ANY = 0, /* declared without a type */
    TS_SCHEMA_NUMBER,
    TS_SCHEMA_TEXT,
    TS_SCHEMA_BOOL,
    TS_SCHEMA_DATE,
} ts_schema_type;

typedef struct ts_schema_cfg {
    bool has_attributes, has_relations, has_events;
    char **attributes; /* schema.attributes: names (a list, or the keys of a map) */
    ts_schema_type *attr_types;
    size_t n_attributes;
    char **relations; /* schema.relations: relation kinds */
    size_t n_relations;
    char **events; /* schema.events: event types (problem_events are added) */
    size_t n_events;
} ts_schema_cfg;

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
    uint64_t instructions;      /* per person and rule */
    uint32_t memory_mb;         /* per Lua state */
    uint32_t ms_per_person;     /* wall-clock deadline of one person's evaluation of a pass
                                 * (limits: ms_per_person, default TS_LIMIT_RULE_MS_PER_PERSON) */
    uint32_t quick_ack_minutes; /* = sla[TS_FEEDBACK_QUICK].ack_minutes (the older key) */
    /* sla: per feedback kind, indexed by ts_feedback (the NONE slot unused). Defaults from
     * the method: quick 30 min to ack / 1 day to close, detailed 1 day / 7 days, early
     * 3 days / 14 days. `quick_ack_minutes:` sets sla.quick.ack (both: a config error). */
    ts_sla sla[4];
    /* sla.closure_target: the share of alerts that should be closed, per mille (990 =
     * 99%, the default); alerts --stats and the report compare against it */
    uint32_t closure_target_permille;
    /* sla.sweep_seconds: how often `triscreen serve` runs the clock sweep (escalation),
     * 1..TS_LIMIT_SLA_SWEEP_S, default 60 */
    uint32_t sla_sweep_seconds;
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
    int reveal_outside_circle; /* what a scoped reader learns of relatives outside its
                                  scopes: 0 "count" (default: how many, highest colour),
                                  1 "none" (ts_reveal) */
    /* protected_attributes: names protected on top of the built-in list (English and
     * Chinese, base/attrname.c), kept as protected keys (normalised, punctuation
     * removed); see ts_attr_name_protected. */
    char **protected_attributes;
    size_t n_protected_attributes;
    ts_schema_cfg schema; /* optional `schema:` (all has_* false when absent) */
    char sha256[65];      /* hash of the config file's bytes */
} ts_config;

/* Picks the config path: cli_path if non-NULL, else $TRISCREEN_CONFIG, else
 * "./triscreen.yaml". Returns a pointer to one of those strings (no allocation). */
const char *ts_config_pick_path(const char *cli_path);

/* Loads and validates path. Unknown keys, wrong types, bad values, a YAML syntax error,
 * a limit (depth, aliases) and a missing or unreadable file are all TS_CONFIG, with
 * err naming file:line:column and the reason; TS_NOMEM only on exhaustion. */
ts_status ts_config_load(const char *path, ts_config **out, ts_err *err) TS_MUST_CHECK;

/* True when an attribute called name[0..len) is protected: the name is normalised the
 * way the importer stores it (Unicode NFKC, case-folded, spacing and zero-width
 * characters removed), Cyrillic/Greek look-alike letters are mapped to Latin ones and
 * punctuation is dropped; it is protected when that equals a built-in protected name
 * (ethnicity, race, religion, politics, political_affiliation, party_member,
 * sexual_orientation, ..., 民族, 宗教, 政治面貌, 党员, ...) or one of
 * cfg->protected_attributes, or their English plural ("religions"), or, for a name in
 * a script without plurals (民族), contains it. cfg may be NULL (built-in list only).
 * Thread-safe; no allocation. */
bool ts_attr_name_protected(const ts_config *cfg, const char *name, size_t len);

/* The status a configuration or grid load reports: rc itself for TS_OK and TS_NOMEM,
 * else TS_CONFIG (also written to err->code), so every front end maps any problem of
 * the configuration to the same exit code. */
ts_status ts_config_status(ts_status rc, ts_err *err) TS_MUST_CHECK;
void ts_config_free(ts_config *cfg);

/* True when type is listed in problem_events. */
bool ts_config_is_problem_event(const ts_config *cfg, const char *type);

#endif
