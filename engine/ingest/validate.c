/* ingest/validate.c — the one validation of a parsed person record shared by import and
 * the service's HTTP ingest (ingest.h), so that both refuse the same records with the
 * same field and text. Uses grid (cells), config (protected attributes), base. */
#include <string.h>

#include "triscreen/ingest.h"

const char *ts_ingest_protected_attr(const ts_config *cfg, const ts_person *p)
{
    if (!cfg || cfg->n_protected_attributes == 0)
        return NULL;
    for (size_t i = 0; i < p->n_attrs; i++) {
        const char *name = p->attrs[i].name;
        if (ts_attr_name_protected(cfg, name, strlen(name)))
            return name;
    }
    return NULL;
}

const char *ts_ingest_check_person(const ts_config *cfg, const ts_grid *grid, const ts_person *p,
                                   ts_arena *a, const char **field, const ts_cell **cell)
{
    const ts_cell *c = ts_grid_find(grid, p->grid);
    if (!c) {
        *field = "grid";
        return "unknown grid cell";
    }
    if (c->level != TS_CELL_GROUP) {
        *field = "grid";
        return "grid cell is not a group (a person belongs to a group cell)";
    }
    const char *name = ts_ingest_protected_attr(cfg, p);
    if (name) {
        const char *f = ts_arena_printf(a, "attrs.%s", name);
        *field = f ? f : "attrs";
        return TS_INGEST_PROTECTED_REASON;
    }
    if (cell)
        *cell = c;
    return NULL;
}
