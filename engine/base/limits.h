/* base/limits.h — every cap in triscreen, in one place.
 * Each growable buffer, parser and sandbox takes its bound from here; README.md
 * ("Limits") documents them for operators. */
#ifndef TS_BASE_LIMITS_H
#define TS_BASE_LIMITS_H

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

/* Text people type (review, ack, close notes and --by): TS_TEXT_NOTE_MAX (4096 bytes)
 * and TS_TEXT_ACTOR_MAX (64 bytes) live in triscreen/text.h, which front ends include. */

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
#define TS_LIMIT_TABLE_ROWS 4096u /* rows sampled to size the columns of table output */
#define TS_LIMIT_CIRCLE 10000u    /* persons in one dossier circle (depth 1 and 2) */
#define TS_LIMIT_SCOPE_CELLS (4u << 20) /* bytes of the cell codes a scoped query binds */
#define TS_LIMIT_DOSSIER_MEM (64u << 20) /* bytes of one dossier's typed data */
#define TS_LIMIT_RENDER (256u << 20)     /* bytes of one rendered read (dossier, HTTP answer) */
#define TS_LIMIT_EVENT_TYPES 32   /* event types in one p:events{type = {...}} filter */

#define TS_LIMIT_REPORT_CLOSE_TIMES (4u << 20) /* closed alerts timed for the report median */

/* Service */
#define TS_LIMIT_HTTP_GROUP 512u      /* ingest jobs in one group commit */
#define TS_LIMIT_HTTP_POOL 64u        /* idle read connections kept by the service */
#define TS_LIMIT_ALERT_SCAN 1000000u  /* alerts looked at to find one by id */
#define TS_LIMIT_HTTP_BODY (4u << 20) /* bytes in one request body */
/* Connections (config service.max_connections, .max_connections_per_ip): past a cap a
 * request is answered 503 (GET /healthz is still answered); past the cap plus a quarter
 * (+8) libmicrohttpd closes the connection at accept. A request's headers and body must
 * arrive within service.read_timeout_s (also the idle limit of a kept-alive connection;
 * 2 s for a connection past a cap). */
#define TS_LIMIT_HTTP_CONNECTIONS 1024u      /* open connections in total */
#define TS_LIMIT_HTTP_CONNECTIONS_PER_IP 64u /* open connections per client address */
#define TS_LIMIT_HTTP_READ_S 30u             /* seconds to receive headers + body */
#define TS_LIMIT_HTTP_RELOAD_S 30u           /* seconds to load and check a pack on SIGHUP */
#define TS_LIMIT_HTTP_DRAIN_S 30u            /* seconds SIGTERM waits for requests, writes */
#define TS_LIMIT_HTTP_REFUSALS 30u           /* refused writes per token per minute, then 429 */
#define TS_LIMIT_HTTP_NOTE 4096u /* bytes in an ack/close note (= TS_TEXT_NOTE_MAX, CLI) */
#define TS_LIMIT_HTTP_ACTOR 64u  /* bytes in an actor "by" (= TS_TEXT_ACTOR_MAX, CLI) */

#endif
