/* tests/unit/record/person_eq.h — where two parsed persons differ, field by field
 * (numbers by their bits): the fast path's test (test_jfast.c) and its fuzz target
 * (tests/fuzz/fuzz_jfast.c) hold record/jfast.c to the json-c path with it. */
#ifndef TS_TEST_PERSON_EQ_H
#define TS_TEST_PERSON_EQ_H

#include <stdbool.h>
#include <string.h>

#include "triscreen/record.h"

static inline bool same_str(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

/* Where two persons differ, or NULL. */
static inline const char *differ(const ts_person *x, const ts_person *y)
{
    if (!same_str(x->id, y->id) || !same_str(x->name, y->name) || !same_str(x->grid, y->grid) ||
        !same_str(x->notes, y->notes) || x->born != y->born)
        return "a top-level field";
    if (x->n_categories != y->n_categories)
        return "categories";
    for (size_t i = 0; i < x->n_categories; i++)
        if (!same_str(x->categories[i], y->categories[i]))
            return "a category";
    if (x->n_attrs != y->n_attrs)
        return "the number of attrs";
    for (size_t i = 0; i < x->n_attrs; i++) {
        const ts_attr *a = &x->attrs[i], *b = &y->attrs[i];
        if (!same_str(a->name, b->name) || a->type != b->type)
            return "an attr's name or type";
        if (a->type == TS_ATTR_NUM && memcmp(&a->num, &b->num, sizeof a->num) != 0)
            return "a number attr";
        if (a->type == TS_ATTR_BOOL && a->b != b->b)
            return "a boolean attr";
        if (a->type == TS_ATTR_STR && !same_str(a->str, b->str))
            return "a string attr";
    }
    if (x->n_events != y->n_events)
        return "the number of events";
    for (size_t i = 0; i < x->n_events; i++)
        if (!same_str(x->events[i].type, y->events[i].type) ||
            x->events[i].date != y->events[i].date ||
            !same_str(x->events[i].note, y->events[i].note))
            return "an event";
    if (x->n_relations != y->n_relations)
        return "the number of relations";
    for (size_t i = 0; i < x->n_relations; i++)
        if (!same_str(x->relations[i].other, y->relations[i].other) ||
            !same_str(x->relations[i].kind, y->relations[i].kind))
            return "a relation";
    return NULL;
}

#endif
