/* base/vocab.c — the names of the shared vocabulary (triscreen/vocab.h): one generated
 * name switch and one generated parse table per list. Uses nothing else. */
#include <string.h>

#include "triscreen/vocab.h"

#define NAME_CASE(prefix, id, value, name)                                                         \
    case TS_##prefix##_##id:                                                                       \
        return name;
#define ENTRY(prefix, id, value, name) {name, TS_##prefix##_##id},

/* type, function stem, list */
#define VOCAB_FUNCS(type, stem, MAP)                                                               \
    const char *ts_##stem##_name(type v)                                                           \
    {                                                                                              \
        switch (v) {                                                                               \
            MAP(NAME_CASE)                                                                         \
        }                                                                                          \
        return "";                                                                                 \
    }                                                                                              \
    bool ts_##stem##_parse(const char *s, type *out)                                               \
    {                                                                                              \
        static const struct {                                                                      \
            const char *name;                                                                      \
            type v;                                                                                \
        } table[] = {MAP(ENTRY)};                                                                  \
        if (!s || !s[0])                                                                           \
            return false;                                                                          \
        for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)                                \
            if (strcmp(s, table[i].name) == 0) {                                                   \
                *out = table[i].v;                                                                 \
                return true;                                                                       \
            }                                                                                      \
        return false;                                                                              \
    }

VOCAB_FUNCS(ts_colour, colour, TS_COLOUR_MAP)
VOCAB_FUNCS(ts_pass, pass, TS_PASS_MAP)
VOCAB_FUNCS(ts_feedback, feedback, TS_FEEDBACK_MAP)
VOCAB_FUNCS(ts_alert_state, alert_state, TS_ALERT_STATE_MAP)
VOCAB_FUNCS(ts_review_outcome, review_outcome, TS_REVIEW_OUTCOME_MAP)
VOCAB_FUNCS(ts_alert_verb, alert_verb, TS_ALERT_VERB_MAP)
VOCAB_FUNCS(ts_close_outcome, close_outcome, TS_CLOSE_OUTCOME_MAP)

const char *ts_colour_text(ts_colour c)
{
    const char *n = ts_colour_name(c);
    return n[0] ? n : "none";
}

int ts_colour_slot(ts_colour c)
{
    static const int slot[TS_COLOUR_N] = {
        [TS_COLOUR_NONE] = -1,
        [TS_COLOUR_RED] = 0,
        [TS_COLOUR_YELLOW] = 1,
        [TS_COLOUR_BLUE] = 2,
    };
    return (unsigned)c < TS_COLOUR_N ? slot[c] : -1;
}

ts_alert_state ts_alert_verb_state(ts_alert_verb v)
{
    static const ts_alert_state to[TS_ALERT_VERB_N] = {
        [TS_VERB_CLAIM] = TS_ALERT_CLAIMED,
        [TS_VERB_ACK] = TS_ALERT_ACKED,
        [TS_VERB_CLOSE] = TS_ALERT_CLOSED,
        [TS_VERB_REOPEN] = TS_ALERT_NEW,
    };
    return (unsigned)v < TS_ALERT_VERB_N ? to[v] : TS_ALERT_NEW;
}
