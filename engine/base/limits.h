/* base/limits.h — every cap in triscreen, in one place.
 * Each growable buffer, parser and sandbox takes its bound from here; README.md
 * ("Limits") documents them for operators. */
#ifndef TS_BASE_LIMITS_H
#define TS_BASE_LIMITS_H

#include "triscreen/text.h"

/* Record import */
#define TS_LIMIT_LINE (1u << 20)       /* bytes in one JSONL line / one CSV row */
#define TS_LIMIT_FIELD (64u * 1024u)   /* bytes in one string field (notes, names, ...) */
#define TS_LIMIT_ID 64u                /* bytes in a person id, event type, relation kind */
#define TS_LIMIT_EVENTS 10000u         /* events per person record */
#define TS_LIMIT_RELATIONS 1000u       /* relations per person record */
#define TS_LIMIT_CATEGORIES 64u        /* categories per person */
#define TS_LIMIT_ATTRS 256u            /* attrs per person */
#define TS_LIMIT_ATTR_NAME 64u         /* bytes in an attribute name, a category */
#define TS_LIMIT_EXTRA_BLOB (8u << 20) /* bytes in an encoded categories+attrs blob */
#define TS_LIMIT_JSON_DEPTH 16         /* nesting depth of one JSON record */
#define TS_LIMIT_CSV_COLUMNS                                                                       \
    2048u                           /* columns in a CSV file (a row fills <= TS_LIMIT_ATTRS attrs) \
                                     */
#define TS_LIMIT_IMPORT_BATCH 5000u /* records per import transaction */

/* Text people type (review, ack, close notes and --by): the numbers are defined once in
 * triscreen/text.h (TS_TEXT_NOTE_MAX, TS_TEXT_ACTOR_MAX), which the front ends include. */
#define TS_LIMIT_NOTE TS_TEXT_NOTE_MAX   /* bytes in a review, ack or close note (4096) */
#define TS_LIMIT_ACTOR TS_TEXT_ACTOR_MAX /* bytes in an actor id, --by / "by" (64) */

/* YAML (config, grid, YAML records, rule test cases) */
#define TS_LIMIT_YAML_FILE (64u << 20)  /* bytes in one YAML file */
#define TS_LIMIT_YAML_DEPTH 64          /* nesting depth */
#define TS_LIMIT_YAML_SCALAR (1u << 20) /* bytes in one scalar */
#define TS_LIMIT_YAML_ALIASES 1000u     /* alias events per document */
#define TS_LIMIT_YAML_NODES 2000000u    /* nodes per document, counting alias expansions */

/* Rules */
#define TS_LIMIT_RULE_INSTRUCTIONS 1000000u /* default instruction budget per person and rule */
#define TS_LIMIT_RULE_MEMORY_MB 64u         /* default memory cap per Lua state */
#define TS_LIMIT_RULE_EVIDENCE 512u         /* bytes of evidence kept per fired rule */
#define TS_LIMIT_RULE_STACK 200             /* Lua C-stack depth (LUAI_MAXCCALLS is 200) */
#define TS_LIMIT_RULES 1000u                /* rules per pack */
#define TS_LIMIT_RULE_FILE (1u << 20)       /* bytes in one rule file */
#define TS_LIMIT_RULE_MS_PER_PERSON 1000u   /* default wall-clock ms per person and pass */
#define TS_LIMIT_RULE_BYTES_PER_INSTR 16u   /* bytes of C work charged as one instruction */
#define TS_LIMIT_RULE_TABLE_DEPTH 32u       /* nesting of tables walked in C (freeze...) */
#define TS_LIMIT_RULE_TITLE 512u            /* bytes in a rule's title */
#define TS_LIMIT_RULE_SCORE 1000000u        /* a rule's score is in -cap..cap */
#define TS_LIMIT_RULE_PACK (64u << 20)      /* bytes of all the rule files of one pack */
/* config limits: the ranges an operator may set (defaults above) */
#define TS_LIMIT_RULE_INSTRUCTIONS_MIN 1000u       /* limits.instructions, lowest */
#define TS_LIMIT_RULE_INSTRUCTIONS_MAX 1000000000u /* limits.instructions, highest */
#define TS_LIMIT_RULE_MEMORY_MB_MAX 4096u          /* limits.memory_mb, highest */
#define TS_LIMIT_RULE_MS_PER_PERSON_MAX 3600000u   /* limits.ms_per_person, highest */

/* Regex */
#define TS_LIMIT_REGEX_PATTERN 1024u         /* bytes in one pattern */
#define TS_LIMIT_REGEX_SUBJECT (64u * 1024u) /* bytes in one subject */
#define TS_LIMIT_REGEX_MATCH 100000u         /* pcre2 match limit */
#define TS_LIMIT_REGEX_DEPTH 1000u           /* pcre2 depth limit */
#define TS_LIMIT_REGEX_HEAP_KB 1024u         /* pcre2 heap limit (KiB) */
#define TS_LIMIT_REGEX_CACHE 128u            /* compiled patterns cached per rule state */
#define TS_LIMIT_REGEX_NEST 64u /* nested parentheses in one pattern (PCRE2 default 250) */
/* pcre2 restarts its match limit at every start position of an unanchored search, so
 * the per-call limit is min(TS_LIMIT_REGEX_MATCH, TS_LIMIT_REGEX_TOTAL / (subject
 * length + 1)), never below TS_LIMIT_REGEX_MATCH_MIN: steps summed over all start
 * positions stay near TS_LIMIT_REGEX_TOTAL. */
#define TS_LIMIT_REGEX_TOTAL 20000000u          /* match steps summed over start positions */
#define TS_LIMIT_REGEX_MATCH_MIN 2000u          /* floor of the per-start-position match limit */
#define TS_LIMIT_REGEX_JIT_STACK (256u * 1024u) /* bytes of JIT stack per rule state */

/* Lists and dossiers */
#define TS_LIMIT_TABLE_ROWS 4096u          /* rows sampled to size the columns of table output */
#define TS_LIMIT_CIRCLE 10000u             /* persons in one dossier circle (depth 1 and 2) */
#define TS_LIMIT_RULE_ERROR_IDS 1000u      /* person ids listed per rule by `rules errors` */
#define TS_LIMIT_SCOPE_CELLS (4u << 20)    /* bytes of the cell codes a scoped query binds */
#define TS_LIMIT_DOSSIER_MEM (64u << 20)   /* bytes of one dossier's typed data */
#define TS_LIMIT_RENDER (256u << 20)       /* bytes of one rendered read (dossier, HTTP answer) */
#define TS_LIMIT_EVENT_TYPES 32            /* event types in one p:events{type = {...}} filter */
#define TS_LIMIT_EVENT_WINDOW_DAYS 1000000 /* days of a p:events{within_days = N} window */

#define TS_LIMIT_REPORT_CLOSE_TIMES (4u << 20) /* closed alerts timed for the report median */
#define TS_LIMIT_RULES_JSON (8u << 20)    /* bytes in one fired-rules / reasons / alert JSON text */
#define TS_LIMIT_ROUTE_NOTE (64u * 1024u) /* bytes in the routing note of one alert */
#define TS_LIMIT_ALERT_DETAIL (1u << 20)  /* bytes in one escalation's history detail */
#define TS_LIMIT_REPORT_BYTES (64u << 20) /* bytes in one rendered report (text, JSON or HTML) */

/* Config */
#define TS_LIMIT_PATH 4096u                /* bytes in a file path the engine builds */
#define TS_LIMIT_WORKERS 256u              /* config workers (0 = one per core) */
#define TS_LIMIT_REVIEW_DAYS 3650u         /* config review_days of a colour */
#define TS_LIMIT_THRESHOLD 100000u         /* config thresholds of a colour (a score) */
#define TS_LIMIT_QUICK_ACK_MINUTES 10080u  /* config quick_ack_minutes (a week) */
#define TS_LIMIT_QUICK_MAX_AGE_DAYS 36500u /* config quick_max_age_days */
#define TS_LIMIT_SLA_MINUTES 129600u       /* config sla.<kind>.ack/close (90 days) */
#define TS_LIMIT_SLA_SWEEP_S 3600u         /* config sla.sweep_seconds */
#define TS_LIMIT_TOKENS 1024u              /* service.tokens in one config */
#define TS_LIMIT_TOKEN_SCOPES 256u         /* scopes of one service token */

/* Arenas: the cap of each long-lived arena, sized so that inputs within the limits
 * above fit (an arena refuses to grow past its cap: the caller reports an error) */
#define TS_LIMIT_ARENA_YAML (256u << 20)   /* one parsed YAML document (nodes, scalars) */
#define TS_LIMIT_ARENA_CONFIG (128u << 20) /* the strings and arrays of a loaded config */
#define TS_LIMIT_ARENA_GRID (128u << 20)   /* the cells of a loaded grid */
#define TS_LIMIT_ARENA_PACK (TS_LIMIT_RULE_PACK + (16u << 20)) /* a pack: files, rules */
#define TS_LIMIT_ARENA_BATCH (512u << 20)     /* one batch of persons in a pass worker */
#define TS_LIMIT_ARENA_SCRATCH (256u << 20)   /* per-batch scratch of import, the service */
#define TS_LIMIT_ARENA_REQUEST (64u << 20)    /* one HTTP request's records */
#define TS_LIMIT_ARENA_RECORD (64u << 20)     /* one person read back, one review */
#define TS_LIMIT_ARENA_CASES (256u << 20)     /* a pack's test cases (rules test) */
#define TS_LIMIT_ARENA_SNAPSHOT (1024u << 20) /* a diff's rows in --scope, the pack it replays */
#define TS_LIMIT_ARENA_JUDGED (2048u << 20)   /* per-person judgements of a diff or a shadow */
#define TS_LIMIT_ARENA_LISTS (1024u << 20)    /* the list rows a pass snapshots and counts */
#define TS_LIMIT_ARENA_HELD (64u << 20)       /* the alert causes a pass's batch holds */
#define TS_LIMIT_ESCALATE_BATCH 2000u         /* alerts one clock-sweep transaction moves up */
#define TS_LIMIT_SERVICE_SWEEP_BATCH 200u /* one batch of serve's clock sweep (writes between) */
/* a sweep batch unless the caller says (escalate): the same few ms as serve's */
#define TS_ESCALATE_BATCH_DEFAULT TS_LIMIT_SERVICE_SWEEP_BATCH
#define TS_LIMIT_ARENA_DUE (64u << 20)   /* the alerts of one clock-sweep batch */
#define TS_LIMIT_ARENA_JOB (1024u << 20) /* one service job: its records, their alerts */
#define TS_LIMIT_ARENA_PROBE (16u << 20) /* the probe evaluation of a reloaded pack */

/* Threads (base/pipeline.c: import, the passes, the service's write queue) */
#define TS_LIMIT_PIPELINE_WORKERS 64u /* worker threads of one pipeline (--threads is clamped) */
#define TS_LIMIT_PIPELINE_SLOTS 256u  /* items in flight between a pipeline's reader and writer */
#define TS_LIMIT_SERVICE_QUEUE                                                                     \
    4096u /* write jobs queued for the service's writer, then submit waits */

/* Service */
/* bytes of one ts_err as text ("where: msg" and the NUL): a reload error kept for /healthz */
#define TS_LIMIT_ERR_TEXT (sizeof(((ts_err *)0)->where) + sizeof(((ts_err *)0)->msg) + 1)
#define TS_LIMIT_HTTP_GROUP 512u          /* ingest jobs in one group commit */
#define TS_LIMIT_HTTP_POOL 64u            /* idle read connections kept by the service */
#define TS_LIMIT_ALERT_SCAN 1000000u      /* alerts looked at to find one by id */
#define TS_LIMIT_HTTP_BODY (4u << 20)     /* bytes in one request body */
#define TS_LIMIT_HTTP_FEED 1000u          /* alerts per GET /v1/alerts answer */
#define TS_LIMIT_HTTP_FEED_WAIT_S 60u     /* seconds a long-poll of the feed may wait */
#define TS_LIMIT_HTTP_RELOAD_STUCK 4u     /* abandoned reload threads, then reloads refused */
#define TS_LIMIT_HTTP_ERROR (64u * 1024u) /* bytes in the message of an error answer */
/* Connections (config service.max_connections, .max_connections_per_ip): past a cap a
 * request is answered 503 (GET /healthz is still answered); past the cap plus a quarter
 * (+8) libmicrohttpd closes the connection at accept. A request's headers and body must
 * arrive within service.read_timeout_s (also the idle limit of a kept-alive connection;
 * 2 s for a connection past a cap). */
#define TS_LIMIT_HTTP_CONNECTIONS 1024u       /* open connections in total */
#define TS_LIMIT_HTTP_CONNECTIONS_PER_IP 64u  /* open connections per client address */
#define TS_LIMIT_HTTP_CONNECTIONS_MAX 100000u /* service.max_connections(_per_ip), highest */
#define TS_LIMIT_HTTP_TIMEOUT_MAX_S 3600u     /* service.*_timeout_s, highest */
#define TS_LIMIT_HTTP_READ_S 30u              /* seconds to receive headers + body */
#define TS_LIMIT_HTTP_RELOAD_S 30u            /* seconds to load and check a pack on SIGHUP */
#define TS_LIMIT_HTTP_DRAIN_S 30u             /* seconds SIGTERM waits for requests, writes */
#define TS_LIMIT_HTTP_REFUSALS 30u            /* refused writes per token per minute, then 429 */
#define TS_LIMIT_HTTP_OFFICER_TOKENS 65536u   /* active officer tokens a serve keeps in memory */
/* The officers' console (POST /console/session): sessions live in serve's memory only */
#define TS_LIMIT_HTTP_SESSIONS 1024u        /* console sessions kept; past it the LRU is dropped */
#define TS_LIMIT_HTTP_SESSION_IDLE_S 28800u /* seconds a console session may stay unused (8 h) */
#define TS_LIMIT_HTTP_SESSION_S 43200u      /* seconds a console session lives at most (12 h) */
#define TS_LIMIT_HTTP_SIGNIN_FAILS 10u      /* failed sign-ins per client address per minute */
#define TS_LIMIT_HTTP_NOTE TS_LIMIT_NOTE    /* bytes in an ack/close note (as in the CLI) */
#define TS_LIMIT_HTTP_ACTOR TS_LIMIT_ACTOR  /* bytes in an actor "by" (as in the CLI) */

#endif
