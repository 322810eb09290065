/* triscreen/vocab.h — the shared vocabulary: colour, pass, feedback kind, alert state,
 * review outcome and close outcome. One X-macro list per thing generates its enum and
 * its ts_<thing>_name() / ts_<thing>_parse() pair (engine/base/vocab.c).
 *
 * Invariants: the numeric values are stored data and outputs depend on them (colours are
 * ordered: a higher value is a higher risk); a name of "" marks the "none" entry, which
 * has no name and is never parsed. Index arrays by the enum (`[TS_COLOUR_RED] = …`),
 * never by arithmetic on it. All functions are pure and thread-safe. */
#ifndef TRISCREEN_VOCAB_H
#define TRISCREEN_VOCAB_H

#include <stdbool.h>

/* X(PREFIX, ID, value, "name") */
#define TS_COLOUR_MAP(X)                                                                           \
    X(COLOUR, NONE, 0, "")                                                                         \
    X(COLOUR, BLUE, 1, "blue")                                                                     \
    X(COLOUR, YELLOW, 2, "yellow")                                                                 \
    X(COLOUR, RED, 3, "red")

#define TS_PASS_MAP(X)                                                                             \
    X(PASS, FULL, 0, "full")                                                                       \
    X(PASS, REGIONAL, 1, "regional")                                                               \
    X(PASS, TARGETED, 2, "targeted")

#define TS_FEEDBACK_MAP(X)                                                                         \
    X(FEEDBACK, NONE, 0, "")                                                                       \
    X(FEEDBACK, EARLY, 1, "early")                                                                 \
    X(FEEDBACK, DETAILED, 2, "detailed")                                                           \
    X(FEEDBACK, QUICK, 3, "quick")

/* An alert's state as stored: new → claimed → acknowledged → closed (a reopen takes a
 * closed alert back to new). */
#define TS_ALERT_STATE_MAP(X)                                                                      \
    X(ALERT, NEW, 0, "new")                                                                        \
    X(ALERT, CLAIMED, 1, "claimed")                                                                \
    X(ALERT, ACKED, 2, "acknowledged")                                                             \
    X(ALERT, CLOSED, 3, "closed")

/* `triscreen review --outcome`. */
#define TS_REVIEW_OUTCOME_MAP(X)                                                                   \
    X(REVIEW, CONFIRM, 0, "confirm")                                                               \
    X(REVIEW, LOWER, 1, "lower")                                                                   \
    X(REVIEW, RAISE, 2, "raise")                                                                   \
    X(REVIEW, CLEAR, 3, "clear")

/* What an officer does to an alert: the verb of `triscreen claim|ack|close|reopen` and of
 * POST /v1/alerts/ID/claim|ack|close|reopen. */
#define TS_ALERT_VERB_MAP(X)                                                                       \
    X(VERB, CLAIM, 0, "claim")                                                                     \
    X(VERB, ACK, 1, "ack")                                                                         \
    X(VERB, CLOSE, 2, "close")                                                                     \
    X(VERB, REOPEN, 3, "reopen")

/* Why an alert was closed (required by close). */
#define TS_CLOSE_OUTCOME_MAP(X)                                                                    \
    X(CLOSE, NONE, 0, "")                                                                          \
    X(CLOSE, CONFIRMED, 1, "confirmed")                                                            \
    X(CLOSE, FALSE_POSITIVE, 2, "false_positive")                                                  \
    X(CLOSE, VALUABLE, 3, "valuable")                                                              \
    X(CLOSE, DUPLICATE, 4, "duplicate")

#define TS__VOCAB_ENUM(prefix, id, value, name) TS_##prefix##_##id = value,
#define TS__VOCAB_COUNT(prefix, id, value, name) +1

typedef enum { TS_COLOUR_MAP(TS__VOCAB_ENUM) } ts_colour;
typedef enum { TS_PASS_MAP(TS__VOCAB_ENUM) } ts_pass;
typedef enum { TS_FEEDBACK_MAP(TS__VOCAB_ENUM) } ts_feedback;
typedef enum { TS_ALERT_STATE_MAP(TS__VOCAB_ENUM) } ts_alert_state;
typedef enum { TS_REVIEW_OUTCOME_MAP(TS__VOCAB_ENUM) } ts_review_outcome;
typedef enum { TS_ALERT_VERB_MAP(TS__VOCAB_ENUM) } ts_alert_verb;
typedef enum { TS_CLOSE_OUTCOME_MAP(TS__VOCAB_ENUM) } ts_close_outcome;

/* Number of entries of each list (values run 0 .. N-1): the size of arrays indexed by it. */
enum {
    TS_COLOUR_N = 0 TS_COLOUR_MAP(TS__VOCAB_COUNT),
    TS_PASS_N = 0 TS_PASS_MAP(TS__VOCAB_COUNT),
    TS_FEEDBACK_N = 0 TS_FEEDBACK_MAP(TS__VOCAB_COUNT),
    TS_ALERT_STATE_N = 0 TS_ALERT_STATE_MAP(TS__VOCAB_COUNT),
    TS_REVIEW_OUTCOME_N = 0 TS_REVIEW_OUTCOME_MAP(TS__VOCAB_COUNT),
    TS_ALERT_VERB_N = 0 TS_ALERT_VERB_MAP(TS__VOCAB_COUNT),
    TS_CLOSE_OUTCOME_N = 0 TS_CLOSE_OUTCOME_MAP(TS__VOCAB_COUNT)
};

/* Names ("full", "red", "early", "acknowledged", "lower", "ack", "confirmed"; "" for a NONE entry
 * and for a value outside the list). Never NULL; static storage. */
const char *ts_colour_name(ts_colour c);
const char *ts_pass_name(ts_pass p);
const char *ts_feedback_name(ts_feedback f);
const char *ts_alert_state_name(ts_alert_state s);
const char *ts_review_outcome_name(ts_review_outcome o);
const char *ts_alert_verb_name(ts_alert_verb v);
const char *ts_close_outcome_name(ts_close_outcome o);

/* Inverse of the names: true and *out set when s (may be NULL) is exactly the name of an
 * entry; false (out untouched) for NULL, "" and any other text. */
bool ts_colour_parse(const char *s, ts_colour *out); /* "red" | "yellow" | "blue" */
bool ts_pass_parse(const char *s, ts_pass *out);
bool ts_feedback_parse(const char *s, ts_feedback *out);
bool ts_alert_state_parse(const char *s, ts_alert_state *out);
bool ts_review_outcome_parse(const char *s, ts_review_outcome *out);
bool ts_alert_verb_parse(const char *s, ts_alert_verb *out);
bool ts_close_outcome_parse(const char *s, ts_close_outcome *out);

/* A colour as list text: its name, or "none" for TS_COLOUR_NONE (and out-of-list values). */
const char *ts_colour_text(ts_colour c);
/* The slot of a colour in the config's per-colour arrays (thresholds, review_days), which
 * are ordered {red, yellow, blue}: 0, 1, 2; -1 for TS_COLOUR_NONE and out-of-list values. */
int ts_colour_slot(ts_colour c);
/* The state a verb leads to (claim → claimed, ack → acknowledged, close → closed,
 * reopen → new). */
ts_alert_state ts_alert_verb_state(ts_alert_verb v);

#endif
