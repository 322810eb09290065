/* rulehost/rh.h — the types shared by the rule host's files: the pack and host structs,
 * the person view, the loader's state. Types only: the functions of each file are in
 * its own header (vm.h, guard.h, person.h, sandbox.h, upscan.h), so that the files
 * depend on each other one way: vm <- guard <- person <- sandbox <- host, pack. With
 * them, the only headers that include lua.h; nothing outside engine/rulehost includes
 * them. */
#ifndef TS_RULEHOST_RH_H
#define TS_RULEHOST_RH_H

#include <lauxlib.h>
#include <lua.h>
#include <stdbool.h>
#include <stdint.h>

#include "triscreen/rulehost.h"
#include "regex/regex.h"

typedef struct rh_file {
    const char *name; /* relative to the pack folder */
    const char *text;
    size_t len;
} rh_file;

struct ts_rulepack {
    ts_arena arena; /* every string and array below */
    const char *dir;
    char hash[72]; /* "sha256:" + 64 hex */
    rh_file *files;
    size_t n_files;
    ts_rule_info *rules;
    size_t n_rules;
    uint32_t *by_pass[3]; /* rule indexes of each pass, in pack order */
    size_t n_pass[3];
    ts_rulehost_opts opts; /* with defaults filled in */
};

/* Magic numbers at the head of every userdata the sandbox makes (all userdata in a
 * sandboxed state is ours: io and friends are not loaded). */
enum {
    RH_MAGIC_RO = 0x524f5230,     /* read-only view of a table (libraries, frozen globals) */
    RH_MAGIC_ENV = 0x454e5630,    /* a rule file's global environment */
    RH_MAGIC_PERSON = 0x50455230, /* p and circle members */
};

typedef struct rh_proxy {
    uint32_t magic;
} rh_proxy;

/* What a person object shows. p's view lives in the host and is repointed per person;
 * a circle member's view lives in its own userdata and is valid for one evaluation
 * (gen). */
typedef struct rh_view {
    rh_proxy hdr;
    uint32_t gen;
    bool is_subject;
    const ts_person *person;
    const char *village, *town, *relation;
    int distance; /* 0 for the subject */
    ts_colour colour;
    bool suspect;
    const ts_subject *subject; /* the subject, for p:circle */
} rh_view;

/* Where an attribute name was last found in a person's list (see find_attr); key is
 * only compared by address, never read. */
typedef struct rh_attr_hint {
    const char *key;
    size_t at;
    bool visible; /* the name at `at` is visible to rules (set with key and at) */
} rh_attr_hint;
enum { RH_ATTR_HINTS = 16 };

/* Why the current run of Lua code stopped. */
typedef struct rh_trip {
    bool budget;   /* instruction budget exhausted: sticky until the host clears it */
    bool memory;   /* allocation refused by the cap: sticky until the host clears it */
    bool limit;    /* a regex or size limit was hit: sticky until the host clears it */
    bool deadline; /* the person's wall-clock deadline passed: sticky for the person */
} rh_trip;

/* Instructions between two runs of the count hook (it checks the clock and re-arms
 * from the rule's remaining budget). */
enum { RH_HOOK_CHUNK = 16384, RH_CO_CHUNK = 1024 };
/* A memo of attr_hidden answers, checked by content (a Lua string's address may be
 * reused for another name after it is collected). */
typedef struct rh_vis {
    uint8_t len; /* 0 = empty slot */
    bool visible;
    char name[64];
} rh_vis;
enum { RH_VIS_SLOTS = 64 };

/* Bytes allocated between two charges of the allocation volume to the budget. */
enum { RH_ALLOC_CHECK = 1 << 20 };

struct ts_rulehost {
    lua_State *L;
    const ts_rulepack *pack;
    size_t mem_used, mem_cap, mem_peak;
    int budget;             /* count for the hook, per rule */
    int64_t left;           /* instructions of the rule's budget not yet given to the hook */
    bool armed;             /* a rule (or a file's top level) is running under the budget */
    size_t alloc_since;     /* bytes allocated since the last charge (armed only) */
    size_t prepaid;         /* bytes of allocation a library call has already paid for */
    uint64_t deadline_ns;   /* CLOCK_MONOTONIC deadline of the person, 0 = none */
    uint32_t ms_per_person; /* the deadline's length (0 = none) */
    rh_trip trip;
    int ref_cos;   /* weak set of the coroutines made during this evaluation */
    size_t n_cos;  /* coroutines made since the last bind */
    bool err_keep; /* err_where/err_msg describe a limit: not overwritten */
    ts_regex_cache *rx;
    /* registry references */
    int ref_rules;  /* array: rule index + 1 -> when function */
    int ref_p;      /* p proxy (userdata) */
    int ref_pcache; /* p's field cache (kept; per-person fields cleared at bind) */
    int ref_fnames; /* array: field number -> field name (to clear the cache) */
    int ref_fkeys;  /* array anchoring "type" and "within_days" (interned strings) */
    const char *key_type, *key_days; /* their addresses: filter keys compared by address */
    uint32_t p_cached;               /* bit f: field f of the current person is in p's cache */
    rh_attr_hint attr_hint[RH_ATTR_HINTS];
    rh_vis vis[RH_VIS_SLOTS]; /* attr_hidden memo (ts__rh_attr_visible) */
    int ref_dates;            /* day -> "YYYY-MM-DD" (see push_date), n_dates entries */
    size_t n_dates;
    int ref_attrs; /* attrs proxy for p, and its data table (reused, see person.c) */
    int ref_attrs_d;
    int ref_attrs_k; /* array of the keys stored in the attrs data table (to clear them) */
    int ref_cats;    /* categories proxy for p, and its data table */
    int ref_cats_d;
    int ref_ctx; /* ctx proxy, and its data table */
    int ref_ctx_d;
    int ref_base;       /* the sandbox's base library table (copied into each file's globals) */
    int ref_resets;     /* array: rule index + 1 -> {fn, upvalue index, value, ...} or nil */
    uint32_t *n_resets; /* per rule: how many upvalues are restored before it runs */
    bool *rule_mutable; /* per rule: its file assigns upvalues from functions (upscan.c) */
    rh_view *pview;     /* p's view (inside p's userdata) */
    size_t cats_filled; /* length of the categories data table */
    size_t n_attr_keys; /* keys stored in p.attrs' data table for this person */
    /* current evaluation */
    uint32_t gen;
    const ts_eval_ctx *ctx;
    int32_t ctx_now;
    int ctx_pass;
    char ctx_scope[128];
    bool ctx_valid;
    /* last error seen by the message handler */
    bool err_set;
    char err_where[256];
    char err_msg[512];
    /* scratch for p:events */
    uint64_t *idx;
    size_t idx_cap;
};

/* The state of loading a pack's files (ts__rh_load_files, sandbox.c). */
typedef struct rh_load {
    ts_rulepack *pack;        /* validate mode: appended to */
    const ts_rulepack *cpack; /* collect mode: compared with */
    ts_problem_fn on_problem;
    void *ud;
    ts_err *err;
    size_t problems;
    size_t cap_rules; /* allocated entries of pack->rules */
    size_t collected;
    bool too_many;
    const char *file;  /* file being loaded */
    bool file_mutable; /* ... and its functions assign file-level locals (upscan.c) */
} rh_load;

#endif
