/* addresses: placeholder until the real handlers land (being written now). */
#include "cgi/router.h"
#include "common/respond.h"
enum api_err addresses_create(struct req *r) { return respond_fail(r, E_NOT_FOUND, "Cannot %s %s", r->method, r->path); }
enum api_err addresses_update(struct req *r) { return respond_fail(r, E_NOT_FOUND, "Cannot %s %s", r->method, r->path); }
enum api_err addresses_delete(struct req *r) { return respond_fail(r, E_NOT_FOUND, "Cannot %s %s", r->method, r->path); }
